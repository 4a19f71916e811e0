package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract for {@link Allocator#pages(LinearMemory)}, plus its own promises. */
class UnsyncPageAllocatorTest extends AllocatorContractTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.pages(memory);
    }

    /** Every block costs at least a page: the default tests need more than 16 MiB. */
    @Override
    protected LinearMemory newMemory() {
        return newMemory(64L << 20);
    }

    @Override
    protected boolean reusesFreedMemory() {
        return false;
    }

    @Override
    protected BadFreeResponse badFree(BadFree kind) {
        // free checks that the offset could be a page block and otherwise does nothing.
        return kind == BadFree.FOREIGN ? BadFreeResponse.REFUSED : BadFreeResponse.TOLERATED;
    }

    @Test
    void aRefusedFirstAllocationChangesNothing() {
        // Page 0 is burnt in the same grow call as the first block: a refused grow must not leave it burnt.
        LinearMemory memory = track(LinearMemory.ofNative(4 * PAGE));
        Allocator allocator = newAllocator(memory);
        assertEquals(Allocator.NULL, allocator.tryAllocate(4 * PAGE, 8), "page 0 and four more do not fit");
        assertEquals(0, memory.pageCount(), "the memory did not grow");
        assertEquals(0, allocator.stats().claimedBytes());
        allocator.verify();
        assertEquals(PAGE, allocator.allocate(3 * PAGE, 8), "page 0 and three more fit");
        assertEquals(4, memory.pageCount());
        allocator.verify();
    }

    @Test
    void blocksArePageAlignedWholePagesOfZeros() {
        LinearMemory memory = track(LinearMemory.ofNative(64L << 20));
        Allocator allocator = newAllocator(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        for (long byteSize : new long[] {0, 1, 100, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE}) {
            long pagesBefore = memory.pageCount();
            long offset = allocator.allocate(byteSize, 1);
            assertEquals(0, offset % PAGE, "page aligned");
            long pages = memory.pageCount() - pagesBefore;
            assertTrue(pages >= Math.max(1, (byteSize + PAGE - 1) / PAGE), "whole pages of its own");
            // The plain form gives zeroed pages too: they are fresh.
            model.assertZero(offset, Math.max(byteSize, 1));
            model.add(offset, byteSize, 1);
            model.checkAll();
        }
    }

    @Test
    void pagesTheMemoryAlreadyHasAreHandedOutFirstAndZeroedWhenAsked() {
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20, 3 * PAGE));
        memory.segment().fill((byte) 0x77);
        Allocator allocator = newAllocator(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        long first = allocator.allocateZeroed(100, 8);
        assertEquals(PAGE, first, "page 0 is never a block; page 1 is the first existing page");
        model.addZeroed(first, 100, 8);
        long second = allocator.allocate(10, 8);
        assertEquals(2 * PAGE, second, "existing pages in address order");
        model.add(second, 10, 8);
        assertEquals(3, memory.pageCount(), "no grow while existing pages last");
        long third = allocator.allocateZeroed(PAGE + 1, 8);
        assertTrue(third >= 3 * PAGE, "then grown pages: " + third);
        model.addZeroed(third, PAGE + 1, 8);
        model.checkAll();
        model.checkStats(false);

        Allocator onEmpty = newAllocator(track(LinearMemory.ofNative(16L << 20)));
        long block = onEmpty.allocate(0, 1);
        assertNotEquals(0, block);
        assertEquals(0, block % PAGE);
        onEmpty.verify();
    }

    @Test
    void freeRefusesOffsetsThatCannotBeBlocks() {
        Allocator allocator = newAllocator(track(LinearMemory.ofNative(16L << 20)));
        LiveBlocks model = new LiveBlocks(allocator);
        long offset = allocator.allocate(100, 8);
        model.add(offset, 100, 8);
        for (long bad : new long[] {offset + 8, offset + 1, offset + PAGE - 8, 8, -PAGE}) {
            assertThrows(IllegalArgumentException.class, () -> allocator.free(bad));
            model.checkAll();
        }
        allocator.free(offset); // leaks by design, but is accepted
        allocator.free(offset); // and again: the page allocator cannot tell
        model.checkAll();
    }

    @Test
    void aBlockReallocatedDownIntoExistingPagesKeepsItsContents() {
        // Existing pages are handed out first, so a reallocated block can land below the old one.
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20, 4 * PAGE));
        Allocator allocator = Allocator.pages(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        long big = allocator.allocate(4 * PAGE, 8); // does not fit in pages 1..3: grown
        model.add(big, 4 * PAGE, 8);
        long moved = allocator.reallocate(big, 8, 8);
        assertTrue(moved < big, "the block moved down into an existing page: " + moved + " < " + big);
        model.reallocated(big, moved, 8, 8);
        model.checkAll();
    }

    @Test
    void freeRefusesTheOffsetAtTheMemorysEnd() {
        // The first offset past the memory is page-aligned and above every block, yet no block can start there.
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        Allocator allocator = newAllocator(memory);
        allocator.allocate(100, 8);
        assertThrows(IllegalArgumentException.class,
                () -> allocator.free(memory.byteSize()));
        allocator.verify();
    }

    @Test
    void anAllocatorThatHasClaimedNoPageReportsNoHeap() {
        // heapCount follows claimedBytes: no page claimed yet, so no heap; the first block claims the one heap.
        Allocator allocator = newAllocator(track(LinearMemory.ofNative(16L << 20)));
        assertEquals(0, allocator.stats().claimedBytes());
        assertEquals(0, allocator.stats().heapCount());
        assertEquals(0, allocator.stats().totalHeapCount());
        allocator.allocate(1, 8);
        assertEquals(1, allocator.stats().heapCount());
    }
}
