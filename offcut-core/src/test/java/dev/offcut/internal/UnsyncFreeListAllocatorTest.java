package dev.offcut.internal;

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
}
