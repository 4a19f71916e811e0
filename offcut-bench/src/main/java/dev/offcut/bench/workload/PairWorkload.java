package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Set;

/**
 * pair(n): allocate n bytes (8-byte aligned), touch, free at once; ns per pair. Subjects that only reset
 * (bump, slicing) reset instead of freeing.
 */
public final class PairWorkload extends AbstractWorkload {

    /** The sizes the catalog measures. */
    public static final long[] BYTE_SIZES = {16, 64, 256, 4096, 65536};

    /** The heap each subject gets: the largest pair many times over. */
    static final long HEAP_BYTE_SIZE = 16L << 20;

    private static final int PAIRS_PER_CLOCK_CHECK = 1000;

    private final long byteSize;

    /**
     * Creates the workload.
     *
     * @param byteSize the block size
     */
    public PairWorkload(long byteSize) {
        super("pair(" + byteSize + ")", "pair", Metric.NANOS_PER_OP, 1, Set.of(Capability.FREES), true, 0);
        this.byteSize = byteSize;
    }

    /**
     * One pair: the timed operation, shared with the JMH benchmark.
     *
     * @param subject  the subject
     * @param byteSize the size
     * @param frees    whether to free (else reset)
     */
    public static void pair(Subject subject, long byteSize, boolean frees) {
        long handle = subject.allocate(byteSize, 8);
        if (handle == 0) {
            throw outOfMemory(byteSize, 8);
        }
        subject.touch(handle, byteSize);
        if (frees) {
            subject.free(handle, byteSize, 8);
        } else {
            subject.reset();
        }
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        boolean frees = factory.capabilities().contains(Capability.FREES);
        double[] nanosPerPair = new double[settings.trials()];
        long unsteady = 0;
        for (int trial = 0; trial < settings.trials(); trial++) {
            try (Subject subject = factory.open(HEAP_BYTE_SIZE)) {
                subject.enterThread();
                unsteady = Math.max(unsteady,
                        Warmup.untilSteady(settings, trial, nanos -> loop(subject, frees, nanos)));
                nanosPerPair[trial] = loop(subject, frees, millisToNanos(settings.measureMillis()));
                subject.exitThread();
            }
        }
        return fromTrials(factory, nanosPerPair, join("ns per allocate+touch+free" + (frees ? "" : " (reset)"),
                Warmup.note(unsteady)));
    }

    private double loop(Subject subject, boolean frees, long nanos) {
        long pairs = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            for (int i = 0; i < PAIRS_PER_CLOCK_CHECK; i++) {
                pair(subject, byteSize, frees);
            }
            pairs += PAIRS_PER_CLOCK_CHECK;
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return (double) elapsed / pairs;
    }
}
