package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Set;

/**
 * talc's high-alignment guard: on a fresh 256 MiB heap, time 16384 allocations of (4096 B, align 1) then their
 * frees; on another fresh heap the same with (1 B, align 4096). Value = high-alignment time / ordinary time
 * (talc's CI requires below 5). Before each timed pass the same blocks are allocated, touched and freed once
 * untimed, as talc's heap is filled before it is used, so page faults do not swamp the comparison. The first trial
 * starts with alternating untimed pass pairs until the JIT has settled ({@link Warmup#untilSteady}), so that neither
 * case is timed in code still being compiled; later trials need no more (a pass pair of the free list takes about a
 * second). Then the passes alternate until the measured time is used up (at least once each); the ratio is of their
 * sums.
 * {@link RunSettings#SMOKE}-short settings use 1024 blocks instead of 16384 and say so.
 */
public final class HighAlignmentWorkload extends AbstractWorkload {

    /** talc's block count. */
    public static final int BLOCK_COUNT = 16384;
    /** The high alignment. */
    public static final long HIGH_BYTE_ALIGNMENT = 4096;

    private static final int SMOKE_BLOCK_COUNT = 1024;
    private static final long HEAP_BYTE_SIZE = 256L << 20;

    /** Creates the workload. */
    public HighAlignmentWorkload() {
        super("high-alignment(" + HIGH_BYTE_ALIGNMENT + ")", "high-alignment", Metric.RATIO, 1,
                Set.of(Capability.FREES), true, HIGH_BYTE_ALIGNMENT);
    }

    /**
     * One timed pass: allocate and touch {@code handles.length} blocks, then free them in order.
     *
     * @param subject       the subject
     * @param frees         whether to free (else reset)
     * @param handles       room for the handles
     * @param byteSize      block size
     * @param byteAlignment block alignment
     */
    public static void pass(Subject subject, boolean frees, long[] handles, long byteSize, long byteAlignment) {
        for (int i = 0; i < handles.length; i++) {
            long handle = subject.allocate(byteSize, byteAlignment);
            if (handle == 0) {
                throw outOfMemory(byteSize, byteAlignment);
            }
            subject.touch(handle, byteSize);
            handles[i] = handle;
        }
        if (frees) {
            for (long handle : handles) {
                subject.free(handle, byteSize, byteAlignment);
            }
        } else {
            subject.reset();
        }
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        boolean frees = factory.capabilities().contains(Capability.FREES);
        boolean smoke = settings.measureMillis() < RunSettings.QUICK.measureMillis() / 2;
        long[] handles = new long[smoke ? SMOKE_BLOCK_COUNT : BLOCK_COUNT];
        double[] ratios = new double[settings.trials()];
        int passes = 0;
        long unsteady = 0;
        for (int trial = 0; trial < settings.trials(); trial++) {
            if (trial == 0) {
                unsteady = Warmup.untilSteady(settings, trial, nanos -> warmUp(factory, frees, handles, nanos));
            }
            long ordinary = 0;
            long high = 0;
            long budget = millisToNanos(settings.measureMillis());
            long start = System.nanoTime();
            do {
                ordinary += timedPass(factory, frees, handles, HIGH_BYTE_ALIGNMENT, 1);
                high += timedPass(factory, frees, handles, 1, HIGH_BYTE_ALIGNMENT);
                passes++;
            } while (System.nanoTime() - start < budget);
            ratios[trial] = (double) high / ordinary;
        }
        return fromTrials(factory, ratios, join("time(" + handles.length + " x 1 B @ 4096) / time(" + handles.length
                + " x 4096 B @ 1), " + passes + " pass pairs", smoke ? "scaled down from 16384 blocks" : "",
                Warmup.note(unsteady)));
    }

    /** Alternates both cases, as measured, for about {@code nanos}; returns ns per pass pair. */
    private static double warmUp(SubjectFactory factory, boolean frees, long[] handles, long nanos) {
        long pairs = 0;
        long start = System.nanoTime();
        do {
            timedPass(factory, frees, handles, HIGH_BYTE_ALIGNMENT, 1);
            timedPass(factory, frees, handles, 1, HIGH_BYTE_ALIGNMENT);
            pairs++;
        } while (System.nanoTime() - start < nanos);
        return (double) (System.nanoTime() - start) / pairs;
    }

    private static long timedPass(SubjectFactory factory, boolean frees, long[] handles, long byteSize,
                                  long byteAlignment) {
        try (Subject subject = factory.open(HEAP_BYTE_SIZE)) {
            subject.enterThread();
            pass(subject, frees, handles, byteSize, byteAlignment);
            long start = System.nanoTime();
            pass(subject, frees, handles, byteSize, byteAlignment);
            long elapsed = System.nanoTime() - start;
            subject.exitThread();
            return elapsed;
        }
    }
}
