package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Arrays;
import java.util.Set;

/**
 * talc's microbenchmark: p1/p25/p50/p75/p99 of allocation and of free latency.
 *
 * <p>Same operation mix as talc: warm up by allocating and freeing i * 8 bytes for i in 1..9999; then allocate
 * generate_size(0x8000) with generate_align(); on failure free all but 50 live blocks; for each allocation,
 * when more than 50 are live and a 1-in-10 chance hits, or more than 600 are live, free 8 random blocks.
 *
 * <p>Timing differs, on purpose: talc reads the TSC around every call; {@code System.nanoTime} costs about as much
 * as a fast allocation and ticks coarsely, so one call cannot be timed. Each sample here is one
 * {@code nanoTime} pair around {@value #BATCH} consecutive calls (8 allocations; or the 8 frees talc does at once),
 * minus the calibrated cost of an empty pair, divided by {@value #BATCH}. The resolution of a sample is the
 * timer's granularity / {@value #BATCH} (reported in the note); being means of 8 calls, the tails (p1, p99) are
 * narrower than single-call tails. Touching the blocks is not timed. Value = p50 of allocation + p50 of free
 * (talc's summed figure).
 */
public final class PercentilesWorkload extends AbstractWorkload {

    /** Calls per timed sample. */
    public static final int BATCH = 8;

    private static final long MAX_BYTE_SIZE = 0x8000;
    private static final int KEEP_ON_FAILURE = 50;
    private static final int FREE_THRESHOLD = 50;
    private static final int MAX_LIVE = 600;
    private static final int WARMUP_ALLOCATIONS = 10_000;
    private static final int RING = 1 << 16;
    private static final int SAMPLE_CAPACITY = 1 << 20;
    /**
     * A trial keeps sampling past its time until it has this many samples of each kind, so that even the shortest
     * (smoke) run has percentiles: frees start only once about 50 blocks are live.
     */
    private static final int MIN_SAMPLES = 32;
    /** ... but never longer than this, whatever the subject does. */
    private static final long MAX_TRIAL_NANOS = 5_000_000_000L;
    private static final long HEAP_BYTE_SIZE = 128L << 20;

    /** Creates the workload. */
    public PercentilesWorkload() {
        super("percentiles(" + MAX_BYTE_SIZE + ")", "percentiles", Metric.PERCENTILES, 1,
                Set.of(Capability.FREES), false, 0);
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        long[] timer = calibrateTimer();
        double[][] allocByTrial = new double[settings.trials()][];
        double[][] freeByTrial = new double[settings.trials()][];
        double[] values = new double[settings.trials()];
        long samples = 0;
        long unsteady = 0;
        for (int trial = 0; trial < settings.trials(); trial++) {
            Trial run = new Trial(settings.seed() + trial, timer[0]);
            try (Subject subject = factory.open(HEAP_BYTE_SIZE)) {
                subject.enterThread();
                run.warmUp(subject, millisToNanos(Math.max(10, 10 * settings.warmupMillis())));
                // talc's warm-up is short for a JIT: keep warming with the measured loop until it settles.
                unsteady = Math.max(unsteady,
                        Warmup.untilSteady(settings, trial, nanos -> run.measure(subject, nanos)));
                run.allocCount = 0;
                run.freeCount = 0;
                run.measure(subject, millisToNanos(settings.measureMillis()));
                run.live.releaseAll(subject, true);
                subject.exitThread();
            }
            allocByTrial[trial] = percentiles(run.allocSamples, run.allocCount);
            freeByTrial[trial] = percentiles(run.freeSamples, run.freeCount);
            values[trial] = allocByTrial[trial][2] + freeByTrial[trial][2];
            samples += run.allocCount + run.freeCount;
        }
        String note = join("samples = nanoTime pairs around " + BATCH + " calls, minus " + timer[0]
                        + " ns timer cost, / " + BATCH + "; timer granularity " + timer[1] + " ns, so resolution ~"
                        + String.format("%.1f", timer[1] / (double) BATCH) + " ns per call; " + samples
                        + " samples; value = p50 alloc + p50 free",
                alignmentNote(factory, 2048), Warmup.note(unsteady));
        return new Measurement(name(), group(), factory.name(), metric(), mean(values), Stats.halfWidth95(values),
                values.length, meanByIndex(allocByTrial), meanByIndex(freeByTrial), note);
    }

    /** Returns {median cost of an empty nanoTime pair, smallest non-zero step}. */
    static long[] calibrateTimer() {
        long[] deltas = new long[20_001];
        long granularity = Long.MAX_VALUE;
        for (int i = 0; i < deltas.length; i++) {
            long first = System.nanoTime();
            long second = System.nanoTime();
            deltas[i] = second - first;
            if (deltas[i] > 0) {
                granularity = Math.min(granularity, deltas[i]);
            }
        }
        Arrays.sort(deltas);
        return new long[] {deltas[deltas.length / 2], granularity == Long.MAX_VALUE ? 1 : granularity};
    }

