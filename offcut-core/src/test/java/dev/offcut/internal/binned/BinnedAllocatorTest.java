package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.OutOfMemoryAsFailure;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static dev.offcut.internal.binned.BinnedTesting.assertFilled;
import static dev.offcut.internal.binned.BinnedTesting.assertRefusedUnchanged;
import static dev.offcut.internal.binned.BinnedTesting.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hot paths: reallocation in place, down or moved, best fits, alignment gaps and quick lists. */
@ExtendWith(OutOfMemoryAsFailure.class) // an allocation that runs out where it should not fails its test only
class BinnedAllocatorTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    private final List<LinearMemory> memories = new ArrayList<>();

    /** A COMPACT allocator over a fresh 16 MiB native memory. */
    private BinnedAllocator compact() {
        return BinnedAllocator.builder(track(LinearMemory.ofNative(16 << 20))).binning(Binning.COMPACT).build();
    }

    private LinearMemory track(LinearMemory memory) {
        memories.add(memory);
        return memory;
    }

    @AfterEach
    void close() {
        memories.forEach(LinearMemory::close);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reallocation and alignment

    @Test
    void reallocateGrowsAndShrinksInPlaceWhenTheNeighbourAllows() {
        BinnedAllocator allocator = Allocator.binned(track(LinearMemory.ofNative(16 << 20)));
        long a = allocator.allocate(100);
        fill(allocator, a, 100);
        assertEquals(a, allocator.reallocate(a, 5000), "the free top follows: grow in place");
        assertFilled(allocator, a, 100);
        assertEquals(a, allocator.reallocate(a, 50), "shrink in place");
        assertFilled(allocator, a, 50);
        long b = allocator.allocate(100); // a's tail merged into the free chunk above; b takes it
        assertEquals(a + 64, b, "the shrunk tail went back to the free lists");
        assertEquals(a, allocator.reallocate(a, 56), "within the chunk");
        long moved = allocator.reallocate(a, 200);
        assertNotEquals(a, moved, "an allocated neighbour forces a move");
        assertFilled(allocator, moved, 50, a);
        allocator.verify();
        AllocatorStats stats = allocator.stats();
        assertEquals(2, stats.allocationCount());
        assertEquals(300, stats.allocatedBytes());
        assertEquals(3, stats.totalAllocationCount(), "a move counts once more");
        allocator.verify();
        long c = allocator.allocate(16, 4096);
        assertEquals(0, c % 4096);
        long c2 = allocator.reallocate(c, 16, 8192);
        assertEquals(0, c2 % 8192, "a new alignment is honoured by moving");
        allocator.verify();
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void shrinkingBelowHalfMovesToASmallerFreeChunkAndFreesTheOldChunkWhole(Binning binning) {
        LinearMemory memory = track(LinearMemory.ofNative(16 << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).binning(binning).build();
        long hole = allocator.allocate(100);
        long guard = allocator.allocate(16);
        long big = allocator.allocate(20_000);
        long guardAbove = allocator.allocate(16); // the big block's chunk has no free neighbour
        fill(allocator, big, 20_000);
        allocator.free(hole);
        long grown = memory.byteSize();

        assertEquals(big, allocator.reallocate(big, 12_000), "more than half: shrinks in place");
        assertFilled(allocator, big, 12_000);
        long moved = allocator.reallocate(big, 100);
        assertEquals(hole, moved, "under half: moves to the free chunk that fits");
        assertFilled(allocator, moved, 100, big);
        allocator.verify();
        assertRefusedUnchanged(allocator, () -> allocator.free(big)); // the old block is gone
        assertEquals(big, allocator.allocate(11_000), "the old chunk went back whole (12 KB, tail merged)");
        assertEquals(grown, memory.byteSize(), "a shrink never grows the memory");

        AllocatorStats stats = allocator.stats();
        assertEquals(4, stats.allocationCount());
        assertEquals(16 + 16 + 100 + 11_000, stats.allocatedBytes());
        assertEquals(6, stats.totalAllocationCount(), "the move counts once more");
        for (long offset : new long[] {guard, guardAbove, moved, big}) {
            allocator.free(offset);
        }
        allocator.verify();
        assertEquals(0, allocator.stats().allocatedBytes());
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void shrinkingBelowHalfStaysInPlaceWhenNoSmallerChunkIsFree(Binning binning) {
        LinearMemory memory = track(BinnedTesting.fixed(1 << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).binning(binning).build();
        long small = allocator.allocate(50_000);
        long big = allocator.allocate(200_000);
        for (long size = 4096; size >= 8; size /= 2) { // use up the rest of the heap
            while (allocator.tryAllocate(size, 8) != Allocator.NULL) {
                assertTrue(allocator.stats().allocationCount() < 1_000_000);
            }
        }
        allocator.free(small);
        fill(allocator, big, 200_000);
        // 60 000 bytes need a chunk of at least 60 016: small's 50 016 is too small, and nothing else is free, so
        // the block stays where it is (a shrink cannot fail for want of a place).
        assertEquals(big, allocator.reallocate(big, 60_000));
        assertFilled(allocator, big, 60_000);
        allocator.verify();
        assertEquals(big + 60_016, allocator.allocate(100_000), "the tail it gave up is free");
    }

    @Test
    void aLargeRequestTakesTheTightestFittingChunkOfTheBinBelowItsCeiling() {
        BinnedAllocator allocator = Allocator.binned(track(LinearMemory.ofNative(16 << 20)));
        // Three free chunks in DEFAULT's [16 KiB, 18 KiB) bin, freed so that the tightest is not at the list's head.
        long[] sizes = {17_880, 16_480, 17_480}; // chunks of 17 888, 16 496 and 17 488 bytes
        long[] blocks = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            blocks[i] = allocator.allocate(sizes[i]);
            allocator.allocate(16); // keeps the free chunks apart
        }
        for (long block : blocks) {
            allocator.free(block); // LIFO: the list reads 17 488, 16 496, 17 888
        }
        // 16 400 bytes need 16 416: every chunk of the bin fits, and its ceiling bin holds only the heap's free top.
        assertEquals(blocks[1], allocator.allocate(16_400), "the tightest fit, not the list's head (17 488)");
        // Too big for the tightest one left (17 488 needs to hold 17 504): the next one that fits.
        assertEquals(blocks[0], allocator.allocate(17_490));
        allocator.verify();
    }

    @Test
    void aLargeRequestTakesTheTightestChunkOfItsCeilingBinWhenTheBinBelowHasNoFit() {
        // A fixed memory: its free top is far above the bins looked at.
        BinnedAllocator allocator = Allocator.binned(track(BinnedTesting.fixed(1 << 20)));
        BinIndex bins = BinIndex.of(Binning.DEFAULT);
        long need = 20_016; // a 20 000-byte request
        assertTrue(need >= bins.betterFitMinChunkSize, "large enough for the better-fit look");
        int ceiling = bins.ceilBinOf(need);
        // Two chunks of the ceiling bin, the larger freed last (the list's head), and nothing in the bin below.
        long larger = 0;
        long smaller = 0;
        for (long size = need + 16; bins.binOf(size) <= ceiling; size += 16) {
            if (bins.binOf(size) == ceiling) {
                smaller = smaller == 0 ? size : smaller;
                larger = size;
            }
        }
        assertTrue(smaller != 0 && larger > smaller, "the ceiling bin holds two sizes");
        long smallBlock = allocator.allocate(smaller - 8);
        allocator.allocate(16); // keeps the free chunks apart
        long largeBlock = allocator.allocate(larger - 8);
        allocator.allocate(16);
        allocator.free(smallBlock);
        allocator.free(largeBlock); // LIFO: the list reads larger, smaller
        assertEquals(smallBlock, allocator.allocate(need - 16), "the tightest of the ceiling bin, not its head");
        assertEquals(largeBlock, allocator.allocate(need - 16));
        allocator.verify();
    }

    @Test
    void aShrinkDoesNotMoveIntoTheFreeChunkJustAboveIt() {
        BinnedAllocator allocator = Allocator.binned(track(BinnedTesting.fixed(1 << 20)));
        long block = allocator.allocate(8184); // an 8192-byte chunk
        long above = allocator.allocate(2040); // a 2048-byte chunk: binned when freed (above the quick lists)
        long pin = allocator.allocate(16);
        allocator.free(above);
        fill(allocator, block, 1000);
        long fragments = allocator.stats().fragmentCount(); // the chunk above and the heap's free top
        // 1000 bytes is under half the chunk, and the only smaller free chunk is the one just above: moving there
        // would split it, while shrinking in place merges the tail into it, one free chunk instead of two.
        assertEquals(block, allocator.reallocate(block, 1000));
        assertFilled(allocator, block, 1000);
        allocator.verify();
        assertEquals(fragments, allocator.stats().fragmentCount(), "the tail merged with the chunk above");
        assertTrue(pin > block);
    }

    @Test
    void aShrinkThatWouldCopyMoreThan256KibStaysInPlace() {
        BinnedAllocator allocator = Allocator.binned(track(LinearMemory.ofNative(64L << 20)));
        long largeHole = allocator.allocate(600_000);
        allocator.allocate(16);
        long smallHole = allocator.allocate(150_000);
        allocator.allocate(16);
        long big = allocator.allocate(4_000_000);
        allocator.allocate(16);
        allocator.free(largeHole); // would hold 300 000 bytes, and is smaller than big's chunk
        allocator.free(smallHole); // would hold 100 000 bytes, and is smaller than a 300 000-byte chunk
        fill(allocator, big, 300_000);
        assertEquals(big, allocator.reallocate(big, 300_000), "over 256 KiB: in place, however much it shrinks");
        assertFilled(allocator, big, 300_000);
        long moved = allocator.reallocate(big, 100_000);
        assertEquals(smallHole, moved, "at most 256 KiB and under half: moves to the smaller free chunk");
        assertFilled(allocator, moved, 100_000, big);
        allocator.verify();
    }

    @Test
    void anAlignedBlockShrinkingBelowHalfKeepsItsAlignmentWhenItMoves() {
        BinnedAllocator allocator = compact();
        long[] holes = new long[8];
        for (int i = 0; i < holes.length; i++) {
            holes[i] = allocator.allocate(3000);
            allocator.allocate(16);
        }
        long big = allocator.allocate(40_000, 1024);
        allocator.allocate(16);
        fill(allocator, big, 40_000);
        for (long hole : holes) {
            allocator.free(hole);
        }
        long moved = allocator.reallocate(big, 100, 1024);
        assertEquals(0, moved % 1024);
        assertTrue(moved < big, "moved into one of the holes below");
        assertFilled(allocator, moved, 100, big);
        allocator.verify();
    }

    @Test
    void reallocateGrowsDownIntoAFreeChunkBelow() {
        BinnedAllocator allocator = compact();
        long below = allocator.allocate(1000);
        long block = allocator.allocate(500);
        long above = allocator.allocate(100); // allocated: the block cannot grow up
        fill(allocator, block, 500);
        allocator.free(below);
        long grown = allocator.reallocate(block, 1200);
        assertEquals(below, grown, "the block moved down into the free chunk below");
        assertFilled(allocator, grown, 500, block);
        allocator.verify();
        assertRefusedUnchanged(allocator, () -> allocator.free(block)); // the old header was scrubbed
        long grownMore = allocator.reallocate(grown, 1480); // within the merged chunk
        assertEquals(grown, grownMore);
        allocator.free(above);
        allocator.free(grownMore, 1480);
        allocator.verify();
        assertEquals(0, allocator.stats().allocationCount());
    }

    @Test
    void highlyAlignedBlocksGiveTheirGapsBackToTheFreeLists() {
        LinearMemory memory = track(LinearMemory.ofNative(256L << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        long[] blocks = new long[16384];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.allocate(1, 4096);
            assertEquals(0, blocks[i] % 4096);
        }
        long grown = memory.byteSize();
        assertTrue(grown <= 16384L * 4096 + 4 * PAGE, "memory " + grown);
        allocator.verify();
        assertTrue(allocator.stats().fragmentCount() >= 16000, "each gap below is a free chunk");
        // The gaps serve ordinary blocks without growing the memory.
        for (int i = 0; i < 16000; i++) {
            allocator.allocate(2000);
        }
        assertEquals(grown, memory.byteSize());
        allocator.verify();
        for (long offset : blocks) {
            allocator.free(offset);
        }
        allocator.verify();
    }

    @Test
    void alignmentsBeyondSixtyFourKibibytesWorkToo() {
        LinearMemory memory = track(LinearMemory.ofNative(256L << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        List<Long> blocks = new ArrayList<>();
        for (int shift = 17; shift <= 24; shift++) {
            long alignment = 1L << shift;
            long offset = allocator.allocate(1000, alignment);
            assertEquals(0, offset % alignment, "alignment " + alignment);
            fill(allocator, offset, 1000);
            blocks.add(offset);
            allocator.verify();
        }
        assertTrue(memory.byteSize() <= 64L << 20, "the gaps below are reused, memory " + memory.byteSize());
        for (long offset : blocks) {
            assertFilled(allocator, offset, 1000);
            allocator.free(offset, 1000);
        }
        allocator.verify();
    }

    @Test
    void hugeFreeChunksKeepWholeWordTags() {
        // talc #49: a one-byte tag corrupted free chunks of 16 MiB and more. Sizes here span bits 24..30.
        LinearMemory memory = track(LinearMemory.ofNative(1L << 31));
        BinnedAllocator allocator = Allocator.binned(memory);
        for (long size : new long[] {(16L << 20) + 8, 255L << 20, (1L << 30) + 4096}) {
            long a = allocator.allocate(size);
            long b = allocator.allocate(100);
            allocator.free(a);
            allocator.verify();
            long c = allocator.allocate(size - 1000);
            assertEquals(a, c);
            allocator.free(c);
            allocator.free(b);
            allocator.verify();
        }
    }

    @Test
    void parkedSmallChunksAreReusedFirstAndConsolidatedBeforeMemoryRunsOut() {
        LinearMemory memory = track(BinnedTesting.fixed(1 << 20));
        BinnedAllocator allocator = Allocator.binned(memory); // DEFAULT parks chunks of up to 1040 bytes
        long first = allocator.allocate(100);
        allocator.free(first);
        assertEquals(first, allocator.allocate(100), "a parked chunk of the same size is handed out again");
        List<Long> small = new ArrayList<>();
        for (long offset; (offset = allocator.tryAllocate(200, 8)) != Allocator.NULL; ) {
            small.add(offset);
        }
        allocator.verify();
        for (long offset : small) {
            allocator.free(offset, 200);
        }
        allocator.verify();
        AllocatorStats parked = allocator.stats();
        long quickLimit = BinnedLayout.QUICK_LIMIT;
        long overhead = parked.overheadBytes() - BinIndex.DEFAULT.superblockByteSize()
                - BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE - 12; // first: 112 - 100
        assertTrue(overhead >= quickLimit * 208 && overhead <= quickLimit * 208 + 8 * parked.fragmentCount(),
                "exactly one full quick list of 208-byte chunks is parked (overhead until consolidated): " + overhead);
        long bigSize = parked.availableBytes() + 2000; // fits only once the parked chunks are merged
        long big = allocator.allocate(bigSize);
        fill(allocator, big, bigSize);
        allocator.verify();
        assertTrue(allocator.stats().fragmentCount() <= 2);
        assertEquals(small.get(0), big, "the big block starts where the parked chunks did");
        assertRefusedUnchanged(allocator, () -> allocator.free(small.get(1))); // merged away: no tag left
    }
}
