package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Set;

/**
 * talc's heap efficiency: one subject over a fixed heap; each round allocates generate_size(10000) (50 %), frees
 * a random block (10 %) or reallocates one to U[1, 100000) (40 %) until the first failure, then counts the
 * requested bytes of the live blocks against the heap size and frees everything. Value = used / total over all
 * rounds, in percent; error = 95 % confidence interval from the spread of the rounds' percentages.
 *
 * <p>talc runs 300 rounds over 128 MiB: so does {@link RunSettings#FULL} (measured time of 200 ms or more); shorter
 * settings use 16 MiB and fewer rounds (measured millis / 2, at least 3) and say so in the note. Subjects that
 * cannot free (bump, slicing) keep freed and reallocated-away bytes used until the round's reset: their true cost.
 */
public final class HeapEfficiencyWorkload extends AbstractWorkload {

    private static final long MAX_BYTE_SIZE = 10_000;
    private static final long REALLOC_MULTIPLIER = 10;
    private static final long FULL_HEAP_BYTE_SIZE = 128L << 20;
    private static final long SMALL_HEAP_BYTE_SIZE = 16L << 20;
    private static final int FULL_ROUNDS = 300;
    private static final int LIVE_CAPACITY = 1 << 20;

    /** Creates the workload. */
    public HeapEfficiencyWorkload() {
        super("heap-efficiency(" + MAX_BYTE_SIZE + ")", "heap-efficiency", Metric.PERCENT, 1,
                Set.of(Capability.FIXED_HEAP), false, 0);
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) {
        boolean full = settings.measureMillis() >= RunSettings.FULL.measureMillis();
        long heapByteSize = full ? FULL_HEAP_BYTE_SIZE : SMALL_HEAP_BYTE_SIZE;
        int rounds = full ? FULL_ROUNDS : (int) Math.max(3, Math.min(FULL_ROUNDS, settings.measureMillis() / 2));
        boolean frees = factory.capabilities().contains(Capability.FREES);
        Gen gen = new Gen(settings.seed());
        LiveSet live = new LiveSet(LIVE_CAPACITY);
        double[] percentByRound = new double[rounds];
        long used = 0;
        long total = 0;
        try (Subject subject = factory.open(heapByteSize)) {
            subject.enterThread();
            for (int round = 0; round < rounds; round++) {
                fill(subject, frees, gen, live);
                long roundUsed = live.requestedBytes();
                used += roundUsed;
                total += heapByteSize;
                percentByRound[round] = 100.0 * roundUsed / heapByteSize;
                live.releaseAll(subject, frees);
            }
            subject.exitThread();
        }
        double percent = 100.0 * used / total;
        String note = join(full ? "" : "scaled down from talc's 300 rounds x 128 MiB to " + rounds + " rounds x "
                        + (heapByteSize >> 20) + " MiB",
                frees ? "" : "no single free: freed and moved bytes stay used until the round's reset",
                alignmentNote(factory, 2048));
        return new Measurement(name(), group(), factory.name(), metric(), percent, Stats.halfWidth95(percentByRound),
                rounds, new double[0], new double[0], note);
    }

    private static void fill(Subject subject, boolean frees, Gen gen, LiveSet live) {
        while (true) {
            int action = gen.below(10);
            if (action <= 4) {
                long byteSize = gen.talcSize(MAX_BYTE_SIZE);
                long byteAlignment = gen.talcAlign();
                long handle = live.full() ? 0 : subject.allocate(byteSize, byteAlignment);
                if (handle == 0) {
                    return;
                }
                subject.touch(handle, byteSize);
                live.add(handle, byteSize, byteAlignment);
            } else if (action == 5) {
                if (live.count > 0) {
                    int index = gen.below(live.count);
                    if (frees) {
                        subject.free(live.handles[index], live.byteSizes[index], live.byteAlignments[index]);
                    }
                    live.removeAt(index);
                }
            } else if (live.count > 0) {
                int index = gen.below(live.count);
                long newByteSize = gen.range(1, MAX_BYTE_SIZE * REALLOC_MULTIPLIER);
                long moved = subject.reallocate(live.handles[index], live.byteSizes[index], newByteSize,
                        live.byteAlignments[index]);
                if (moved == 0) {
                    return;
                }
                subject.touch(moved, newByteSize);
                live.handles[index] = moved;
                live.byteSizes[index] = newByteSize;
            }
        }
    }
}
