package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

/**
 * pairs(64) on several threads: each thread of a {@link Crew} allocates a 64-byte block, touches it and frees it at
 * once, {@link #OPS} pairs per round shared among the threads. In checking mode each thread writes its own pattern
 * into the whole block and checks it before the free (a block handed to two threads at once would show).
 */
public final class PairsRounds implements Rounds {

    /** Pairs per round at full size. */
    public static final int OPS = 1 << 16;

    /** The block size. */
    public static final long BYTE_SIZE = 64;

    private final Crew crew;
    private final long ops;

    /**
     * Starts the threads.
     *
     * @param subject a thread-safe subject
     * @param threads how many threads (a power of two up to 16)
     * @param shrink  divides the round's work (1 for measurements, more for smoke runs and tests)
     * @param check   whether to write and check a pattern in every block
     */
    public PairsRounds(Subject subject, int threads, int shrink, boolean check) {
        int perThread = OPS / shrink / threads;
        ops = (long) perThread * threads;
        crew = new Crew(subject, threads, "pairs", index -> {
            byte pattern = (byte) (index + 1);
            for (int k = 0; k < perThread; k++) {
                long handle = subject.allocate(BYTE_SIZE, 8);
                if (handle == 0) {
                    throw AbstractWorkload.outOfMemory(BYTE_SIZE, 8);
                }
                subject.touch(handle, BYTE_SIZE);
                if (check) {
                    long address = subject.address(handle);
                    RawMemory.fill(address, BYTE_SIZE, pattern);
                    Thread.onSpinWait();
                    if (RawMemory.mismatches(address, BYTE_SIZE, pattern) != 0) {
                        throw new IllegalStateException("block " + handle + " changed under thread " + index);
                    }
                }
                subject.free(handle, BYTE_SIZE, 8);
            }
        });
    }

    @Override
    public void round() {
        crew.run();
    }

    @Override
    public long opsPerRound() {
        return ops;
    }

    @Override
    public void close() {
        crew.close();
    }
}
