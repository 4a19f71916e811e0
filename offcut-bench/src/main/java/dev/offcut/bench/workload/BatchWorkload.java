package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Set;

/**
 * batch: 4096 blocks of log-uniform sizes 8..1024 (8-byte aligned), each touched, then freed in a shuffled
 * order; ns per block (its allocation plus its free). Subjects that only reset reset once per round.
 */
public final class BatchWorkload extends AbstractWorkload {

    /** Blocks per round. */
    public static final int BLOCK_COUNT = 4096;

    static final long HEAP_BYTE_SIZE = 16L << 20;

    private static final long MIN_BYTE_SIZE = 8;
    private static final long MAX_BYTE_SIZE = 1024;

    /** Creates the workload. */
    public BatchWorkload() {
        super("batch(" + BLOCK_COUNT + " x " + MIN_BYTE_SIZE + ".." + MAX_BYTE_SIZE + ")", "batch",
                Metric.NANOS_PER_OP, 1, Set.of(Capability.FREES), true, 0);
    }

    /** The pre-generated round: sizes, free order, and room for the handles. Shared with the JMH benchmark. */
    public static final class Round {
        private final long[] byteSizes = new long[BLOCK_COUNT];
        private final int[] freeOrder = new int[BLOCK_COUNT];
        private final long[] handles = new long[BLOCK_COUNT];

        /**
         * Generates a round.
         *
         * @param seed the seed
         */
        public Round(long seed) {
            Gen gen = new Gen(seed);
            for (int i = 0; i < BLOCK_COUNT; i++) {
                byteSizes[i] = gen.logUniform(MIN_BYTE_SIZE, MAX_BYTE_SIZE);
                freeOrder[i] = i;
            }
            gen.shuffle(freeOrder);
        }

        /**
         * Runs the round once: the timed operation.
         *
         * @param subject the subject
         * @param frees   whether to free each block (else reset once)
         */
        public void run(Subject subject, boolean frees) {
            for (int i = 0; i < BLOCK_COUNT; i++) {
                long byteSize = byteSizes[i];
                long handle = subject.allocate(byteSize, 8);
                if (handle == 0) {
                    throw outOfMemory(byteSize, 8);
                }
                subject.touch(handle, byteSize);
                handles[i] = handle;
            }
            if (frees) {
                for (int i = 0; i < BLOCK_COUNT; i++) {
                    int block = freeOrder[i];
                    subject.free(handles[block], byteSizes[block], 8);
                }
            } else {
                subject.reset();
            }
        }
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        boolean frees = factory.capabilities().contains(Capability.FREES);
        double[] nanosPerBlock = new double[settings.trials()];
        long unsteady = 0;
        for (int trial = 0; trial < settings.trials(); trial++) {
            Round round = new Round(settings.seed() + trial);
            try (Subject subject = factory.open(HEAP_BYTE_SIZE)) {
                subject.enterThread();
                unsteady = Math.max(unsteady,
                        Warmup.untilSteady(settings, trial, nanos -> loop(round, subject, frees, nanos)));
                nanosPerBlock[trial] = loop(round, subject, frees, millisToNanos(settings.measureMillis()));
                subject.exitThread();
            }
        }
        return fromTrials(factory, nanosPerBlock, join("ns per block (allocate+touch, then free in shuffled order)",
                frees ? "" : "one reset per round instead of frees", Warmup.note(unsteady)));
    }

    private static double loop(Round round, Subject subject, boolean frees, long nanos) {
        long rounds = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            round.run(subject, frees);
            rounds++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return (double) elapsed / (rounds * BLOCK_COUNT);
    }
}
