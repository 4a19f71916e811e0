package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.ConcurrentAllocator;
import dev.offcut.LinearMemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many threads at once: rounds of short-lived threads (churn) that allocate, write a pattern into every block, free
 * their own blocks, send blocks to other threads through mailboxes and leave blocks behind for the next round's
 * threads to free (objects outliving their threads). Every block's pattern is checked when it is freed; between
 * rounds (quiescent) the live blocks must not overlap, {@code verify()} must pass and {@code stats()} must count
 * exactly the blocks and bytes still live. About 1.2 M operations.
 */
class ConcurrentStressTest {

    private static final int THREADS = 4;
    /** Rounds of {@value #THREADS} threads; {@code -Doffcut.concurrent.stressRounds=2500} makes a 100 M-operation run. */
    private static final int ROUNDS = Integer.getInteger("offcut.concurrent.stressRounds", 25);
    private static final int OPS = 12_000;

    /** A live block: offset, size, and the seed of its pattern. */
    record Block(long offset, long size, long seed) {
    }

    @Test
    void churningThreadsWithCrossThreadFreesKeepEveryBlockAndTheCounts() throws Exception {
        try (LinearMemory memory = LinearMemory.ofNative(1L << 30)) {
            ConcurrentAllocator allocator = Allocator.concurrent(memory);
            List<ConcurrentLinkedQueue<Block>> mailboxes = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                mailboxes.add(new ConcurrentLinkedQueue<>());
            }
            ConcurrentLinkedQueue<Block> leftovers = new ConcurrentLinkedQueue<>();
            AtomicLong operations = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int round = 0; round < ROUNDS; round++) {
                List<Thread> threads = new ArrayList<>();
                for (int k = 0; k < THREADS; k++) {
                    int me = k;
                    long seed = round * 1000L + k;
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            work(allocator, memory, me, seed, mailboxes, leftovers, operations);
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                if (failure.get() != null) {
                    throw new AssertionError("round " + round, failure.get());
                }
                // Quiescent: every thread's calls happened-before this point (join).
                List<Block> live = new ArrayList<>(leftovers);
                for (ConcurrentLinkedQueue<Block> box : mailboxes) {
                    live.addAll(box);
                }
                checkQuiescent(allocator, live);
                // Heaps are bounded by platform threads alive at once plus stripes: dead threads' heaps are adopted.
                ConcurrentSizeClassAllocator impl = (ConcurrentSizeClassAllocator) allocator;
                assertTrue(impl.heapCount() <= impl.stripeCount() + THREADS + 1, "heaps: " + impl.heapCount());
            }
            assertTrue(operations.get() >= 1_000_000, "operations: " + operations.get());
            // Free everything from this thread: frees into dead threads' heaps.
            for (Block b : drain(leftovers, mailboxes)) {
                check(memory, b);
                allocator.free(b.offset(), b.size());
            }
            checkQuiescent(allocator, List.of());
            allocator.trim();
            allocator.verify();
        }
    }

    private static List<Block> drain(ConcurrentLinkedQueue<Block> leftovers,
            List<ConcurrentLinkedQueue<Block>> mailboxes) {
        List<Block> all = new ArrayList<>(leftovers);
        leftovers.clear();
        for (ConcurrentLinkedQueue<Block> box : mailboxes) {
            all.addAll(box);
            box.clear();
        }
        return all;
    }

    private static void work(ConcurrentAllocator allocator, LinearMemory memory, int me, long seed,
            List<ConcurrentLinkedQueue<Block>> mailboxes, ConcurrentLinkedQueue<Block> leftovers,
            AtomicLong operations) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Block> mine = new ArrayList<>();
        // Free blocks that threads of earlier rounds left behind: up to 800, more than the about 600 (half of the
        // about 1,200 a thread holds at its end) each thread leaves, so that the live set stays bounded however many
        // rounds run. (With 400, a 100 M-operation run grew it by about 800 blocks a round until the 1 GiB memory was
        // full at round 746, and the allocator said so with OutOfMemoryError, as documented.)
        for (int i = 0; i < 800; i++) {
            Block b = leftovers.poll();
            if (b == null) {
                break;
            }
            check(memory, b);
            allocator.free(b.offset());
            operations.incrementAndGet();
        }
        for (int op = 0; op < OPS; op++) {
            Block incoming = mailboxes.get(me).poll();
            if (incoming != null) {
                check(memory, incoming);
                if (random.nextBoolean()) {
                    allocator.free(incoming.offset(), incoming.size());
                } else {
                    allocator.free(incoming.offset());
                }
                operations.incrementAndGet();
            }
            int action = random.nextInt(100);
            if (mine.isEmpty() || action < 50) {
                long size = random.nextInt(50) == 0 ? 32_768 + random.nextInt(40_000)
                        : random.nextInt(8) == 0 ? random.nextInt(8_192) : random.nextInt(512);
                long alignment = random.nextInt(10) == 0 ? 1L << random.nextInt(13) : 8;
                long offset = random.nextInt(5) == 0 ? allocator.allocateZeroed(size, alignment)
                        : allocator.allocate(size, alignment);
                if (offset % alignment != 0) {
                    throw new AssertionError("misaligned " + offset + " for " + alignment);
                }
                Block b = new Block(offset, size, random.nextLong());
                fill(memory, b);
                mine.add(b);
            } else if (action < 75) {
                Block b = mine.remove(random.nextInt(mine.size()));
                check(memory, b);
                allocator.free(b.offset());
            } else if (action < 85) {
                Block b = mine.remove(random.nextInt(mine.size()));
                check(memory, b);
                long newSize = random.nextInt(1024);
                long moved = allocator.reallocate(b.offset(), newSize, 8);
                Block after = new Block(moved, newSize, b.seed());
                checkPrefix(memory, after, Math.min(b.size(), newSize), b);
                fill(memory, after);
                mine.add(after);
            } else {
                Block b = mine.remove(random.nextInt(mine.size()));
                mailboxes.get(random.nextInt(mailboxes.size())).add(b);
            }
            operations.incrementAndGet();
        }
        // Half of what is left outlives this thread.
        for (int i = 0; i < mine.size(); i++) {
            Block b = mine.get(i);
            if (i % 2 == 0) {
                leftovers.add(b);
            } else {
                check(memory, b);
                allocator.free(b.offset());
            }
        }
    }

    /** A block up to this size is covered whole; a larger one in its first and last {@code COVER / 2} bytes. */
    private static final int COVER = 4096;

    /** One pattern segment per byte value, as long as the covered stretch of a block. */
    private static final MemorySegment[] PATTERNS = new MemorySegment[256];

    static {
        for (int v = 0; v < 256; v++) {
            PATTERNS[v] = MemorySegment.ofArray(new byte[COVER]).fill((byte) v);
        }
    }

    private static void fill(LinearMemory memory, Block b) {
        MemorySegment s = memory.segment();
        byte v = (byte) b.seed();
        if (b.size() <= COVER) {
            s.asSlice(b.offset(), b.size()).fill(v);
        } else {
            s.asSlice(b.offset(), COVER / 2).fill(v);
            s.asSlice(b.offset() + b.size() - COVER / 2, COVER / 2).fill(v);
        }
    }

    private static void check(LinearMemory memory, Block b) {
        checkPrefix(memory, b, b.size(), b);
    }

    /** Checks that the covered bytes among the first {@code length} of {@code at} hold the pattern of {@code of}. */
    private static void checkPrefix(LinearMemory memory, Block at, long length, Block of) {
        MemorySegment s = memory.segment();
        MemorySegment pattern = PATTERNS[(int) of.seed() & 0xFF];
        long head = Math.min(length, of.size() <= COVER ? COVER : COVER / 2);
        if (head > 0 && s.asSlice(at.offset(), head).mismatch(pattern.asSlice(0, head)) >= 0) {
            throw new AssertionError("block at " + at.offset() + " (" + of.size() + " B) changed in its first bytes");
        }
        if (of.size() > COVER && length == of.size()) {
            long tail = at.offset() + of.size() - COVER / 2;
            if (s.asSlice(tail, COVER / 2).mismatch(pattern.asSlice(0, COVER / 2)) >= 0) {
                throw new AssertionError("block at " + at.offset() + " (" + of.size() + " B) changed in its last bytes");
            }
        }
    }

    private static void checkQuiescent(ConcurrentAllocator allocator, List<Block> live) {
        allocator.verify();
        List<Block> sorted = new ArrayList<>(live);
        sorted.sort(Comparator.comparingLong(Block::offset));
        long bytes = 0;
        for (int i = 0; i < sorted.size(); i++) {
            Block b = sorted.get(i);
            bytes += b.size();
            if (i + 1 < sorted.size()) {
                Block next = sorted.get(i + 1);
                long end = b.offset() + Math.max(1, b.size());
                assertTrue(end <= next.offset(), "blocks overlap: " + b + " and " + next);
            }
        }
        AllocatorStats stats = allocator.stats();
        assertEquals(live.size(), stats.allocationCount(), "live blocks, exact when quiescent\n" + stats);
        assertEquals(bytes, stats.allocatedBytes(), "live bytes, exact when quiescent\n" + stats);
        assertTrue(stats.overheadBytes() >= 0 && stats.claimedBytes() <= stats.memoryByteSize(), stats.toString());
    }
}
