package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;
import dev.offcut.MemorySource;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Growth refused at every step of long random runs: the allocator stays consistent (verify after every step, every
 * block's contents checked) and serves again once memory is available.
 */
class BinnedFaultInjectionTest {

    /** The sources that grow the memory. */
    enum Growing {
        EXTEND, CLAIM
    }

    private static BinnedAllocator build(LinearMemory memory, Binning binning, Growing growing) {
        return BinnedAllocator.builder(memory).binning(binning)
                .source(growing == Growing.EXTEND ? MemorySource.growAndExtend() : MemorySource.growAndClaim())
                .build();
    }

    @ParameterizedTest
    @EnumSource(Growing.class)
    void eachSingleRefusedGrowIsSurvived(Growing growing) {
        for (int refused = 0; refused < 24; refused++) {
            int index = refused;
            LinearMemory memory = LinearMemory.ofFaultInjecting(LinearMemory.ofHeap(64L << 20, 1 << 16),
                    i -> i == index);
            BinnedAllocator allocator = build(memory, Binning.COMPACT, growing);
            LiveBlocks model = new LiveBlocks(allocator, index);
            int failures = 0;
            for (int step = 0; step < 60; step++) {
                long size = 20_000L + step * 3000L;
                AllocatorStats before = allocator.stats();
                long offset = allocator.tryAllocate(size, 8);
                if (offset == Allocator.NULL) {
                    failures++;
                    assertEquals(before, allocator.stats(), "a refused grow changes no counter");
                } else {
                    model.add(offset, size, 8);
                }
                allocator.verify();
            }
            model.checkAll();
            assertTrue(failures <= 1, "only the refused grow fails");
            memory.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Growing.class)
    void randomRunWithHalfTheGrowsRefusedStaysConsistentAndRecovers(Growing growing) {
        for (Binning binning : Binning.values()) {
            AtomicBoolean refusing = new AtomicBoolean(true);
            SplittableRandom coin = new SplittableRandom(11);
            LinearMemory memory = LinearMemory.ofFaultInjecting(LinearMemory.ofHeap(256L << 20, 1 << 16),
                    i -> refusing.get() && coin.nextBoolean());
            BinnedAllocator allocator = build(memory, binning, growing);
            LiveBlocks model = new LiveBlocks(allocator, 5);
            SplittableRandom random = new SplittableRandom(3);
            int refusals = 0;
            for (int step = 0; step < 1500; step++) {
                int action = random.nextInt(7);
                long size = random.nextLong(0, random.nextLong(16, 40_000));
                long alignment = 8L << (Long.numberOfTrailingZeros(random.nextLong(1 << 16) | (1 << 16)) / 2);
                AllocatorStats before = allocator.stats();
                if (action < 3 || model.size() < 20) {
                    long offset = allocator.tryAllocate(size, alignment);
                    if (offset == Allocator.NULL) {
                        refusals++;
                        assertUnchangedButConsolidated(before, allocator.stats());
                    } else {
                        model.add(offset, size, alignment);
                    }
                } else if (action < 6) {
                    LiveBlocks.Block block = model.pick(random.nextInt(model.size()));
                    allocator.free(block.offset(), block.byteSize());
                    model.remove(block.offset());
                } else {
                    LiveBlocks.Block block = model.pick(random.nextInt(model.size()));
                    long newSize = random.nextLong(1, 120_000);
                    long moved = allocator.tryReallocate(block.offset(), newSize, block.byteAlignment());
                    if (moved == Allocator.NULL) {
                        refusals++;
                    } else {
                        model.reallocated(block.offset(), moved, newSize, block.byteAlignment());
                    }
                }
                allocator.verify();
                if (step % 50 == 0) {
                    model.checkAll();
                }
            }
            model.checkAll();
            assertTrue(refusals > 0, "the run must have met refused grows");
            refusing.set(false);
            long big = allocator.tryAllocate(8L << 20, 64);
            assertNotEquals(Allocator.NULL, big, "serves again once memory is available");
            model.add(big, 8L << 20, 64);
            model.checkAll();
            allocator.verify();
            memory.close();
        }
    }

    /**
     * A failed allocation changes no live block and no total; it may have consolidated parked chunks first (documented:
     * they are merged back before memory would grow or an allocation fail), which moves bytes from overhead to
     * available and nothing else.
     */
    private static void assertUnchangedButConsolidated(AllocatorStats before, AllocatorStats after) {
        assertEquals(before.allocationCount(), after.allocationCount());
        assertEquals(before.allocatedBytes(), after.allocatedBytes());
        assertEquals(before.totalAllocationCount(), after.totalAllocationCount());
        assertEquals(before.totalAllocatedBytes(), after.totalAllocatedBytes());
        assertEquals(before.claimedBytes(), after.claimedBytes());
        assertEquals(before.heapCount(), after.heapCount());
        assertEquals(before.availableBytes() + before.overheadBytes(), after.availableBytes() + after.overheadBytes());
        assertTrue(after.availableBytes() >= before.availableBytes(), "consolidation only frees bytes");
    }
}
