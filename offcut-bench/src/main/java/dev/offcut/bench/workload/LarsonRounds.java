package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

/**
 * larson-sized, ported from its behaviour: thread churn with blocks freed by a later thread. T threads each own
 * {@link #SLOTS} slots of one shared array; a thread repeats: pick a random slot of its range, free its block (sized
 * free: the subject is told the size), allocate a block of a uniform random size in [8, 1000), write byte 0 ('a'),
 * read it back, write byte 1 ('b'). After its share of the round it exits; the next round starts a fresh thread on
 * the same range, which frees the blocks its predecessor allocated. Before the first round the opening thread
 * allocates every slot and frees and reallocates 4 x as many random slots, so every block starts owned by it, as
 * larson's warm-up by main. One round = {@link #OPS} free+allocate steps over all threads (larson: 500,000 per thread
 * life; here a life is {@code OPS / T}). Checking mode checks bytes 0 and 1 of every block before freeing it.
 */
public final class LarsonRounds implements Rounds {

    /**
     * Slots per thread, as larson's own command line in the field's runs ({@code larson-sized 5 8 1000 5000 ...}):
     * a live set of about 2.5 MB per thread. (The first port had 1,000, which left a live set too small to tell an
     * allocator's footprint from its fixed per-thread cost.)
     */
    public static final int SLOTS = 5000;

    /** Steps per round at full size, shared among the threads. */
    public static final int OPS = 1 << 16;

    private static final int MIN_BYTE_SIZE = 8;
    private static final int MAX_BYTE_SIZE = 1000;

    private final Subject subject;
    private final int threads;
    private final int perThread;
    private final boolean check;
    private final long[] handles;
    private final int[] byteSizes;
    private final Thread[] workers;
    private final Throwable[] failures;
    private long generation;

    /**
     * Allocates every slot from the calling thread (which must have entered the subject).
     *
     * @param subject a thread-safe subject
     * @param threads threads per round (a power of two)
     * @param shrink  divides the round's steps (1 for measurements)
     * @param check   whether to check every block's two bytes before freeing it
     */
    public LarsonRounds(Subject subject, int threads, int shrink, boolean check) {
        this.subject = subject;
        this.threads = threads;
        this.perThread = OPS / shrink / threads;
        this.check = check;
        int slots = threads * SLOTS;
        handles = new long[slots];
        byteSizes = new int[slots];
        workers = new Thread[threads];
        failures = new Throwable[threads];
        Gen gen = new Gen(4141);
        for (int i = 0; i < slots; i++) {
            replace(i, gen);
        }
        for (int k = 0; k < 4 * slots; k++) {
            replace(gen.below(slots), gen);
        }
    }

    private void replace(int slot, Gen gen) {
        long old = handles[slot];
        if (old != 0) {
            if (check) {
                long address = subject.address(old);
                if (RawMemory.get(address) != 'a' || RawMemory.get(address + 1) != 'b') {
                    throw new IllegalStateException("block " + old + " lost its bytes before its free");
                }
            }
            subject.free(old, byteSizes[slot], 8);
        }
        int byteSize = MIN_BYTE_SIZE + gen.below(MAX_BYTE_SIZE - MIN_BYTE_SIZE);
        long handle = subject.allocate(byteSize, 8);
        if (handle == 0) {
            throw AbstractWorkload.outOfMemory(byteSize, 8);
        }
        long address = subject.address(handle);
        RawMemory.set(address, (byte) 'a');
        if (RawMemory.get(address) != 'a') {
            throw new IllegalStateException("block " + handle + " does not keep a byte");
        }
        RawMemory.set(address + 1, (byte) 'b');
        handles[slot] = handle;
        byteSizes[slot] = byteSize;
    }

    @Override
    public void round() {
        generation++;
        for (int t = 0; t < threads; t++) {
            int first = t * SLOTS;
            int index = t;
            Gen gen = new Gen(4141 + 7919 * (generation * threads + t));
            workers[t] = Thread.ofPlatform().name("larson-" + t).unstarted(() -> {
                try {
                    subject.enterThread();
                    try {
                        for (int k = 0; k < perThread; k++) {
                            replace(first + gen.below(SLOTS), gen);
                        }
                    } finally {
                        subject.exitThread();
                    }
                } catch (Throwable failure) {
                    failures[index] = failure;
                }
            });
        }
        WorkerThreads.runToEnd(workers, failures, "larson");
    }

    @Override
    public long opsPerRound() {
        return (long) perThread * threads;
    }

    /** Frees every slot from the calling thread. */
    @Override
    public void close() {
        for (int i = 0; i < handles.length; i++) {
            if (handles[i] != 0) {
                subject.free(handles[i], byteSizes[i], 8);
                handles[i] = 0;
            }
        }
    }
}
