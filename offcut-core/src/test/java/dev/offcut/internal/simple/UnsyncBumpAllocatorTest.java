package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.BumpAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract for {@link Allocator#bump(LinearMemory)}, plus marks and resets. */
class UnsyncBumpAllocatorTest extends AllocatorContractTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.bump(memory);
    }

    @Override
    protected boolean reusesFreedMemory() {
        return false;
    }

    @Override
    protected boolean answersSomeCallsWithoutItsMemory() {
        return true; // allocations below its last page need only top and the barrier
    }

    @Override
    protected BadFreeResponse badFree(BadFree kind) {
        // free checks that the offset lies below the top, then does nothing.
        return kind == BadFree.FOREIGN ? BadFreeResponse.REFUSED : BadFreeResponse.TOLERATED;
    }

    private BumpAllocator bump() {
        return Allocator.bump(track(LinearMemory.ofNative(16L << 20)));
    }

    /** Forgets the model's blocks at or above {@code mark}: a reset dropped them. */
    private static void dropFrom(LiveBlocks model, long mark) {
        for (LiveBlocks.Block block : model.blocks()) {
            if (block.offset() >= mark) {
                model.remove(block.offset());
            }
        }
    }

    @Test
    void resetToAMarkKeepsTheBlocksBeforeIt() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        for (long byteSize : new long[] {10, 0, 300, 5000}) {
            model.add(allocator.allocate(byteSize, 8), byteSize, 8);
        }
        long countBefore = allocator.stats().allocationCount();
        long bytesBefore = allocator.stats().allocatedBytes();
        long mark = allocator.mark();
        for (int round = 0; round < 3; round++) {
            for (long byteSize : new long[] {1, 64, 70_000, 0, 100}) {
                model.add(allocator.allocate(byteSize, 16), byteSize, 16);
                model.checkAll();
            }
            allocator.reset(mark);
            dropFrom(model, mark);
            model.checkAll();
            assertEquals(countBefore, allocator.stats().allocationCount(), "counters return to the mark's");
            assertEquals(bytesBefore, allocator.stats().allocatedBytes(), "counters return to the mark's");
        }
        // The mark stays usable after resetting to it.
        model.add(allocator.allocate(64, 8), 64, 8);
        allocator.reset(mark);
        dropFrom(model, mark);
        model.checkAll();
    }

    @Test
    void nestedMarksResetInAnyOrderDownwards() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(100, 8), 100, 8);
        long outer = allocator.mark();
        model.add(allocator.allocate(200, 8), 200, 8);
        long inner = allocator.mark();
        model.add(allocator.allocate(300, 8), 300, 8);
        allocator.reset(inner);
        dropFrom(model, inner);
        model.checkAll();
        model.add(allocator.allocate(400, 8), 400, 8);
        allocator.reset(outer);
        dropFrom(model, outer);
        model.checkAll();
        // inner was dropped with everything above outer.
        assertThrows(IllegalArgumentException.class, () -> allocator.reset(inner));
        model.checkAll();
        assertEquals(1, model.size());
    }

    @Test
    void resetToABogusMarkIsRefusedAndChangesNothing() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(100, 8), 100, 8);
        long mark = allocator.mark();
        model.add(allocator.allocate(100, 8), 100, 8);
        long top = allocator.mark();
        model.add(allocator.allocate(100, 8), 100, 8);
        var before = allocator.stats();
        long[] bogus = {mark - 1, mark + 1, top + 1, top + 1000, 1L << 40, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0};
        for (long wrong : bogus) {
            assertThrows(IllegalArgumentException.class, () -> allocator.reset(wrong), () -> "reset(" + wrong + ")");
            model.checkAll();
        }
        assertEquals(before, allocator.stats());
        // A mark taken before reset() is gone.
        allocator.reset();
        model = new LiveBlocks(allocator);
        assertThrows(IllegalArgumentException.class, () -> allocator.reset(mark));
        model.checkAll();
        assertEquals(0, allocator.stats().allocationCount());
        assertEquals(0, allocator.stats().allocatedBytes());
    }

    @Test
    void resetBeforeAnyAllocationKeepsTheAllocatorConsistent() {
        BumpAllocator allocator = bump(); // an empty memory: nothing grown yet
        LiveBlocks model = new LiveBlocks(allocator);
        long mark = allocator.mark();
        allocator.reset(mark);
        model.checkAll();
        allocator.reset();
        model.checkAll();
        model.addZeroed(allocator.allocateZeroed(100, 8), 100, 8);
        model.checkAll();
    }

    @Test
    void allocateZeroedAfterResetIsReallyZero() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(40, 8), 40, 8);
        long mark = allocator.mark();
        for (int round = 0; round < 4; round++) {
            // Dirty everything above the mark, drop it, then ask for zeroed blocks over the same bytes.
            long dirty = allocator.allocate(100_000, 8);
            model.fill(dirty, 100_000, (byte) 0xEE);
            if (round % 2 == 0) {
                allocator.reset(mark);
            } else {
                allocator.reset();
                model = new LiveBlocks(allocator, round);
                mark = allocator.mark();
            }
            for (long byteSize : new long[] {1, 7, 64, 1000, 30_000, 100_000}) {
                model.addZeroed(allocator.allocateZeroed(byteSize, 1L << round), byteSize, 1L << round);
                model.checkAll();
            }
            allocator.reset(mark);
            dropFrom(model, mark);
        }
    }

    @Test
    void allocateZeroedOverPagesTheMemoryAlreadyHadIsZero() {
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20, 3 * PAGE));
        memory.segment().fill((byte) 0x99);
        BumpAllocator allocator = Allocator.bump(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        for (long byteSize : new long[] {1, 100, PAGE, PAGE + 5, 2 * PAGE}) {
            model.addZeroed(allocator.allocateZeroed(byteSize, 8), byteSize, 8);
            model.checkAll();
        }
    }

    @Test
    void allocateZeroedAfterAnInPlaceShrinkIsZero() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        long offset = allocator.allocate(10_000, 8);
        model.add(offset, 10_000, 8);
        long shrunk = allocator.reallocate(offset, 10, 8);
        model.reallocated(offset, shrunk, 10, 8);
        model.addZeroed(allocator.allocateZeroed(9_000, 8), 9_000, 8);
        model.checkAll();
    }

    @Test
    void theLastBlockGrowsAndShrinksInPlace() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(8, 8), 8, 8);
        long offset = allocator.allocate(100, 8);
        model.add(offset, 100, 8);
        for (long to : new long[] {1000, 50, 200_000, 0, 64}) {
            long moved = allocator.reallocate(offset, to, 8);
            assertEquals(offset, moved, "the last block is resized in place");
            model.reallocated(offset, moved, to, 8);
            model.checkAll();
        }
    }

    @Test
    void growingABlockFromBeforeAMarkInPlaceSurvivesResetToTheMark() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        long offset = allocator.allocate(100, 8);
        model.add(offset, 100, 8);
        long mark = allocator.mark();
        long grown = allocator.reallocate(offset, 5000, 8); // the block is older than the mark
        model.reallocated(offset, grown, 5000, 8);
        model.checkAll();
        allocator.reset(mark);
        dropFrom(model, mark);
        if (grown >= mark) {
            return; // it moved above the mark, so the reset rightly dropped it
        }
        // The block from before the mark must survive the reset whole: new blocks must not land on it.
        model.add(allocator.allocate(3000, 8), 3000, 8);
        model.checkAll();
    }

    @Test
    void shrinkingABlockFromBeforeAMarkKeepsTheAllocatorConsistent() {
        BumpAllocator allocator = bump();
        LiveBlocks model = new LiveBlocks(allocator);
        long offset = allocator.allocate(1000, 8);
        model.add(offset, 1000, 8);
        long mark = allocator.mark();
        long shrunk = allocator.reallocate(offset, 10, 8);
        model.reallocated(offset, shrunk, 10, 8);
        model.checkAll(); // verify(): a mark must not lie above the top
        model.add(allocator.allocate(500, 8), 500, 8);
        model.checkAll();
        allocator.reset(mark);
        dropFrom(model, mark);
        model.checkAll();
        model.add(allocator.allocate(500, 8), 500, 8);
        model.checkAll();
    }

    @Test
    void twoBumpAllocatorsSharingAMemoryNeverOverlap() {
        twoBumpAllocatorsShare(track(LinearMemory.ofNative(16L << 20)));
    }

    @Test
    void twoBumpAllocatorsSharingAHeapMemoryNeverOverlap() {
        // Heap memory moves when either allocator grows it: each must re-read the segment, not cache a stale copy.
        twoBumpAllocatorsShare(track(LinearMemory.ofHeap(16L << 20)));
    }

    private static void twoBumpAllocatorsShare(LinearMemory memory) {
        // Memories are shared-growable: a bump allocator that finds pages grown by someone else fences them off,
        // and never hands them out, not even after a reset.
        BumpAllocator first = Allocator.bump(memory);
        BumpAllocator second = Allocator.bump(memory);
        long secondPreAllocationMark = second.mark();
        LiveBlocks firstModel = new LiveBlocks(first, 1);
        LiveBlocks secondModel = new LiveBlocks(second, 2);
        for (int i = 0; i < 30; i++) {
            long a = first.tryAllocate(20_000, 8);
            if (a != Allocator.NULL) {
                firstModel.add(a, 20_000, 8);
            }
            long b = second.tryAllocate(30_000, 8);
            if (b != Allocator.NULL) {
                secondModel.add(b, 30_000, 8);
            }
            firstModel.checkAll();
            secondModel.checkAll();
        }
        for (LiveBlocks.Block a : firstModel.blocks()) {
            for (LiveBlocks.Block b : secondModel.blocks()) {
                assertTrue(a.offset() + a.byteSize() <= b.offset() || b.offset() + b.byteSize() <= a.offset(),
                        a + " overlaps " + b);
            }
        }
        assertTrue(firstModel.size() > 10 && secondModel.size() > 10, "both keep allocating");
        first.verify();
        second.verify();

        // The first allocator drops everything and allocates again: it must step over the second's pages.
        first.reset();
        LiveBlocks again = afterResetKeepsClear(first, 20_000, 3, secondModel);
        second.verify();

        // The second allocator's first fence starts at 0 (the first grew the memory before it did), so that fence
        // holds the top of a full reset and of a mark taken before its first allocation: both must step over it.
        second.reset(secondPreAllocationMark);
        afterResetKeepsClear(second, 30_000, 4, again);
        second.reset();
        afterResetKeepsClear(second, 30_000, 5, again);
    }

    /**
     * Allocates from a reset allocator until it fails or has 60 blocks (and a zeroed one after each): it must serve
     * again, no block may overlap {@code other}'s, and {@code other}'s blocks keep every byte.
     *
     * @return the new blocks
     */
    private static LiveBlocks afterResetKeepsClear(BumpAllocator allocator, long byteSize, long seed,
            LiveBlocks other) {
        LiveBlocks fresh = new LiveBlocks(allocator, seed);
        for (int i = 0; i < 60; i++) {
            long offset = allocator.tryAllocate(byteSize, 8);
            if (offset == Allocator.NULL) {
                break;
            }
            fresh.add(offset, byteSize, 8);
            zeroed(allocator, fresh);
        }
        assertTrue(fresh.size() > 10, "the reset allocator serves again");
        other.checkAll();
        for (LiveBlocks.Block a : fresh.blocks()) {
            for (LiveBlocks.Block b : other.blocks()) {
                assertTrue(a.offset() + a.byteSize() <= b.offset() || b.offset() + b.byteSize() <= a.offset(),
                        "after reset " + a + " overlaps " + b);
            }
        }
        allocator.verify();
        return fresh;
    }

    /** Allocates one zeroed block too, which must neither be dirty nor zero anyone else's bytes. */
    private static void zeroed(BumpAllocator allocator, LiveBlocks model) {
        long z = allocator.tryAllocateZeroed(3_000, 8);
        if (z != Allocator.NULL) {
            model.addZeroed(z, 3_000, 8);
        }
    }

    @Test
    void aFixedMemoryIsUsedWhole() {
        MemorySegment segment = MemorySegment.ofArray(new long[1000]);
        BumpAllocator allocator = Allocator.bump(track(LinearMemory.of(segment)));
        LiveBlocks model = new LiveBlocks(allocator);
        long count = 0;
        while (true) {
            long offset = allocator.tryAllocate(8, 8);
            if (offset == Allocator.NULL) {
                break;
            }
            model.add(offset, 8, 8);
            count++;
        }
        model.checkAll();
        assertEquals(999, count, "8000 bytes hold 999 8-byte blocks after the burnt first word");
    }

    @Test
    void growthAsksForExactlyThePagesTheBlockLacks() {
        // One grow call per slow allocation, for exactly the pages missing between the limit and the block's end.
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        BumpAllocator allocator = Allocator.bump(memory);
        allocator.allocate(PAGE - 1, 1); // [1, PAGE): the first page exactly
        assertEquals(1, memory.pageCount());
        allocator.allocate(1, 1); // one byte past it: one more page
        assertEquals(2, memory.pageCount());
        allocator.allocate(PAGE, 1); // [PAGE + 1, 2 * PAGE + 1): one byte into a third page
        assertEquals(3, memory.pageCount());
        allocator.allocate(PAGE - 1, 1); // ends exactly at the third page's end: no grow
        assertEquals(3, memory.pageCount());
        allocator.verify();
    }

    @Test
    void statsCountTheFreeStretchesBetweenOtherOwnersPagesAsAvailable() {
        // available = the free bytes above top that this allocator may still hand out: up to the limit, minus the
        // pages someone else grew in between (fences). Each stretch is one fragment; an empty one is none.
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        BumpAllocator allocator = Allocator.bump(memory);
        assertEquals(0, allocator.stats().heapCount(), "no page claimed yet, so no heap");
        allocator.allocate(PAGE - 1, 1); // [1, PAGE): top == limit
        assertEquals(0, allocator.stats().availableBytes());
        assertEquals(0, allocator.stats().fragmentCount(), "an empty stretch is no fragment");
        assertEquals(1, allocator.stats().heapCount());
        assertEquals(1, memory.grow(1), "someone else takes page 1");
        long above = allocator.allocate(1000, 8); // fences page 1 off, grows page 2 for itself
        assertEquals(2 * PAGE, above, "the block skips the other owner's page");
        assertEquals(PAGE - 1000, allocator.stats().availableBytes());
        assertEquals(1, allocator.stats().fragmentCount());
        allocator.reset();
        // From top 1: page 0 (all but the burnt first byte), then page 2; page 1 is the other owner's.
        assertEquals((PAGE - 1) + PAGE, allocator.stats().availableBytes());
        assertEquals(2, allocator.stats().fragmentCount());
        allocator.verify();
    }

    @Test
    void resetToAMarkAboveAnotherOwnersPagesNeverHandsOutTheBlocksBelowTheMark() {
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        BumpAllocator allocator = Allocator.bump(memory);
        LiveBlocks model = new LiveBlocks(allocator);
        model.add(allocator.allocate(100, 8), 100, 8);
        assertEquals(1, memory.grow(1), "someone else takes page 1");
        model.add(allocator.allocate(PAGE, 8), PAGE, 8); // lands after the other owner's page
        long mark = allocator.mark();
        allocator.allocate(500, 8);
        allocator.reset(mark);
        long next = allocator.allocate(500, 8);
        assertTrue(next >= mark, "a block after the reset starts at or above the mark: " + next + " < " + mark);
        model.checkAll();
        allocator.verify();
    }

    @Test
    void resetBelowAnotherOwnersPagesStillStepsOverThemOnTheFirstAllocation() {
        // After a reset the next fence is below the old top again: the very first allocation, which would cross it,
        // must take the slow path that steps over the other owner's pages.
        LinearMemory memory = track(LinearMemory.ofNative(16L << 20));
        BumpAllocator allocator = Allocator.bump(memory);
        allocator.allocate(100, 8);
        long mark = allocator.mark();
        assertEquals(1, memory.grow(1), "someone else takes page 1");
        allocator.allocate(70_000, 8); // fences page 1 off, then grows for itself twice
        allocator.reset(mark);
        long offset = allocator.allocate(70_000, 8);
        assertTrue(offset + 70_000 <= PAGE || offset >= 2 * PAGE,
                "the block [" + offset + ", " + (offset + 70_000) + ") overlaps the other owner's page 1");
        allocator.verify();
    }

    @Test
    void anInPlaceResizeAddsOnlyItsGrowthToTheTotal() {
        // totalAllocatedBytes counts every byte ever handed out: growing the last block in place adds the growth,
        // shrinking it adds nothing.
        BumpAllocator allocator = bump();
        long offset = allocator.allocate(100, 8);
        assertEquals(offset, allocator.reallocate(offset, 300, 8));
        assertEquals(300, allocator.stats().totalAllocatedBytes());
        assertEquals(offset, allocator.reallocate(offset, 50, 8));
        assertEquals(300, allocator.stats().totalAllocatedBytes());
        assertEquals(offset, allocator.reallocate(offset, 80, 8));
        assertEquals(330, allocator.stats().totalAllocatedBytes());
        assertEquals(80, allocator.stats().allocatedBytes());
    }

    @Test
    void freeChecksTheBlockLiesBelowTop() {
        // Bump blocks carry no header: free can only check that [offset, offset + size) lies in [1, top).
        BumpAllocator allocator = bump();
        long first = allocator.allocate(10, 1);
        assertEquals(1, first, "the first block starts at the first offset that is not NULL");
        allocator.free(first); // the first block is a block
        allocator.free(first, 10); // and its size reaches top exactly
        assertThrows(IllegalArgumentException.class, () -> allocator.free(first, 11), "its size reaches past top");
        assertThrows(IllegalArgumentException.class, () -> allocator.free(11), "top itself is no block");
        allocator.verify();
    }
}
