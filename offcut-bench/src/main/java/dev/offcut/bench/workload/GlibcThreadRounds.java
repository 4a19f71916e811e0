package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

/**
 * glibc-thread (glibc's bench-malloc-thread), ported from its behaviour: pure per-thread scaling, nothing shared.
 * Each thread of a {@link Crew} keeps its own {@link #SLOTS} blocks across rounds and repeats: pick a slot from a
 * precomputed sequence of {@link #INDICES} random slots, free its block, allocate one whose size comes from a table
 * of {@link #SIZES} sizes with an inverse-square distribution over [4, 32768] bytes (mean about 36), and write every
 * byte. One round = {@link #OPS} steps over all threads (glibc counts steps in 2 s per thread). Checking mode checks
 * every byte before the free.
 */
public final class GlibcThreadRounds implements Rounds {

    /** Steps per round at full size, shared among the threads. */
    public static final int OPS = 1 << 16;

    /** Slots per thread. */
    public static final int SLOTS = 1024;

    /** Entries of the size table. */
    public static final int SIZES = 8000;

    /** Entries of each thread's slot sequence (a power of two). */
    public static final int INDICES = 4096;

    private static final int MIN_BYTE_SIZE = 4;
    private static final int MAX_BYTE_SIZE = 32768;

    private final Subject subject;
    private final Crew crew;
    private final int perThread;
    private final long[][] handles;
    private final int[][] byteSizes;

    /**
     * Starts the threads.
     *
     * @param subject a thread-safe subject
     * @param threads threads (a power of two)
     * @param shrink  divides the round's steps (1 for measurements)
     * @param check   whether to check every byte before freeing
     */
    public GlibcThreadRounds(Subject subject, int threads, int shrink, boolean check) {
        this.subject = subject;
        this.perThread = OPS / shrink / threads;
        handles = new long[threads][SLOTS];
        byteSizes = new int[threads][SLOTS];
        int[] sizeTable = new int[SIZES];
        Gen gen = new Gen(1);
        for (int i = 0; i < SIZES; i++) {
            sizeTable[i] = inverseSquare(gen.nextLong());
        }
        int[][] indices = new int[threads][INDICES];
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < INDICES; i++) {
                indices[t][i] = gen.below(SLOTS);
            }
        }
        int[] steps = new int[threads];
        crew = new Crew(subject, threads, "glibc-thread", index -> {
            long[] mine = handles[index];
            int[] mineSizes = byteSizes[index];
            int[] slots = indices[index];
            int step = steps[index];
            for (int k = 0; k < perThread; k++, step++) {
                int slot = slots[step & (INDICES - 1)];
                long old = mine[slot];
                if (old != 0) {
                    if (check && RawMemory.mismatches(subject.address(old), mineSizes[slot], (byte) slot) != 0) {
                        throw new IllegalStateException("block " + old + " changed before its free");
                    }
                    subject.free(old, mineSizes[slot], 8);
                }
                int byteSize = sizeTable[Math.floorMod(step + index * 977, SIZES)];
                long handle = subject.allocate(byteSize, 8);
                if (handle == 0) {
                    throw AbstractWorkload.outOfMemory(byteSize, 8);
                }
                RawMemory.fill(subject.address(handle), byteSize, (byte) slot);
                mine[slot] = handle;
                mineSizes[slot] = byteSize;
            }
            steps[index] = step;
        });
    }

    /** Maps 64 random bits to a size with density proportional to 1 / size^2 on [4, 32768] (inverse transform). */
    static int inverseSquare(long bits) {
        double u = (bits >>> 11) * 0x1.0p-53;
        double a = 1.0 / MIN_BYTE_SIZE;
        double b = 1.0 / MAX_BYTE_SIZE;
        int size = (int) (1.0 / (a - u * (a - b)));
        return Math.clamp(size, MIN_BYTE_SIZE, MAX_BYTE_SIZE);
    }

    @Override
    public void round() {
        crew.run();
    }

    @Override
    public long opsPerRound() {
        return (long) perThread * handles.length;
    }

    /** Stops the threads, then frees every slot from the calling thread. */
    @Override
    public void close() {
        crew.close();
        for (int t = 0; t < handles.length; t++) {
            for (int i = 0; i < SLOTS; i++) {
                if (handles[t][i] != 0) {
                    subject.free(handles[t][i], byteSizes[t][i], 8);
                    handles[t][i] = 0;
                }
            }
        }
    }
}
