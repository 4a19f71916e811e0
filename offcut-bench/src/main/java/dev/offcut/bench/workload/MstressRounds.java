package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * mstress, ported from its behaviour: objects outlive their threads. Each round starts T fresh threads; thread
 * {@code t} makes {@code allocs(t)} short-lived allocations of 1, 2, 4, 8 or 16 words and {@code allocs(t) / 2}
 * retained ones of 1..64 words, choosing between the two at random; after each it frees a random short-lived block
 * with probability 67 %, and with probability 26 % swaps a random one with a random slot of a shared transfer array
 * of {@link #TRANSFERS} blocks (an atomic exchange: blocks migrate between threads and rounds). 1 % of allocations
 * are 100 x larger, and of those 11 % 1000 x (mstress also has 10,000 x "giant" blocks; capped here at 1000 x, at most
 * 512 KB). Every word of a block is written ({@code (words - i) ^ cookie}) and checked on free, as mstress does; a
 * thread frees everything it still holds before it ends. After the threads end, the opening thread frees about half
 * of the transfer array. Load is uneven as in mstress ({@code allocs(t)} in proportion to {@code t % 8 + 1}), but the
 * round's total is fixed: {@link #OPS} allocations, whatever T. A check mismatch throws in checking mode; otherwise
 * it is only counted (the no-op subject's blocks alias one another).
 */
public final class MstressRounds implements Rounds {

    /** Short-lived allocations per round at full size, over all threads. */
    public static final int SHORT_LIVED = 30_000;

    /** Allocations per round at full size: the short-lived ones and half as many retained. */
    public static final int OPS = SHORT_LIVED + SHORT_LIVED / 2;

    /** Slots of the shared transfer array. */
    public static final int TRANSFERS = 1000;

    private static final long COOKIE = 0xbf58476d1ce4e5b9L;
    private static final int SIZE_BITS = 16;
    private static final long MAX_HANDLE = 1L << (63 - SIZE_BITS);

    private final Subject subject;
    private final int threads;
    private final int[] allocs;
    private final boolean check;
    private final AtomicLongArray transfer = new AtomicLongArray(TRANSFERS);
    private final Thread[] workers;
    private final Throwable[] failures;
    private final Gen mainGen = new Gen(43);
    private long generation;
    private volatile long sink;

    /**
     * Prepares the workload.
     *
     * @param subject a thread-safe subject
     * @param threads threads per round
     * @param shrink  divides the round's allocations (1 for measurements)
     * @param check   whether a content mismatch throws
     */
    public MstressRounds(Subject subject, int threads, int shrink, boolean check) {
        this.subject = subject;
        this.threads = threads;
        this.check = check;
        int weights = 0;
        for (int t = 0; t < threads; t++) {
            weights += t % 8 + 1;
        }
        allocs = new int[threads];
        for (int t = 0; t < threads; t++) {
            allocs[t] = SHORT_LIVED / shrink * (t % 8 + 1) / weights / 2 * 2;
        }
        workers = new Thread[threads];
        failures = new Throwable[threads];
    }

    /** A block and its word count in one {@code long}, so that one atomic exchange moves both. */
    private static long pack(long handle, int words) {
        if (handle <= 0 || handle >= MAX_HANDLE) {
            throw new IllegalStateException("handle " + handle + " does not fit the transfer array");
        }
        return handle << SIZE_BITS | words;
    }

    private long allocWords(int words, Gen gen) {
        if (chance(1, gen)) {
            words *= chance(1, gen) || chance(10, gen) ? 1000 : 100;
        }
        long byteSize = 8L * words;
        long handle = subject.allocate(byteSize, 8);
        if (handle == 0) {
            throw AbstractWorkload.outOfMemory(byteSize, 8);
        }
        long address = subject.address(handle);
        for (int i = 0; i < words; i++) {
            RawMemory.setLong(address + 8L * i, (words - i) ^ COOKIE);
        }
        return pack(handle, words);
    }

    private void freeWords(long packed) {
        if (packed == 0) {
            return;
        }
        long handle = packed >>> SIZE_BITS;
        int words = (int) (packed & ((1 << SIZE_BITS) - 1));
        long address = subject.address(handle);
        long bad = 0;
        for (int i = 0; i < words; i++) {
            bad |= RawMemory.getLong(address + 8L * i) ^ ((words - i) ^ COOKIE);
        }
        if (bad != 0) {
            if (check) {
                throw new IllegalStateException("block " + handle + " of " + words + " words changed before its free");
            }
            sink = bad;
        }
        subject.free(handle, 8L * words, 8);
    }

    /** mstress's {@code chance(p)}: true with probability (p + 1) %. */
    private static boolean chance(int percent, Gen gen) {
        return gen.below(100) <= percent;
    }

    private void stress(int t, Gen gen) {
        int shortLived = allocs[t];
        int retain = shortLived / 2;
        long[] data = new long[shortLived];
        long[] retained = new long[retain];
        int dataTop = 0;
        int retainedTop = 0;
        while (shortLived > 0 || retain > 0) {
            if (retain == 0 || (chance(50, gen) && shortLived > 0)) {
                data[dataTop++] = allocWords(1 << gen.below(5), gen);
                shortLived--;
            } else {
                retained[retainedTop++] = allocWords(1 << gen.below(7), gen);
                retain--;
            }
            if (chance(66, gen) && dataTop > 0) {
                int i = gen.below(dataTop);
                freeWords(data[i]);
                data[i] = 0;
            }
            if (chance(25, gen) && dataTop > 0) {
                int i = gen.below(dataTop);
                data[i] = transfer.getAndSet(gen.below(TRANSFERS), data[i]);
            }
        }
        for (int i = 0; i < retainedTop; i++) {
            freeWords(retained[i]);
        }
        for (int i = 0; i < dataTop; i++) {
            freeWords(data[i]);
        }
    }

    @Override
    public void round() {
        generation++;
        for (int t = 0; t < threads; t++) {
            int index = t;
            Gen gen = new Gen((generation * threads + t + 1) * 43);
            workers[t] = Thread.ofPlatform().name("mstress-" + t).unstarted(() -> {
                try {
                    subject.enterThread();
                    try {
                        stress(index, gen);
                    } finally {
                        subject.exitThread();
                    }
                } catch (Throwable failure) {
                    failures[index] = failure;
                }
            });
        }
        WorkerThreads.runToEnd(workers, failures, "mstress");
        for (int j = 0; j < TRANSFERS; j++) {
            if (chance(50, mainGen)) {
                freeWords(transfer.getAndSet(j, 0));
            }
        }
    }

    @Override
    public long opsPerRound() {
        long ops = 0;
        for (int a : allocs) {
            ops += a + a / 2;
        }
        return ops;
    }

    /** Frees the transfer array from the calling thread. */
    @Override
    public void close() {
        for (int j = 0; j < TRANSFERS; j++) {
            freeWords(transfer.getAndSet(j, 0));
        }
    }
}
