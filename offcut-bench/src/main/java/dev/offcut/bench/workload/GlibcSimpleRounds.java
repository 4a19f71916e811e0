package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

/**
 * glibc-simple (glibc's bench-malloc-simple), ported from its behaviour: the single-thread fast path. For each block
 * size of 16, 32 and 64 bytes and each batch of 25, 100, 400 and 1600 blocks, {@code PER_CONFIG / batch} times:
 * allocate the batch, write every byte, free its first half in allocation order (FIFO) and its second half in reverse
 * (LIFO). Runs on the calling thread (the original also runs once on a second thread; not here). One round =
 * {@link #OPS} allocate+free pairs. Checking mode checks every byte before the free.
 */
public final class GlibcSimpleRounds implements Rounds {

    /** Pairs per size and batch per round at full size (divisible by every batch). */
    public static final int PER_CONFIG = 6400;

    /** The block sizes. */
    public static final int[] BYTE_SIZES = {16, 32, 64};

    /** The batch sizes. */
    public static final int[] BATCHES = {25, 100, 400, 1600};

    /** Pairs per round at full size. */
    public static final int OPS = 3 * 4 * PER_CONFIG;

    private final Subject subject;
    private final int perConfig;
    private final boolean check;
    private final long[] handles = new long[1600];

    /**
     * Prepares the workload.
     *
     * @param subject a subject, entered by the calling thread
     * @param shrink  divides the round's pairs (1 for measurements)
     * @param check   whether to check every byte before freeing
     */
    public GlibcSimpleRounds(Subject subject, int shrink, boolean check) {
        this.subject = subject;
        this.perConfig = PER_CONFIG / shrink;
        this.check = check;
    }

    @Override
    public void round() {
        for (int byteSize : BYTE_SIZES) {
            for (int batch : BATCHES) {
                for (int repeat = perConfig / batch; repeat > 0; repeat--) {
                    batch(byteSize, batch);
                }
            }
        }
    }

    private void batch(int byteSize, int count) {
        for (int i = 0; i < count; i++) {
            long handle = subject.allocate(byteSize, 8);
            if (handle == 0) {
                throw AbstractWorkload.outOfMemory(byteSize, 8);
            }
            RawMemory.fill(subject.address(handle), byteSize, (byte) i);
            handles[i] = handle;
        }
        int half = count / 2;
        for (int i = 0; i < half; i++) {
            free(i, byteSize);
        }
        for (int i = count - 1; i >= half; i--) {
            free(i, byteSize);
        }
    }

    private void free(int i, int byteSize) {
        if (check && RawMemory.mismatches(subject.address(handles[i]), byteSize, (byte) i) != 0) {
            throw new IllegalStateException("block " + handles[i] + " changed before its free");
        }
        subject.free(handles[i], byteSize, 8);
    }

    @Override
    public long opsPerRound() {
        long ops = 0;
        for (int batch : BATCHES) {
            ops += (long) (perConfig / batch) * batch;
        }
        return ops * BYTE_SIZES.length;
    }

    @Override
    public void close() {
        // Every block is freed within its round.
    }
}
