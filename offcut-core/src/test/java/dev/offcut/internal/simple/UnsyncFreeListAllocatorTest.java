package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract for {@link Allocator#freeList(LinearMemory)}, plus coalescing and first fit. */
class UnsyncFreeListAllocatorTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.freeList(memory);
    }

    private Allocator freeList() {
        return Allocator.freeList(track(LinearMemory.ofNative(16L << 20)));
    }

    /** All orders of three things. */
    private static final int[][] ORDERS = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    @Test
    void threeAdjacentBlocksFreedInAnyOrderBecomeOneFragment() {
        for (int[] order : ORDERS) {
            Allocator allocator = freeList();
            LiveBlocks model = new LiveBlocks(allocator);
            model.add(allocator.allocate(40, 8), 40, 8); // guard below
            long[] blocks = new long[3];
            for (int i = 0; i < 3; i++) {
                blocks[i] = allocator.allocate(100 + 50 * i, 8);
                model.add(blocks[i], 100 + 50 * i, 8);
            }
            model.add(allocator.allocate(40, 8), 40, 8); // guard above, so the tail stays apart
            long fragmentsBefore = allocator.stats().fragmentCount();
            long availableBefore = allocator.stats().availableBytes();
            for (int i : order) {
                allocator.free(blocks[i]);
                model.remove(blocks[i]);
                model.checkAll();
            }
            AllocatorStats stats = allocator.stats();
            assertEquals(fragmentsBefore + 1, stats.fragmentCount(),
                    "order " + java.util.Arrays.toString(order) + ": the three merge into one fragment\n" + stats);
            // The merged chunk spans the three chunks: its payload is the rest after one header.
            long merged = blocks[2] + 200 - blocks[0];
            long expectedAvailable = availableBefore + Math.floorDiv(merged + 15, 16) * 16;
            assertTrue(stats.availableBytes() >= availableBefore + 450, "freed bytes are available");
            assertTrue(stats.availableBytes() <= expectedAvailable, "at most the three chunks become available");
            // And the merged space is one block again: the largest request that fits lands on the first offset.
            long payload = stats.availableBytes() - availableBefore;
            long offset = allocator.allocate(payload, 8);
            assertEquals(blocks[0], offset, "order " + java.util.Arrays.toString(order)
                    + ": the merged fragment holds a block of all its payload");
            model.add(offset, payload, 8);
            model.checkAll();
            model.checkStats(true);
        }
    }

    @Test
    void freeingEverythingLeavesOneFragment() {
        Allocator allocator = freeList();
        LiveBlocks model = new LiveBlocks(allocator);
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long byteSize = (i * 37) % 500;
            long offset = allocator.allocate(byteSize, 1L << (i % 7));
            model.add(offset, byteSize, 1L << (i % 7));
            offsets.add(offset);
        }
        java.util.Collections.shuffle(offsets, new java.util.Random(7));
        for (long offset : offsets) {
            allocator.free(offset);
            model.remove(offset);
            model.checkAll();
        }
        AllocatorStats stats = allocator.stats();
        assertEquals(1, stats.fragmentCount(), "everything merges back\n" + stats);
        assertEquals(stats.claimedBytes() - stats.overheadBytes(), stats.availableBytes());
    }

    @Test
    void allocationIsFirstFitInAddressOrder() {
        Allocator allocator = freeList();
        LiveBlocks model = new LiveBlocks(allocator);
        long[] blocks = new long[7];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.allocate(64, 8);
            model.add(blocks[i], 64, 8);
        }
        for (int i : new int[] {5, 1, 3}) { // holes at 1, 3 and 5; 0, 2, 4, 6 stay as separators
            allocator.free(blocks[i]);
            model.remove(blocks[i]);
        }
        model.checkAll();
        // Each request takes the lowest hole it fits in.
        long a = allocator.allocate(16, 8);
        assertEquals(blocks[1], a, "the first hole");
        model.add(a, 16, 8);
        long b = allocator.allocate(64, 8);
        assertEquals(blocks[3], b, "the first hole that still holds 64 bytes");
        model.add(b, 64, 8);
        long c = allocator.allocate(8, 8);
        assertTrue(c > a && c < blocks[2], "the rest of the first hole comes first: " + c);
        model.add(c, 8, 8);
        long d = allocator.allocate(64, 8);
        assertEquals(blocks[5], d, "the last hole");
        model.add(d, 64, 8);
        long e = allocator.allocate(64, 8);
        assertTrue(e > blocks[6], "nothing left below: the tail");
        model.add(e, 64, 8);
        model.checkAll();
    }

    @Test
    void alignmentGapsAreReturnedToTheFreeList() {
        Allocator allocator = freeList();
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(8, 8), 8, 8);
        long aligned = allocator.allocate(100, 4096);
        model.add(aligned, 100, 4096);
        // The gap below the aligned block is a fragment that small blocks use first.
        long small = allocator.allocate(100, 8);
        assertTrue(small < aligned, "the gap below the aligned block is reused: " + small + " vs " + aligned);
        model.add(small, 100, 8);
        model.checkAll();
        model.checkStats(true);
    }

    @Test
    void theMemoryGrowsOnlyWhenNothingFits() {
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        Allocator allocator = Allocator.freeList(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        long offset = allocator.allocate(1000, 8);
        model.add(offset, 1000, 8);
        long pages = memory.pageCount();
        assertEquals(1, pages, "one page holds 1000 bytes");
        allocator.free(offset);
        model.remove(offset);
        for (int i = 0; i < 50; i++) {
            model.add(allocator.allocate(1000, 8), 1000, 8);
        }
        assertEquals(1, memory.pageCount(), "fifty 1000-byte blocks fit in the first page");
        model.add(allocator.allocate(100_000, 8), 100_000, 8);
        assertTrue(memory.pageCount() <= 3, "grows by what is missing, not more: " + memory.pageCount());
        model.checkAll();
    }

    @Test
    void aForgedHeaderInsideABlockIsNotTakenForABlock() {
        // Interior offsets are refused when the word before them does not look like a header. A caller's data can
        // look like one; the allocator must still not hand the inside of a live block back to the free list.
        Allocator allocator = freeList();
        LiveBlocks model = new LiveBlocks(allocator);
        long forged = forgeHeaderInsideABlock(allocator, model);
        AllocatorStats before = allocator.stats();
        assertThrows(IllegalArgumentException.class, () -> allocator.free(forged),
                "the inside of a live block is not a block");
        assertEquals(before, allocator.stats());
        model.checkAll();
        model.add(allocator.allocate(8, 16), 8, 16);
        model.checkAll();
    }

    @Test
    void aForgedHeaderInsideABlockIsNotReallocated() {
        Allocator allocator = freeList();
        LiveBlocks model = new LiveBlocks(allocator);
        long forged = forgeHeaderInsideABlock(allocator, model);
        AllocatorStats before = allocator.stats();
        assertThrows(IllegalArgumentException.class, () -> allocator.tryReallocate(forged, 4, 16),
                "the inside of a live block is not a block to shrink");
        assertEquals(before, allocator.stats());
        model.checkAll();
    }

    @Test
    void bytesSomeoneElseGrewAreFencedOffAndNeverHandedOut() {
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        Allocator allocator = Allocator.freeList(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(1000, 8), 1000, 8);
        // Another owner grows the memory by one page and fills it.
        long foreignStart = memory.grow(1) << LinearMemory.PAGE_SHIFT;
        memory.segment().asSlice(foreignStart, LinearMemory.PAGE_BYTE_SIZE).fill((byte) 0x5A);
        // A request that does not fit in the first page makes the allocator grow after the foreign page.
        long big = allocator.allocate(100_000, 8);
        model.add(big, 100_000, 8);
        assertTrue(big >= foreignStart + LinearMemory.PAGE_BYTE_SIZE, "the block avoids the foreign page: " + big);
        allocator.verify();
        for (int i = 0; i < 200; i++) {
            long offset = allocator.allocate(512, 8);
            model.add(offset, 512, 8);
            assertTrue(offset + 512 <= foreignStart || offset >= foreignStart + LinearMemory.PAGE_BYTE_SIZE,
                    "no block overlaps the foreign page: " + offset);
        }
        assertEquals(-1, memory.segment().asSlice(foreignStart, LinearMemory.PAGE_BYTE_SIZE)
                .mismatch(java.lang.foreign.MemorySegment.ofArray(filled(LinearMemory.PAGE_BYTE_SIZE))),
                "the foreign page is untouched");
        assertThrows(IllegalArgumentException.class, () -> allocator.free(foreignStart + 16),
                "the fence is not a block");
        model.checkAll();
        allocator.verify();
    }

    @Test
    void overHeapMemoryAForeignGrowDoesNotStrandTheAllocatorOnAStaleCopy() {
        LinearMemory memory = track(LinearMemory.ofHeap(16L << 20));
        Allocator allocator = Allocator.freeList(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        long first = allocator.allocate(1000, 8);
        model.add(first, 1000, 8);
        model.add(allocator.allocate(2000, 8), 2000, 8);
        memory.grow(1); // another owner: the heap memory copies itself into a larger array
        allocator.free(first); // must write into the current array, not the old one
        model.remove(first);
        allocator.verify();
        model.add(allocator.allocate(200_000, 8), 200_000, 8); // grows past the foreign page
        model.add(allocator.allocate(500, 8), 500, 8); // reuses the freed chunk
        allocator.verify();
        model.checkAll();
    }

    /**
     * Allocates a 256-byte block followed by another, and writes, inside the first, two words that look exactly like
     * an allocated 8-byte chunk and the chunk after it.
     *
     * @return the forged offset: 16-aligned, inside the live block, with a well-formed header in front of it
     */
    private static long forgeHeaderInsideABlock(Allocator allocator, LiveBlocks model) {
        long victim = allocator.allocate(256, 16);
        model.add(victim, 256, 16);
        model.add(allocator.allocate(64, 16), 64, 16);
        long forged = victim + 16;
        var memory = allocator.memory().segment();
        memory.set(ValueLayout.JAVA_LONG_UNALIGNED, forged - 8, FreeListLayout.allocatedHeader(8));
        memory.set(ValueLayout.JAVA_LONG_UNALIGNED, forged - 8 + FreeListLayout.chunkByteSize(8),
                FreeListLayout.allocatedHeader(8));
        model.adoptContents(victim); // the forged words are now the block's expected contents
        return forged;
    }

    private static byte[] filled(long byteSize) {
        byte[] bytes = new byte[(int) byteSize];
        java.util.Arrays.fill(bytes, (byte) 0x5A);
        return bytes;
    }

    /** The requested size whose chunk fills the heap of a one-page memory exactly: [8, 65528). */
    private static final long ONE_PAGE_HEAP_BLOCK = FreeListLayout.heapEnd(LinearMemory.PAGE_BYTE_SIZE)
            - FreeListLayout.HEAP_START - FreeListLayout.HEADER_BYTE_SIZE;

    @Test
    void aFenceIsRefusedAsABlockEvenWhereARealChunkFollowsIt() {
        // A fence chunk is tagged as neither block nor free chunk. Its header alone must refuse it: here the chunk
        // after the fence begins exactly where a block of the fence's size would end, so the other checks pass.
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        Allocator allocator = Allocator.freeList(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(ONE_PAGE_HEAP_BLOCK, 8), ONE_PAGE_HEAP_BLOCK, 8); // page 0 is full
        long foreignStart = memory.grow(1) << LinearMemory.PAGE_SHIFT; // another owner's page
        model.add(allocator.allocate(8, 8), 8, 8); // a 16-byte chunk just after the fence
        long fenceChunk = FreeListLayout.heapEnd(LinearMemory.PAGE_BYTE_SIZE);
        assertEquals(FreeListLayout.TAG_FENCE, FreeListLayout.tag(memory.segment().get(ValueLayout.JAVA_LONG, fenceChunk)));
        AllocatorStats before = allocator.stats();
        assertThrows(IllegalArgumentException.class, () -> allocator.free(foreignStart), "the fence is no block");
        assertThrows(IllegalArgumentException.class, () -> allocator.tryReallocate(foreignStart, 8, 8));
        assertEquals(before, allocator.stats());
        allocator.verify();
        model.checkAll();
    }

    @Test
    void theBlockThatEndsTheHeapIsFreedAndCannotGrowInPlace() {
        // A fixed memory of one page, filled by one block whose chunk ends exactly at the heap's end.
        Allocator allocator = Allocator.freeList(track(LinearMemory.of(
                java.lang.foreign.MemorySegment.ofArray(new long[(int) (LinearMemory.PAGE_BYTE_SIZE / 8)]))));
        LiveBlocks model = new LiveBlocks(allocator);
        long offset = allocator.allocate(ONE_PAGE_HEAP_BLOCK, 8);
        model.add(offset, ONE_PAGE_HEAP_BLOCK, 8);
        assertEquals(0, allocator.stats().availableBytes(), "the heap is full");
        // Nothing lies above the last chunk: growing it must fail, not take bytes past the heap's end.
        assertEquals(Allocator.NULL, allocator.tryReallocate(offset, ONE_PAGE_HEAP_BLOCK + 16, 8));
        model.checkAll();
        allocator.verify();
        // A resize that keeps the chunk's size, and a shrink, stay in place: they never need room, so a full memory
        // cannot make them fail.
        assertEquals(offset, allocator.tryReallocate(offset, ONE_PAGE_HEAP_BLOCK - 5, 8));
        model.reallocated(offset, offset, ONE_PAGE_HEAP_BLOCK - 5, 8);
        assertEquals(offset, allocator.tryReallocate(offset, 100, 8));
        model.reallocated(offset, offset, 100, 8);
        model.checkAll();
        assertEquals(offset, allocator.tryReallocate(offset, ONE_PAGE_HEAP_BLOCK, 8), "and back: the tail merged");
        model.reallocated(offset, offset, ONE_PAGE_HEAP_BLOCK, 8);
        allocator.free(offset);
        model.remove(offset);
        assertEquals(1, allocator.stats().fragmentCount(), "the whole heap is one free chunk again");
        allocator.verify();
    }

    @Test
    void growthExtendsAFreeTailAndAsksForExactlyThePagesMissing() {
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        Allocator allocator = Allocator.freeList(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        assertEquals(0, allocator.stats().claimedBytes());
        assertEquals(0, allocator.stats().heapCount(), "no byte claimed, so no heap");
        model.add(allocator.allocate(1000, 8), 1000, 8);
        assertEquals(1, memory.pageCount());
        assertEquals(memory.byteSize() - FreeListLayout.HEAP_START, allocator.stats().claimedBytes(),
                "claimed: offset 0 to the heap's end, all but the memory's unusable last word");
        // The free tail of page 0 (64,512 bytes) plus one more page holds 100,000 bytes: one page, not two.
        model.add(allocator.allocate(100_000, 8), 100_000, 8);
        assertEquals(2, memory.pageCount());
        // Fill the rest exactly, then grow from a heap whose last chunk is a block: again just the pages missing,
        // and the block's last word, right below the new pages, is kept.
        long rest = allocator.stats().availableBytes();
        model.add(allocator.allocate(rest, 8), rest, 8);
        assertEquals(0, allocator.stats().availableBytes());
        model.add(allocator.allocate(ONE_PAGE_HEAP_BLOCK, 8), ONE_PAGE_HEAP_BLOCK, 8);
        assertEquals(3, memory.pageCount());
        model.checkAll();
        allocator.verify();
    }

    @Test
    void aRequestNeedingExactlyThePagesLeftIsServed() {
        // Four pages hold a heap [8, 4 * 65536 - 8): one block of that chunk size needs every page the memory has.
        LinearMemory memory = track(LinearMemory.ofNative(4 * LinearMemory.PAGE_BYTE_SIZE));
        Allocator allocator = Allocator.freeList(memory);
        long byteSize = FreeListLayout.heapEnd(4 * LinearMemory.PAGE_BYTE_SIZE) - FreeListLayout.HEAP_START
                - FreeListLayout.HEADER_BYTE_SIZE;
        long offset = allocator.tryAllocate(byteSize, 8);
        assertTrue(offset != Allocator.NULL, "the memory's last pages are usable");
        assertEquals(4, memory.pageCount());
        allocator.verify();
    }

    @Test
    void growingIntoAFreeNeighbourThatFitsExactlyStaysInPlace() {
        Allocator allocator = freeList();
        LiveBlocks model = new LiveBlocks(allocator);
        long a = allocator.allocate(16, 8); // 32-byte chunks
        long b = allocator.allocate(16, 8);
        model.add(a, 16, 8);
        model.add(allocator.allocate(16, 8), 16, 8);
        allocator.free(b); // a free 32-byte chunk between two blocks
        long grown = allocator.reallocate(a, 48, 8); // a 64-byte chunk: its own 32 and the neighbour's 32
        assertEquals(a, grown, "grown in place into the free neighbour");
        model.reallocated(a, grown, 48, 8);
        model.checkAll();
        allocator.verify();
    }

    @Test
    void growingABlockWhoseNeighbourIsLiveMovesIt() {
        // The neighbour's header holds its requested size, here large enough that reading it as a free chunk's size
        // would seem to fit: only its tag says it is taken.
        Allocator allocator = freeList();
        LiveBlocks model = new LiveBlocks(allocator);
        long a = allocator.allocate(16, 8);
        model.add(a, 16, 8);
        model.add(allocator.allocate(1000, 8), 1000, 8);
        long moved = allocator.reallocate(a, 100, 8);
        assertTrue(moved != a, "the block moved");
        model.reallocated(a, moved, 100, 8);
        model.checkAll();
        allocator.verify();
    }

    @Test
    void reallocationAddsOnlyItsGrowthToTheTotal() {
        // totalAllocatedBytes counts every byte ever handed out: a growing reallocation adds the growth, whether in
        // place or moved; a shrink adds nothing.
        Allocator allocator = freeList();
        long a = allocator.allocate(100, 8);
        long b = allocator.allocate(100, 8);
        assertEquals(b, allocator.reallocate(b, 300, 8), "b grows in place into the free tail");
        assertEquals(400, allocator.stats().totalAllocatedBytes());
        long moved = allocator.reallocate(a, 150, 8); // b is in the way: moved
        assertTrue(moved != a);
        assertEquals(450, allocator.stats().totalAllocatedBytes());
        assertEquals(b, allocator.reallocate(b, 40, 8));
        assertEquals(450, allocator.stats().totalAllocatedBytes());
        assertEquals(190, allocator.stats().allocatedBytes());
        allocator.verify();
    }
}
