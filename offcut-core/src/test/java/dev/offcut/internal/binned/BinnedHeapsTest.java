package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;
import dev.offcut.OutOfMemoryAsFailure;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.offcut.internal.binned.BinnedTesting.assertFilled;
import static dev.offcut.internal.binned.BinnedTesting.assertRefusedUnchanged;
import static dev.offcut.internal.binned.BinnedTesting.fill;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Heap management: claim, extend, truncate, reserved and the heap list, at their edges. */
@ExtendWith(OutOfMemoryAsFailure.class) // an allocation that runs out where it should not fails its test only
class BinnedHeapsTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    private final List<LinearMemory> memories = new ArrayList<>();

    private LinearMemory track(LinearMemory memory) {
        memories.add(memory);
        return memory;
    }

    @AfterEach
    void close() {
        memories.forEach(LinearMemory::close);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Heap management

    private BinnedAllocator manual(long byteSize) {
        return BinnedAllocator.builder(track(BinnedTesting.fixed(byteSize))).binning(Binning.COMPACT)
                .source(MemorySource.manual()).build();
    }

    @Test
    void claimRefusesOverlapsAndBadRegionsWithNothingChanged() {
        BinnedAllocator allocator = manual(1 << 20);
        long heap = allocator.claim(10_000, 10_000);
        assertEquals(10_000, heap);
        long metadataEnd = BinIndex.COMPACT.superblockByteSize();
        assertRefusedUnchanged(allocator, () -> allocator.claim(15_000, 10_000));
        assertRefusedUnchanged(allocator, () -> allocator.claim(5_000, 5_016)); // heap ends round down to 16
        assertRefusedUnchanged(allocator, () -> allocator.claim(9_992, 30_000));
        assertRefusedUnchanged(allocator, () -> allocator.claim(12_000, 100));
        assertRefusedUnchanged(allocator, () -> allocator.claim(0, 5_000)); // the metadata
        assertRefusedUnchanged(allocator, () -> allocator.claim(metadataEnd - 8, 1000));
        assertRefusedUnchanged(allocator, () -> allocator.claim(1 << 20, 1000)); // outside
        assertRefusedUnchanged(allocator, () -> allocator.claim((1 << 20) - 1000, 2000));
        assertRefusedUnchanged(allocator, () -> allocator.claim(50_000, 55)); // below the minimum
        assertRefusedUnchanged(allocator, () -> allocator.claim(-8, 1000));
        assertRefusedUnchanged(allocator, () -> allocator.claim(Long.MAX_VALUE - 10, 1000));
        // Touching neighbours are fine, and separate heaps.
        assertEquals(20_000, allocator.claim(20_000, 1000));
        assertEquals(metadataEnd, allocator.claim(metadataEnd, 1000));
        assertArrayEquals(new long[] {metadataEnd, 10_000, 20_000}, allocator.heaps());
        allocator.verify();
    }

    @Test
    void truncateNeverCutsBelowALiveBlock() {
        BinnedAllocator allocator = manual(1 << 20);
        long heap = allocator.claim(4096, 100_000);
        assertEquals(0, allocator.reserved(heap));
        long a = allocator.allocate(1000);
        long b = allocator.allocate(50_000);
        fill(allocator, a, 1000);
        fill(allocator, b, 50_000);
        long bEnd = b + 50_000;
        long reserved = allocator.reserved(heap);
        assertTrue(reserved >= bEnd - heap && reserved <= bEnd - heap + 64, "reserved " + reserved);
        assertEquals(reserved, allocator.truncate(heap, 0), "cut to just above the last live block");
        allocator.verify();
        assertEquals(reserved, allocator.reserved(heap));
        // A live block now ends the heap: nothing can be cut.
        assertEquals(reserved, allocator.truncate(heap, 100));
        allocator.verify();
        assertFilled(allocator, a, 1000);
        assertFilled(allocator, b, 50_000);
        // Free the top block: truncate to a size that would leave a free tail smaller than a chunk cuts less.
        allocator.free(b);
        long aEnd = allocator.reserved(heap);
        long size = allocator.truncate(heap, aEnd + 16);
        assertEquals(aEnd + 32, size, "a 16-byte tail cannot be a chunk: keep 32");
        allocator.verify();
        assertEquals(aEnd, allocator.truncate(heap, aEnd));
        allocator.verify();
        allocator.free(a);
        assertEquals(0, allocator.reserved(heap));
        assertEquals(64, allocator.truncate(heap, 64), "an empty heap may shrink to the minimum (16-aligned: 64 bytes)");
        allocator.verify();
        assertEquals(0, allocator.truncate(heap, 0), "an empty heap truncated below the minimum is removed");
        assertEquals(0, allocator.stats().heapCount());
        assertEquals(0, allocator.heaps().length);
        allocator.verify();
        assertRefusedUnchanged(allocator, () -> allocator.truncate(heap, 0));
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void heapsStartAtEitherResidueAndEveryBlockIsSixteenAligned(Binning binning) {
        BinnedAllocator allocator = BinnedAllocator.builder(track(BinnedTesting.fixed(1 << 20))).binning(binning)
                .source(MemorySource.manual()).build();
        // At 0 mod 16 the first chunk needs a pad word: header 16 + pad 8 + chunk 32 + sentinel 8 = 64 bytes.
        assertRefusedUnchanged(allocator, () -> allocator.claim(65_536, 56));
        long padded = allocator.claim(65_536, 64);
        assertEquals(65_560, BinnedLayout.firstChunk(padded));
        // At 8 mod 16 it needs none: 56 bytes hold one smallest chunk.
        long unpadded = allocator.claim(131_072 + 8, 56);
        assertEquals(131_096, BinnedLayout.firstChunk(unpadded));
        long a = allocator.allocate(24, 16);
        long b = allocator.allocate(24, 16);
        assertEquals(Set.of(65_568L, 131_104L), Set.of(a, b), "each heap holds exactly one 32-byte chunk");
        allocator.verify();
        allocator.free(a);
        allocator.free(b);
        long big = allocator.claim(200_000 + 8, 100_000);
        SplittableRandom random = new SplittableRandom(3);
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                allocator.free(live.remove(random.nextInt(live.size())));
                continue;
            }
            long offset = allocator.tryAllocate(random.nextLong(0, 300), 1L << random.nextInt(5));
            if (offset != Allocator.NULL) {
                assertEquals(0, offset % 16, "every block is 16-aligned, whatever alignment up to 16 was asked");
                live.add(offset);
            }
        }
        allocator.verify();
        assertTrue(live.size() > 100);
        assertTrue(allocator.reserved(big) > 0);
    }

    @Test
    void extendMergesWithAFreeTopAndRefusesOverlaps() {
        BinnedAllocator allocator = manual(1 << 20);
        long heap = allocator.claim(4096, 4096);
        long next = allocator.claim(20_000, 4096);
        assertEquals(2, allocator.stats().fragmentCount());
        assertEquals(8192, allocator.extend(heap, 8192));
        assertEquals(2, allocator.stats().fragmentCount(), "the new bytes merge with the free top");
        allocator.verify();
        assertRefusedUnchanged(allocator, () -> allocator.extend(heap, 20_000 - 4096 + 16)); // into the next heap
        assertRefusedUnchanged(allocator, () -> allocator.extend(next, 1 << 20)); // past the memory
        assertRefusedUnchanged(allocator, () -> allocator.extend(heap, 100)); // smaller
        assertRefusedUnchanged(allocator, () -> allocator.extend(heap + 8, 9000)); // not a heap
        assertEquals(20_000 - 4096, allocator.extend(heap, 20_000 - 4096), "up to the next heap exactly");
        allocator.verify();
        // A live block at the top: a growth below one chunk cannot stand alone and is skipped.
        BinnedAllocator other = manual(1 << 16);
        long only = other.claim(4096, 4096);
        // Fills the heap exactly: heap header 16, pad 8 (a 16-aligned heap), sentinel 8, block header 8.
        long last = other.allocate(4096 - 32 - 8);
        assertEquals(4096, other.reserved(only));
        assertEquals(4096, other.extend(only, 4096 + 16), "16 bytes cannot make a chunk");
        assertEquals(4096 + 32, other.extend(only, 4096 + 32));
        other.verify();
        assertEquals(2, other.stats().allocationCount() + other.stats().fragmentCount());
        assertEquals(4096, other.resize(only, 0), "resize down cuts the free top only");
        other.free(last);
        assertEquals(0, other.resize(only, 0), "and removes an empty heap");
        assertEquals(0, other.stats().heapCount());
        other.verify();
    }

    @Test
    void heapManagementRefusesUnknownHeaps() {
        BinnedAllocator allocator = manual(1 << 16);
        long heap = allocator.claim(4096, 8192);
        for (long notAHeap : new long[] {0, heap + 8, heap - 8, 1 << 20}) {
            assertRefusedUnchanged(allocator, () -> allocator.reserved(notAHeap));
            assertRefusedUnchanged(allocator, () -> allocator.truncate(notAHeap, 0));
            assertRefusedUnchanged(allocator, () -> allocator.extend(notAHeap, 100_000));
            assertRefusedUnchanged(allocator, () -> allocator.resize(notAHeap, 0));
            assertRefusedUnchanged(allocator, () -> allocator.heapByteSize(notAHeap));
        }
        assertRefusedUnchanged(allocator, () -> allocator.truncate(heap, 8193));
        assertRefusedUnchanged(allocator, () -> allocator.truncate(heap, -1));
    }

    @Test
    void blocksSpreadOverDiscontiguousHeaps() {
        BinnedAllocator allocator = manual(1 << 20);
        allocator.claim(300_000, 10_000);
        allocator.claim(100_000, 10_000);
        allocator.claim(500_000, 10_000);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 27; i++) {
            long offset = allocator.allocate(1000);
            fill(allocator, offset, 1000);
            blocks.add(offset);
        }
        assertEquals(Allocator.NULL, allocator.tryAllocate(5000, 8));
        allocator.verify();
        for (long offset : blocks) {
            assertTrue(offset > 100_000 && offset < 110_000 || offset > 300_000 && offset < 310_000
                    || offset > 500_000 && offset < 510_000);
            assertFilled(allocator, offset, 1000);
            allocator.free(offset);
        }
        assertEquals(3, allocator.stats().fragmentCount());
        allocator.verify();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Edges found by mutation testing: builds, opens, claims and growth at their exact bounds

    @Test
    void claimsAreCountedOnceAndMayTouchTheirNeighboursAndOffsetZero() {
        // The metadata at 64 KiB leaves the bytes from offset 0 free to claim: a claim at 0 starts its heap at 8.
        BinnedAllocator allocator = BinnedAllocator.builder(track(BinnedTesting.fixed(1 << 20)))
                .binning(Binning.COMPACT).source(MemorySource.manual()).metadataOffset(PAGE).build();
        assertEquals(8, allocator.claim(0, 5000));
        long above = allocator.claim(20_000, 10_000);
        assertEquals(16_000, allocator.claim(16_000, 4000), "a region ending exactly where a heap begins");
        assertArrayEquals(new long[] {8, 16_000, above}, allocator.heaps());
        AllocatorStats stats = allocator.stats();
        assertEquals(stats.claimedBytes(), stats.totalClaimedBytes(), "nothing was ever given back");
        assertEquals(BinIndex.COMPACT.superblockByteSize() + (4992 - 8) + 4000 + 10_000, stats.claimedBytes());
        allocator.verify();
    }

    @Test
    void extendReachesTheMemorysEndAndTheMetadataExactlyButNotBeyond() {
        BinnedAllocator allocator = BinnedAllocator.builder(track(BinnedTesting.fixed(1 << 20)))
                .binning(Binning.COMPACT).source(MemorySource.manual()).metadataOffset(PAGE).build();
        long below = allocator.claim(4096, 4096); // a heap below the metadata
        long top = allocator.claim(900_000, 10_000);
        assertEquals((1 << 20) - top, allocator.extend(top, (1 << 20) - top), "up to the memory's last byte");
        assertEquals(PAGE - below, allocator.extend(below, PAGE - below), "up to the metadata's first byte");
        assertRefusedUnchanged(allocator, () -> allocator.extend(below, PAGE - below + 16));
        allocator.verify();
    }

    @Test
    void truncateReturnsTheHeapsSizeWhenNothingCanBeCut() {
        BinnedAllocator allocator = manual(1 << 20);
        long heap = allocator.claim(4096, 100_000);
        allocator.allocate(1000);
        long byteSize = allocator.heapByteSize(heap);
        assertEquals(byteSize, allocator.truncate(heap, byteSize), "asked to keep everything, it keeps everything");
        assertEquals(byteSize, allocator.heapByteSize(heap));
        allocator.verify();
    }

    @Test
    void afterEveryHeapIsRemovedGrowthClaimsANewOne() {
        BinnedAllocator allocator = Allocator.binned(track(LinearMemory.ofNative(16L << 20)));
        allocator.free(allocator.allocate(100));
        for (long heap : allocator.heaps()) {
            assertEquals(0, allocator.truncate(heap, 0));
        }
        assertEquals(0, allocator.stats().heapCount());
        long offset = allocator.allocate(1000);
        fill(allocator, offset, 1000);
        assertEquals(1, allocator.stats().heapCount());
        allocator.verify();
    }
}
