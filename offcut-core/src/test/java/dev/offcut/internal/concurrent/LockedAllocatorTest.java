package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract for {@code Allocator.locked(Allocator.freeList(memory))}, plus a thread-safety smoke test. */
class LockedAllocatorTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.locked(Allocator.freeList(memory));
    }

    /** What one hammering thread did. */
    private record Tally(long allocations, long allocatedBytes, long liveCount, long liveBytes) {
    }

    /**
     * Allocates, fills, checks and frees blocks; each block holds a value unique to its thread and block so that a
     * block handed to two threads, or corrupted by the other thread's metadata writes, is noticed.
     */
    private static Tally hammer(Allocator allocator, int thread, int steps) {
        SplittableRandom random = new SplittableRandom(thread);
        List<long[]> live = new ArrayList<>(); // {offset, byteSize, stamp}
        long allocations = 0;
        long allocatedBytes = 0;
        for (int step = 0; step < steps; step++) {
            if (live.isEmpty() || random.nextInt(3) != 0) {
                long byteSize = 8 + random.nextInt(600);
                long offset = random.nextBoolean() ? allocator.allocate(byteSize, 8)
                        : allocator.reallocate(Allocator.NULL, byteSize, 16);
                long stamp = ((long) thread << 56) ^ step;
                MemorySegment memory = allocator.memory().segment(); // native: stays valid across grows
                for (long at = 0; at + 8 <= byteSize; at += 8) {
                    memory.set(ValueLayout.JAVA_LONG, offset + at, stamp + at);
                }
                live.add(new long[] {offset, byteSize, stamp});
                allocations++;
                allocatedBytes += byteSize;
            } else {
                long[] block = live.remove(random.nextInt(live.size()));
                MemorySegment memory = allocator.memory().segment();
                for (long at = 0; at + 8 <= block[1]; at += 8) {
                    long found = memory.get(ValueLayout.JAVA_LONG, block[0] + at);
                    if (found != block[2] + at) {
                        throw new AssertionError("thread " + thread + ": block " + block[0] + " word " + at
                                + " was overwritten: " + Long.toHexString(found));
                    }
                }
                if (random.nextBoolean()) {
                    allocator.free(block[0]);
                } else {
                    allocator.free(block[0], block[1]);
                }
            }
        }
        long liveBytes = 0;
        for (long[] block : live) {
            liveBytes += block[1];
        }
        return new Tally(allocations, allocatedBytes, live.size(), liveBytes);
    }

    @Test
    void twoThreadsHammeringALockedFreeListKeepItConsistent() throws Exception {
        Allocator allocator = newAllocator(track(LinearMemory.ofNative(64L << 20)));
        int steps = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Tally[] tallies = new Tally[2];
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            int thread = t;
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                    tallies[thread] = hammer(allocator, thread + 1, steps);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "hammer-" + t);
            threads[t].start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.MINUTES.toMillis(2));
            assertTrue(!thread.isAlive(), "a hammering thread is stuck");
        }
        if (failure.get() != null) {
            throw new AssertionError("a hammering thread failed", failure.get());
        }
        allocator.verify();
        AllocatorStats stats = allocator.stats();
        assertEquals(tallies[0].liveCount() + tallies[1].liveCount(), stats.allocationCount(), stats::toString);
        assertEquals(tallies[0].liveBytes() + tallies[1].liveBytes(), stats.allocatedBytes(), stats::toString);
        assertEquals(tallies[0].allocations() + tallies[1].allocations(), stats.totalAllocationCount(),
                stats::toString);
        assertEquals(tallies[0].allocatedBytes() + tallies[1].allocatedBytes(), stats.totalAllocatedBytes(),
                stats::toString);
    }

    @Test
    void aRefusedCallReleasesTheLock() throws Exception {
        Allocator allocator = open();
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> allocator.free(12345));
        AtomicReference<Long> other = new AtomicReference<>();
        Thread thread = new Thread(() -> other.set(allocator.allocate(64, 8)));
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!thread.isAlive() && other.get() != null && other.get() != Allocator.NULL,
                "another thread can allocate after a refused call");
        allocator.verify();
    }
}
