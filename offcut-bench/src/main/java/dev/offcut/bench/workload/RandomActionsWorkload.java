package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Set;
import java.util.concurrent.CyclicBarrier;

/**
 * talc's random actions (see {@link RandomActions}): per trial a fresh subject, a warm-up, then -- after freeing the
 * warm-up's live blocks, so the measured phase starts on an empty live set as talc's does -- actions until the
 * measured time is up, the clock read every 100 actions. Value = measured time / successful operations, talc's
 * score (the JMH benchmarks report the same count as their {@code successes} counter).
 *
 * <p>The several-thread variant is named for its thread count, e.g. {@code random-actions(1000, realloc, 2 threads)}:
 * each thread has its own live set on one shared subject, value = wall time / operations of all threads. The
 * project's issue asks for two threads; talc's own multi-thread benchmark uses four.
 */
public final class RandomActionsWorkload extends AbstractWorkload {

    /** talc's max sizes for arena allocators. */
    public static final int[] MAX_BYTE_SIZES = {200, 1000, 3000, 10000, 30000};

    private static final int ACTIONS_PER_CLOCK_CHECK = 100;

    private final int maxByteSize;
    private final boolean realloc;

    /**
     * Creates the workload.
     *
     * @param maxByteSize talc's max size
     * @param realloc     whether realloc is one of the actions
     * @param threads     1, or more for the shared-subject variant
     */
    public RandomActionsWorkload(int maxByteSize, boolean realloc, int threads) {
        super("random-actions(" + maxByteSize + ", " + (realloc ? "realloc" : "no-realloc")
                        + (threads > 1 ? ", " + threads + " threads" : "") + ")",
                "random-actions", Metric.NANOS_PER_OP, threads,
                threads > 1 ? Set.of(Capability.FREES, Capability.THREAD_SAFE) : Set.of(Capability.FREES),
                false, 0);
        this.maxByteSize = maxByteSize;
        this.realloc = realloc;
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        double[] nanosPerOp = new double[settings.trials()];
        long failures = 0;
        long unsteady = 0;
        for (int trial = 0; trial < settings.trials(); trial++) {
            long seed = settings.seed() + 1000L * trial;
            long[] result = threads() == 1 ? oneThread(factory, settings, seed, trial)
                    : manyThreads(factory, settings, seed, trial);
            nanosPerOp[trial] = (double) result[0] / result[1];
            failures += result[2];
            unsteady = Math.max(unsteady, result[3]);
        }
        String note = join(threads() > 1 ? "aggregate: wall ns / operations of all " + threads() + " threads "
                        + "(talc's own variant uses 4)" : "",
                failures > 0 ? failures + " failed (re)allocations, not scored" : "",
                alignmentNote(factory, 2048),
                factory.capabilities().contains(Capability.REALLOCATES) || !realloc ? "" : "realloc emulated",
                Warmup.note(unsteady));
        return fromTrials(factory, nanosPerOp, note);
    }

    /** Returns {elapsed ns, score, failures, unsteady warm-up ms}. */
    private long[] oneThread(SubjectFactory factory, RunSettings settings, long seed, int trial) throws Exception {
        try (Subject subject = factory.open(RandomActions.HEAP_BYTE_SIZE)) {
            subject.enterThread();
            RandomActions actions = new RandomActions(subject, maxByteSize, realloc, seed);
            long unsteady = warmUp(actions, settings, trial);
            actions.restart();
            long[] result = timed(actions, millisToNanos(settings.measureMillis()));
            actions.releaseAll();
            subject.exitThread();
            return new long[] {result[0], result[1], actions.failures(), unsteady};
        }
    }

    private long[] manyThreads(SubjectFactory factory, RunSettings settings, long seed, int trial)
            throws Exception {
        int threads = threads();
        long[][] results = new long[threads][];
        Throwable[] failures = new Throwable[threads];
        CyclicBarrier start = new CyclicBarrier(threads);
        try (Subject subject = factory.openShared(RandomActions.HEAP_BYTE_SIZE)) {
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int index = t;
                workers[t] = new Thread(() -> {
                    try {
                        subject.enterThread();
                        RandomActions actions = new RandomActions(subject, maxByteSize, realloc,
                                seed + 7919L * index);
                        long unsteady = warmUp(actions, settings, trial);
                        actions.restart();
                        start.await();
                        long[] result = timed(actions, millisToNanos(settings.measureMillis()));
                        actions.releaseAll();
                        subject.exitThread();
                        results[index] = new long[] {result[0], result[1], actions.failures(), unsteady};
                    } catch (Throwable failure) {
                        failures[index] = failure;
                        start.reset();
                    }
                }, "random-actions-" + t);
                workers[t].start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
        }
        long wall = 0;
        long score = 0;
        long failed = 0;
        long unsteady = 0;
        for (int t = 0; t < threads; t++) {
            if (failures[t] != null) {
                throw new IllegalStateException("thread " + t + " failed", failures[t]);
            }
            wall = Math.max(wall, results[t][0]);
            score += results[t][1];
            failed += results[t][2];
            unsteady = Math.max(unsteady, results[t][3]);
        }
        return new long[] {wall, score, failed, unsteady};
    }

    private static long warmUp(RandomActions actions, RunSettings settings, int trial) throws Exception {
        return Warmup.untilSteady(settings, trial, nanos -> {
            long[] slice = timed(actions, nanos);
            return (double) slice[0] / slice[1];
        });
    }

    /** Returns {elapsed ns, score}. */
    private static long[] timed(RandomActions actions, long nanos) {
        long score = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            score += actions.act(ACTIONS_PER_CLOCK_CHECK);
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return new long[] {elapsed, Math.max(1, score)};
    }
}
