package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

/**
 * 10,000 virtual threads doing pairs(64): each round starts {@link #THREADS} virtual threads; each does
 * {@link #SLICES} slices of {@link #PAIRS} allocate + touch + free, yielding between slices so that all of them are
 * alive at once (a per-virtual-thread heap would show in the footprint), and the round ends when all have ended.
 * Thread start and join are part of the round: the no-op subject shows their cost. Each slice begins with
 * {@link Subject#enterThread()} (a virtual thread may resume on another carrier, whose native thread rpmalloc must
 * know); virtual threads never call {@link Subject#exitThread()}, since the carriers outlive them.
 */
public final class VirtualPairsRounds implements Rounds {

    /** Virtual threads per round at full size. */
    public static final int THREADS = 10_000;

    /** Slices per virtual thread (a yield between two). */
    public static final int SLICES = 2;

    /** Pairs per slice. */
    public static final int PAIRS = 4;

    /** Pairs per round at full size. */
    public static final int OPS = THREADS * SLICES * PAIRS;

    private final Subject subject;
    private final Thread[] threads;
    private final boolean check;
    private volatile Throwable failure;

    /**
     * Prepares the workload.
     *
     * @param subject a thread-safe subject
     * @param shrink  divides the number of virtual threads (1 for measurements)
     * @param check   whether to write and check a pattern in every block
     */
    public VirtualPairsRounds(Subject subject, int shrink, boolean check) {
        this.subject = subject;
        this.threads = new Thread[THREADS / shrink];
        this.check = check;
    }

    @Override
    public void round() {
        for (int i = 0; i < threads.length; i++) {
            byte pattern = (byte) (i | 1);
            threads[i] = Thread.ofVirtual().unstarted(() -> pairs(pattern));
        }
        for (Thread thread : threads) {
            thread.start();
        }
        try {
            for (Thread thread : threads) {
                thread.join();
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        }
        Throwable failed = failure;
        if (failed != null) {
            failure = null;
            throw new IllegalStateException("a virtual thread failed: " + failed, failed);
        }
    }

    private void pairs(byte pattern) {
        try {
            for (int slice = 0; slice < SLICES; slice++) {
                if (slice > 0) {
                    Thread.yield();
                }
                subject.enterThread();
                for (int k = 0; k < PAIRS; k++) {
                    long handle = subject.allocate(PairsRounds.BYTE_SIZE, 8);
                    if (handle == 0) {
                        throw AbstractWorkload.outOfMemory(PairsRounds.BYTE_SIZE, 8);
                    }
                    subject.touch(handle, PairsRounds.BYTE_SIZE);
                    if (check) {
                        long address = subject.address(handle);
                        RawMemory.fill(address, PairsRounds.BYTE_SIZE, pattern);
                        Thread.yield();
                        if (RawMemory.mismatches(address, PairsRounds.BYTE_SIZE, pattern) != 0) {
                            throw new IllegalStateException("block " + handle + " changed under its thread");
                        }
                    }
                    subject.free(handle, PairsRounds.BYTE_SIZE, 8);
                }
            }
        } catch (Throwable failed) {
            failure = failed;
        }
    }

    @Override
    public long opsPerRound() {
        return (long) threads.length * SLICES * PAIRS;
    }

    @Override
    public void close() {
        // Every block is freed within its round.
    }
}
