package dev.offcut.bench;

/**
 * How long and how often a workload measures.
 *
 * @param trials        independent trials, each on a fresh subject; the result is their mean, with a 95 %
 *                      confidence interval over them
 * @param warmupMillis  warm-up time per trial, not measured
 * @param measureMillis measured time per trial
 * @param seed          the seed of every random generator (sizes are generated before timing)
 */
public record RunSettings(int trials, long warmupMillis, long measureMillis, long seed) {

    /**
     * The default bench run: five trials per pair, so that the 95 % confidence interval it reports rests on more
     * than two samples, in short slices, so that the workloads picked for about a minute cover every group.
     */
    public static final RunSettings QUICK = new RunSettings(5, 20, 30, 42);

    /** The {@code --full} run: closer to talc's own settings (7 trials of 2 ms warm-up + 200 ms). */
    public static final RunSettings FULL = new RunSettings(7, 100, 200, 42);

    /** For CI's smoke test: a few iterations, only to prove every pair runs and gives sane output. */
    public static final RunSettings SMOKE = new RunSettings(1, 1, 3, 42);
}
