package dev.offcut;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The offset API's promise: allocate, free and reallocate create no Java objects. Measured with the JVM's per-thread
 * allocation counter (bytes allocated by this thread), after a warm-up that lets the JIT compile the hot paths;
 * a counter, not a timing, so the test is deterministic on a noisy machine.
 */
class NoGarbageTest {

    enum Kind {
        BINNED, BINNED_COMPACT, FREE_LIST, BUMP, LOCKED_BINNED, CONFINED_BINNED, CONCURRENT
    }

    private static Allocator create(Kind kind, LinearMemory memory) {
        return switch (kind) {
            case BINNED -> Allocator.binned(memory);
            case BINNED_COMPACT -> BinnedAllocator.builder(memory).binning(Binning.COMPACT).build();
            case FREE_LIST -> Allocator.freeList(memory);
            case BUMP -> Allocator.bump(memory);
            case LOCKED_BINNED -> Allocator.locked(Allocator.binned(memory));
            case CONFINED_BINNED -> Allocator.confined(Allocator.binned(memory));
            case CONCURRENT -> Allocator.concurrent(memory);
        };
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theOffsetApiAllocatesNoJavaObjects(Kind kind) {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads instanceof com.sun.management.ThreadMXBean bean && bean.isThreadAllocatedMemorySupported(),
                "this JVM cannot count a thread's allocated bytes");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) threads;
        // Pages exist up front, so the measured calls never grow the memory (a grow publishes a new view segment:
        // one object per grow, not per call, but it would blur the count).
        try (LinearMemory memory = LinearMemory.ofNative(256L << 20, 64L << 20)) {
            Allocator allocator = create(kind, memory);
            long[] live = new long[256];
            long[] sizes = new long[256];
            SplittableRandom random = new SplittableRandom(7);
            churn(allocator, random, live, sizes, 300_000); // warm-up: the JIT compiles the hot paths
            long threadId = Thread.currentThread().threadId();
            // Reading the counter allocates a little itself: measure that with nothing in between, and subtract it.
            long readCost = Long.MAX_VALUE;
            for (int i = 0; i < 10; i++) {
                long first = bean.getThreadAllocatedBytes(threadId);
                readCost = Math.min(readCost, bean.getThreadAllocatedBytes(threadId) - first);
            }
            long pages = memory.pageCount();
            long before = bean.getThreadAllocatedBytes(threadId);
            churn(allocator, random, live, sizes, 100_000);
            long after = bean.getThreadAllocatedBytes(threadId);
            assertEquals(pages, memory.pageCount(), "the measured calls did not grow the memory");
            long allocated = after - before - readCost;
            // One object per call would be at least 16 B x 100,000 = 1.6 MB. The bound allows the few objects the
            // JVM itself may allocate once while the JIT swaps in compiled code (seen: 0 to ~200 bytes), no more.
            assertTrue(allocated < 1024,
                    kind + " allocated " + allocated + " bytes of Java objects over 100,000 calls");
        }
    }

    /** Random allocate, reallocate and free over a fixed live set; primitives only. */
    private static void churn(Allocator allocator, SplittableRandom random, long[] live, long[] sizes, int calls) {
        boolean frees = !(allocator instanceof BumpAllocator);
        for (int i = 0; i < calls; i++) {
            int slot = random.nextInt(live.length);
            long byteSize = 8 + random.nextInt(2000);
            if (live[slot] == Allocator.NULL) {
                live[slot] = allocator.tryAllocate(byteSize, 8L << random.nextInt(3));
                sizes[slot] = byteSize;
            } else if (frees && random.nextInt(4) == 0) {
                long moved = allocator.tryReallocate(live[slot], byteSize, 8);
                if (moved != Allocator.NULL) {
                    live[slot] = moved;
                    sizes[slot] = byteSize;
                }
            } else {
                if (frees) {
                    allocator.free(live[slot], sizes[slot]);
                } else if (allocator instanceof BumpAllocator bump && i % 1000 == 0) {
                    bump.reset();
                    java.util.Arrays.fill(live, Allocator.NULL);
                    continue;
                }
                live[slot] = Allocator.NULL;
            }
        }
    }
}
