package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A workload of the {@code threads} group: {@link Rounds} of a multi-threaded workload on one shared subject, timed
 * per operation. At most {@value #MAX_TRIALS} trials, each on a fresh subject with fresh threads; the first round is a warm-up that also tells whether
 * the subject is slow (a round over {@link #SLOW_ROUND_MILLIS} ms, e.g. an {@code Arena.ofShared()} per block at
 * tens of microseconds each): then one more round is the only measurement, said in the note. Otherwise a warm-up until
 * steady ({@link Warmup}) and rounds for the measured time, at least one. Every subject runs the same rounds; the
 * {@code no-op} subject gives the workload's own cost. Smoke settings (measured time under 10 ms) divide each round's
 * work by {@value #SMOKE_SHRINK}.
 */
public final class ThreadedWorkload extends AbstractWorkload {

    /** The group of every multi-threaded workload and footprint. */
    public static final String GROUP = "threads";

    /** The fixed heap of the subjects that need one (Offcut's, one-nio): the largest live set many times over. */
    public static final long HEAP_BYTE_SIZE = 128L << 20;

    /**
     * A first round longer than this makes the pair a single measured round. A second on purpose: a fast subject's
     * first round, still interpreted, takes up to a few hundred ms on this loaded machine and must warm up normally.
     */
    public static final long SLOW_ROUND_MILLIS = 1000;

    /** Trials per pair at most (the group is long: each trial opens a subject and starts threads). */
    public static final int MAX_TRIALS = 3;

    /** How much smoke runs shrink a round. */
    public static final int SMOKE_SHRINK = 16;

    /** Opens a workload's rounds on a subject. */
    @FunctionalInterface
    public interface Opener {
        /**
         * Opens the rounds.
         *
         * @param subject a thread-safe subject, entered by the calling thread
         * @param shrink  divides a round's work (1 for measurements)
         * @param check   whether the workload checks its blocks' content (tests)
         * @return the rounds
         */
        Rounds open(Subject subject, int shrink, boolean check);
    }

    private final Opener opener;
    private final String operation;

    /**
     * Creates a workload.
     *
     * @param name      its name, e.g. {@code larson-sized(2 threads)}
     * @param threads   the threads it runs besides the caller (for the table; 1 still needs a thread-safe subject)
     * @param operation what one operation is, for the note
     * @param opener    how to open its rounds
     */
    public ThreadedWorkload(String name, int threads, String operation, Opener opener) {
        super(name, GROUP, Metric.NANOS_PER_OP, threads,
                Set.of(Capability.FREES, Capability.THREAD_SAFE, Capability.NATIVE_ADDRESS), false, 0);
        this.opener = opener;
        this.operation = operation;
    }

    /**
     * Returns how the workload opens its rounds (for tests and JMH).
     *
     * @return the opener
     */
    public Opener opener() {
        return opener;
    }

    /**
     * Returns how much a run with these settings shrinks each round.
     *
     * @param settings the settings
     * @return 1, or {@value #SMOKE_SHRINK} for smoke settings
     */
    public static int shrinkFor(RunSettings settings) {
        return settings.measureMillis() < 10 ? SMOKE_SHRINK : 1;
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        int shrink = shrinkFor(settings);
        List<Double> values = new ArrayList<>();
        long unsteady = 0;
        String slow = "";
        int trials = Math.min(settings.trials(), MAX_TRIALS);
        for (int trial = 0; trial < trials && slow.isEmpty(); trial++) {
            Subject subject = factory.openShared(HEAP_BYTE_SIZE);
            try {
                subject.enterThread();
                Rounds rounds = opener.open(subject, shrink, false);
                try {
                    long start = System.nanoTime();
                    rounds.round();
                    long first = System.nanoTime() - start;
                    if (first > SLOW_ROUND_MILLIS * 1_000_000L) {
                        values.add(slice(rounds, 0));
                        slow = String.format("slow: warm-up round took %.1f s, so one measured round only",
                                first / 1e9);
                    } else {
                        unsteady = Math.max(unsteady, Warmup.untilSteady(settings, trial,
                                nanos -> slice(rounds, nanos)));
                        values.add(slice(rounds, millisToNanos(settings.measureMillis())));
                    }
                } finally {
                    rounds.close();
                }
                subject.exitThread();
            } finally {
                subject.close();
            }
        }
        double[] perTrial = values.stream().mapToDouble(Double::doubleValue).toArray();
        return fromTrials(factory, perTrial, join("ns per " + operation, slow, Warmup.note(unsteady)));
    }

    /** Runs rounds for at least {@code nanos} (at least one) and returns ns per operation. */
    static double slice(Rounds rounds, long nanos) {
        long count = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            rounds.round();
            count++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return (double) elapsed / (count * rounds.opsPerRound());
    }

    /**
     * Returns the {@code threads} group of the bench command: the configurations the issue sets targets for, then the
     * footprints. JMH runs every workload at 1, 2 and 4 threads.
     *
     * @return the workloads, in table order
     */
    public static List<Workload> all() {
        List<Workload> all = new ArrayList<>(Arrays.asList(
                pairs(2),
                crossThread64(),
                xmalloc(1),
                larson(2),
                mstress(2),
                sh8(2),
                cacheScratch(2),
                glibcThread(1),
                glibcThread(2),
                glibcSimple(),
                virtualPairs()));
        all.add(new FootprintWorkload("footprint(larson-sized, 2 threads)", 2, larson(2).opener(), null));
        all.add(new FootprintWorkload("footprint(mstress, 2 threads)", 2, mstress(2).opener(), null));
        all.add(new FootprintWorkload("footprint(virtual-pairs vs 1 thread)", 1, virtualPairs().opener(),
                pairs(1).opener()));
        return List.copyOf(all);
    }

    /**
     * pairs(64) on several threads.
     *
     * @param threads threads
     * @return the workload
     */
    public static ThreadedWorkload pairs(int threads) {
        return new ThreadedWorkload("pairs(64, " + threads(threads) + ")", threads,
                "allocate+touch+free of 64 B (all threads)",
                (subject, shrink, check) -> new PairsRounds(subject, threads, shrink, check));
    }

    /**
     * cross-thread(64): 64-byte blocks allocated on one thread, freed on another.
     *
     * @return the workload
     */
    public static ThreadedWorkload crossThread64() {
        return new ThreadedWorkload("cross-thread(64)", 2, "block: allocate+touch on one thread, free on another",
                (subject, shrink, check) -> new CrossThreadRounds(subject, 64, shrink));
    }

    /**
     * xmalloc-test with as many consumers as producers.
     *
     * @param producers producers
     * @return the workload
     */
    public static ThreadedWorkload xmalloc(int producers) {
        return new ThreadedWorkload("xmalloc-test(" + producers + "+" + producers + ")", 2 * producers,
                "64 B block: allocated and filled by a producer, freed by a consumer (1e3 / value = Mfrees/s)",
                (subject, shrink, check) -> new XmallocRounds(subject, producers, shrink, check));
    }

    /**
     * larson-sized.
     *
     * @param threads threads per round
     * @return the workload
     */
    public static ThreadedWorkload larson(int threads) {
        return new ThreadedWorkload("larson-sized(" + threads(threads) + ")", threads,
                "sized free + allocate of 8..999 B, threads replaced every round",
                (subject, shrink, check) -> new LarsonRounds(subject, threads, shrink, check));
    }

    /**
     * mstress.
     *
     * @param threads threads per round
     * @return the workload
     */
    public static ThreadedWorkload mstress(int threads) {
        return new ThreadedWorkload("mstress(" + threads(threads) + ")", threads,
                "allocation (written, checked and freed once; fresh threads every round)",
                (subject, shrink, check) -> new MstressRounds(subject, threads, shrink, check));
    }

    /**
     * sh8bench-style bulk foreign frees.
     *
     * @param workers worker threads (one foreign producer more)
     * @return the workload
     */
    public static ThreadedWorkload sh8(int workers) {
        return new ThreadedWorkload("sh8bench(" + threads(workers) + " + producer)", workers + 1,
                "allocation (ring cycles + 8 B blocks freed by another thread)",
                (subject, shrink, check) -> new Sh8Rounds(subject, workers, shrink, check));
    }

    /**
     * cache-scratch.
     *
     * @param threads workers
     * @return the workload
     */
    public static ThreadedWorkload cacheScratch(int threads) {
        return new ThreadedWorkload("cache-scratch(" + threads(threads) + ")", threads,
                "write+read of a worker's own 1 B block (all workers)",
                (subject, shrink, check) -> new CacheScratchRounds(subject, threads, shrink, check));
    }

    /**
     * glibc-thread.
     *
     * @param threads threads
     * @return the workload
     */
    public static ThreadedWorkload glibcThread(int threads) {
        return new ThreadedWorkload("glibc-thread(" + threads(threads) + ")", threads,
                "free + allocate 4..32768 B + write every byte (all threads)",
                (subject, shrink, check) -> new GlibcThreadRounds(subject, threads, shrink, check));
    }

    /**
     * glibc-simple.
     *
     * @return the workload
     */
    public static ThreadedWorkload glibcSimple() {
        return new ThreadedWorkload("glibc-simple", 1, "allocate 16..64 B + write every byte + free, in batches",
                (subject, shrink, check) -> new GlibcSimpleRounds(subject, shrink, check));
    }

    /**
     * 10,000 virtual threads doing pairs(64).
     *
     * @return the workload
     */
    public static ThreadedWorkload virtualPairs() {
        return new ThreadedWorkload("virtual-pairs(64, 10000 threads)", VirtualPairsRounds.THREADS,
                "allocate+touch+free of 64 B, thread start and join included",
                (subject, shrink, check) -> new VirtualPairsRounds(subject, shrink, check));
    }

    private static String threads(int count) {
        return count + (count == 1 ? " thread" : " threads");
    }
}