    private static double[] percentiles(long[] samples, int count) {
        if (count == 0) {
            throw new IllegalStateException("no samples");
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int[] at = {count / 100, count / 4, count / 2, 3 * count / 4, 99 * count / 100};
        double[] result = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            // Tenths of a nanosecond per call were stored; a sample at or below the timer cost reads 0.
            result[i] = Math.max(0, sorted[at[i]]) / 10.0;
        }
        return result;
    }

    private static double[] meanByIndex(double[][] byTrial) {
        double[] mean = new double[byTrial[0].length];
        for (double[] trial : byTrial) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += trial[i] / byTrial.length;
            }
        }
        return mean;
    }

    /** One trial's pre-generated numbers, live set and samples (in tenths of a ns per call). */
    private static final class Trial {
        final long timerCost;
        final long[] byteSizes = new long[RING];
        final long[] byteAlignments = new long[RING];
        final int[] picks = new int[RING];
        final byte[] coins = new byte[RING];
        final LiveSet live = new LiveSet(MAX_LIVE + 2 * BATCH * BATCH + KEEP_ON_FAILURE);
        final long[] batchHandles = new long[BATCH];
        final long[] batchSizes = new long[BATCH];
        final long[] batchAlignments = new long[BATCH];
        final long[] allocSamples = new long[SAMPLE_CAPACITY];
        final long[] freeSamples = new long[SAMPLE_CAPACITY];
        int allocCount;
        int freeCount;
        int cursor;

        Trial(long seed, long timerCost) {
            this.timerCost = timerCost;
            Gen gen = new Gen(seed);
            for (int i = 0; i < RING; i++) {
                byteSizes[i] = gen.talcSize(MAX_BYTE_SIZE);
                byteAlignments[i] = gen.talcAlign();
                picks[i] = (int) gen.nextLong();
                coins[i] = (byte) gen.below(10);
            }
        }

        void warmUp(Subject subject, long capNanos) {
            long start = System.nanoTime();
            for (int i = 1; i < WARMUP_ALLOCATIONS; i++) {
                long handle = subject.allocate(i * 8L, 8);
                if (handle == 0) {
                    throw outOfMemory(i * 8L, 8);
                }
                subject.touch(handle, i * 8L);
                subject.free(handle, i * 8L, 8);
                if (i % 100 == 0 && System.nanoTime() - start > capNanos) {
                    return;
                }
            }
        }

        /** Runs the measured loop for about {@code nanos}; returns the mean allocation sample of this call, ns. */
        double measure(Subject subject, long nanos) {
            int firstSample = allocCount;
            long start = System.nanoTime();
            while (allocCount < SAMPLE_CAPACITY && freeCount < SAMPLE_CAPACITY) {
                long elapsed = System.nanoTime() - start;
                boolean enough = allocCount - firstSample >= MIN_SAMPLES && freeCount >= MIN_SAMPLES;
                if ((elapsed >= nanos && enough) || elapsed >= MAX_TRIAL_NANOS) {
                    break;
                }
                int first = cursor;
                cursor += BATCH;
                for (int j = 0; j < BATCH; j++) {
                    int i = (first + j) & (RING - 1);
                    batchSizes[j] = byteSizes[i];
                    batchAlignments[j] = byteAlignments[i];
                }
                long begin = System.nanoTime();
                for (int j = 0; j < BATCH; j++) {
                    batchHandles[j] = subject.allocate(batchSizes[j], batchAlignments[j]);
                }
                long end = System.nanoTime();
                boolean failed = false;
                for (int j = 0; j < BATCH; j++) {
                    if (batchHandles[j] == 0) {
                        failed = true;
                    } else {
                        subject.touch(batchHandles[j], batchSizes[j]);
                        live.add(batchHandles[j], batchSizes[j], batchAlignments[j]);
                    }
                }
                if (failed) {
                    live.releaseAllBut(subject, KEEP_ON_FAILURE);
                    continue;
                }
                allocSamples[allocCount++] = (end - begin - timerCost) * 10 / BATCH;
                // talc decides after each allocation whether to free 8 blocks: so do we, once per allocation.
                for (int j = 0; j < BATCH; j++) {
                    int i = (first + j) & (RING - 1);
                    if ((live.count > FREE_THRESHOLD && coins[i] == 0) || live.count > MAX_LIVE) {
                        freeEight(subject, i);
                    }
                }
            }
            long sum = 0;
            for (int k = firstSample; k < allocCount; k++) {
                sum += allocSamples[k];
            }
            return allocCount == firstSample ? Double.NaN : sum / 10.0 / (allocCount - firstSample);
        }

        private void freeEight(Subject subject, int i) {
            for (int j = 0; j < BATCH; j++) {
                int index = Gen.pick(Integer.rotateLeft(picks[i], 4 * j), live.count);
                batchHandles[j] = live.handles[index];
                batchSizes[j] = live.byteSizes[index];
                batchAlignments[j] = live.byteAlignments[index];
                live.removeAt(index);
            }
            long begin = System.nanoTime();
            for (int j = 0; j < BATCH; j++) {
                subject.free(batchHandles[j], batchSizes[j], batchAlignments[j]);
            }
            long end = System.nanoTime();
            if (freeCount < SAMPLE_CAPACITY) {
                freeSamples[freeCount++] = (end - begin - timerCost) * 10 / BATCH;
            }
        }
    }
}
