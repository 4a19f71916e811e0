package dev.offcut.internal.binned;

import dev.offcut.internal.memory.FaultInjectingLinearMemory;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;
import dev.offcut.OutOfMemoryAsFailure;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static dev.offcut.internal.binned.BinnedTesting.assertFilled;
import static dev.offcut.internal.binned.BinnedTesting.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sources as records (equality, names) and what each does when memory runs out: growth, claims, parents. */
@ExtendWith(OutOfMemoryAsFailure.class) // an allocation that runs out where it should not fails its test only
class MemorySourcesTest {

    @Test
    void sourcesCompareByValue() {
        assertSame(MemorySource.manual(), MemorySource.manual());
        assertSame(MemorySource.growAndExtend(), MemorySource.growAndExtend());
        assertSame(MemorySource.growAndClaim(), MemorySource.growAndClaim());
        assertEquals(MemorySource.claim(64, 4096), MemorySource.claim(64, 4096));
        assertEquals(MemorySource.claim(64, 4096).hashCode(), MemorySource.claim(64, 4096).hashCode());
        assertNotEquals(MemorySource.claim(64, 4096), MemorySource.claim(64, 8192));
        Allocator parent = Allocator.failing();
        assertEquals(MemorySource.fromParent(parent), MemorySource.fromParent(parent));
        assertNotEquals(MemorySource.fromParent(parent), MemorySource.fromParent(Allocator.failing()));
        assertNotEquals(MemorySource.growAndExtend(), MemorySource.growAndClaim());
    }

    @Test
    void sourcesPrintTheirFactory() {
        assertEquals("MemorySource.manual()", MemorySource.manual().toString());
        assertEquals("MemorySource.claim(64, 4096)", MemorySource.claim(64, 4096).toString());
        assertEquals("MemorySource.growAndExtend()", MemorySource.growAndExtend().toString());
        assertEquals("MemorySource.growAndClaim()", MemorySource.growAndClaim().toString());
        Allocator parent = Allocator.freeList(LinearMemory.ofHeap(1 << 20));
        assertEquals("MemorySource.fromParent(" + parent + ")", MemorySource.fromParent(parent).toString());
    }

    @Test
    void growingAndParent() {
        assertTrue(MemorySources.growing(MemorySource.growAndExtend()));
        assertTrue(MemorySources.growing(MemorySource.growAndClaim()));
        assertFalse(MemorySources.growing(MemorySource.manual()));
        assertFalse(MemorySources.growing(MemorySource.claim(0, 0)));
        Allocator parent = Allocator.failing();
        assertFalse(MemorySources.growing(MemorySource.fromParent(parent)));
        assertSame(parent, MemorySources.parentOf(MemorySource.fromParent(parent)));
        assertEquals(null, MemorySources.parentOf(MemorySource.manual()));
    }

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
    // Existing pages and growth

    @Test
    void existingPagesAreTheFirstHeapBeforeAnythingGrows() {
        LinearMemory fixed = track(BinnedTesting.fixed(1 << 20));
        BinnedAllocator allocator = Allocator.binned(fixed);
        assertEquals(1, allocator.stats().heapCount());
        assertEquals(1 << 20, allocator.stats().claimedBytes());
        long big = allocator.allocate(900_000);
        allocator.verify();
        assertEquals(Allocator.NULL, allocator.tryAllocate(200_000, 8), "a fixed memory cannot grow");
        allocator.free(big);
        allocator.verify();

        LinearMemory heap = track(LinearMemory.ofHeap(16 << 20, 4 * PAGE));
        BinnedAllocator onHeap = Allocator.binned(heap);
        for (int i = 0; i < 100; i++) {
            onHeap.allocate(2000);
        }
        assertEquals(4, heap.pageCount(), "the four existing pages serve 200 KB without a grow");
    }

    @Test
    void growthAsksForTheRequestsPagesInOneStepAndNeverLoops() {
        FaultInjectingLinearMemory memory = (FaultInjectingLinearMemory) track(
                LinearMemory.ofFaultInjecting(LinearMemory.ofNative(1L << 30), i -> false));
        BinnedAllocator allocator = Allocator.binned(memory);
        long calls = memory.growCalls();
        long pagesBefore = memory.pageCount();
        for (long k : new long[] {1, 3, 10, 100}) {
            long before = memory.pageCount();
            long size = k * PAGE - 100;
            allocator.allocate(size);
            long grown = memory.pageCount() - before;
            assertTrue(grown <= k + 1, "a " + k + "-page request grew " + grown + " pages");
            assertEquals(++calls, memory.growCalls(), "one grow call per failed request");
        }
        assertEquals(1, allocator.stats().heapCount(), "grow-and-extend keeps one heap");
        long pages = memory.pageCount();
        assertEquals(Allocator.NULL, allocator.tryAllocate(2L << 30, 8));
        assertEquals(Allocator.NULL, allocator.tryAllocate(Allocator.MAX_BYTE_SIZE, 8));
        assertEquals(Allocator.NULL, allocator.tryAllocate(Allocator.MAX_BYTE_SIZE - 7, 1L << 32));
        assertEquals(Allocator.NULL, allocator.tryAllocate(100, 1L << 32), "no 4 GiB-aligned offset but 0 exists");
        assertEquals(pages, memory.pageCount());
        assertTrue(memory.growCalls() - calls <= 4, "at most one grow attempt per failed request");
        allocator.verify();
        assertEquals(0, pagesBefore, "an empty memory grows with the first allocation, not before");
    }

    @Test
    void growAndClaimMakesANewHeapPerGrowth() {
        LinearMemory memory = track(LinearMemory.ofHeap(64L << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).source(MemorySource.growAndClaim()).build();
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long offset = allocator.allocate(100_000);
            fill(allocator, offset, 100_000);
            blocks.add(offset);
        }
        assertEquals(5, allocator.stats().heapCount(), "one heap per growth, the first with the metadata");
        allocator.verify();
        for (long offset : blocks) {
            assertFilled(allocator, offset, 100_000);
            allocator.free(offset);
        }
        allocator.verify();
        assertEquals(5, allocator.stats().heapCount(), "heaps of the memory itself are kept");
    }

    @Test
    void pagesGrownBySomeoneElseAreLeftAloneAndANewHeapIsClaimed() {
        LinearMemory memory = track(LinearMemory.ofHeap(64L << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        long first = allocator.allocate(1000);
        long before = memory.grow(2); // another user of the memory takes two pages
        MemorySegment stolen = memory.segment().asSlice(before * PAGE, 2 * PAGE);
        stolen.fill((byte) 0x5A);
        long big = allocator.allocate(200_000);
        assertTrue(big >= (before + 2) * PAGE, "the new heap starts above the stolen pages");
        assertEquals(2, allocator.stats().heapCount());
        fill(allocator, big, 200_000);
        MemorySegment after = memory.segment().asSlice(before * PAGE, 2 * PAGE);
        for (long i = 0; i < 2 * PAGE; i++) {
            assertEquals((byte) 0x5A, after.get(ValueLayout.JAVA_BYTE, i));
        }
        allocator.free(first);
        allocator.free(big);
        allocator.verify();
    }

    @Test
    void heapMemoryThatMovesOnGrowKeepsContents() {
        LinearMemory memory = track(LinearMemory.ofHeap(64L << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        long first = allocator.allocate(1000);
        fill(allocator, first, 1000);
        long grown = allocator.reallocate(first, 3_000_000); // must move, grows the memory: a new array
        assertFilled(allocator, grown, 1000, first);
        allocator.verify();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Sources

    @Test
    void manualSourceUsesOnlyClaimedHeaps() {
        LinearMemory memory = track(BinnedTesting.fixed(1 << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
        assertEquals(0, allocator.stats().heapCount());
        assertEquals(Allocator.NULL, allocator.tryAllocate(1, 8));
        long heap = allocator.claim(100_000, 50_000);
        assertEquals(100_000, heap);
        long offset = allocator.allocate(1000);
        assertTrue(offset > heap && offset < heap + 50_000);
        assertEquals(Allocator.NULL, allocator.tryAllocate(60_000, 8));
        allocator.verify();
    }

    @Test
    void claimSourceClaimsItsRegionOnceOnFirstNeed() {
        LinearMemory memory = track(BinnedTesting.fixed(1 << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).source(MemorySource.claim(200_000, 100_000))
                .build();
        assertEquals(0, allocator.stats().heapCount());
        long offset = allocator.allocate(50_000);
        assertTrue(offset >= 200_000 && offset < 300_000);
        assertEquals(1, allocator.stats().heapCount());
        assertEquals(Allocator.NULL, allocator.tryAllocate(80_000, 8), "claimed once only");
        assertEquals(1, allocator.stats().heapCount());
        allocator.verify();
        // Reopened with the same source: the claim is remembered in the memory.
        BinnedAllocator again = BinnedAllocator.builder(memory).source(MemorySource.claim(200_000, 100_000)).open();
        assertEquals(Allocator.NULL, again.tryAllocate(80_000, 8));
        assertEquals(1, again.stats().heapCount());

        LinearMemory other = track(BinnedTesting.fixed(1 << 16));
        BinnedAllocator outside = BinnedAllocator.builder(other).source(MemorySource.claim(1 << 20, 4096)).build();
        assertEquals(Allocator.NULL, outside.tryAllocate(10, 8), "a region outside the memory is skipped");
        outside.verify();
    }

    @Test
    void parentSourceBorrowsChunksAndHandsEmptyHeapsBack() {
        LinearMemory memory = track(LinearMemory.ofHeap(64L << 20));
        BinnedAllocator parent = Allocator.binned(memory);
        BinnedAllocator child = BinnedAllocator.builder(memory).source(MemorySource.fromParent(parent)).build();
        assertEquals(1, parent.stats().allocationCount(), "the child's metadata is a block of the parent");
        assertEquals(0, child.stats().heapCount());
        List<long[]> blocks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long size = 1000L * (i + 1);
            long offset = child.allocate(size);
            fill(child, offset, size);
            blocks.add(new long[] {offset, size});
            long own = parent.allocate(500); // interleave the parent's own blocks
            fill(parent, own, 500);
            parent.free(own);
        }
        long heaps = child.stats().heapCount();
        assertTrue(heaps >= 2);
        assertEquals(1 + heaps, parent.stats().allocationCount());
        parent.verify();
        child.verify();
        IllegalArgumentException noOffset = assertThrows(IllegalArgumentException.class, () -> BinnedAllocator
                .builder(memory).source(MemorySource.fromParent(parent)).open(), "it would find the parent's metadata");
        assertTrue(noOffset.getMessage().contains("metadataOffset"), noOffset.getMessage());
        BinnedAllocator reopened = BinnedAllocator.builder(memory).source(MemorySource.fromParent(parent))
                .metadataOffset(child.metadataOffset()).open();
        reopened.verify();
        for (long[] block : blocks) {
            assertFilled(reopened, block[0], block[1]);
            reopened.free(block[0], block[1]);
            reopened.verify();
            parent.verify();
        }
        assertEquals(0, reopened.stats().heapCount(), "every emptied heap went back");
        assertEquals(1, parent.stats().allocationCount());
        assertThrows(IllegalArgumentException.class, () -> BinnedAllocator.builder(track(LinearMemory.ofHeap(1 << 20)))
                .source(MemorySource.fromParent(parent)).build(), "a parent over another memory");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Edges found by mutation testing: builds, opens, claims and growth at their exact bounds

    @Test
    void growthExtendsTheLastHeapByExactlyThePagesItsFreeTopLacks() {
        LinearMemory memory = track(LinearMemory.ofNative(64L << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        long first = allocator.allocate(1000);
        assertEquals(1, memory.pageCount());
        // The free top holds about 61 KB of the 100 KB asked: one more page, not two.
        long second = allocator.allocate(100_000);
        assertEquals(2, memory.pageCount());
        // Someone else takes a page (and fills it); the next growth claims a second heap above it, and growth after
        // that extends that second heap, the last one, instead of claiming a third.
        long foreign = memory.grow(1) * PAGE;
        memory.segment().asSlice(foreign, PAGE).fill((byte) 0x5A);
        long third = allocator.allocate(200_000);
        assertEquals(2, allocator.stats().heapCount());
        long fourth = allocator.allocate(300_000);
        assertEquals(2, allocator.stats().heapCount(), "the last heap grew");
        for (long[] block : new long[][] {{first, 1000}, {second, 100_000}, {third, 200_000}, {fourth, 300_000}}) {
            fill(allocator, block[0], block[1]);
        }
        assertEquals(-1, memory.segment().asSlice(foreign, PAGE)
                .mismatch(MemorySegment.ofArray(new byte[(int) PAGE]).fill((byte) 0x5A)), "the foreign page");
        allocator.verify();
    }

    /**
     * Returns a memory whose second grow call is preceded by another owner's grow of one page, filled with 0x5A, as
     * if another thread had grown the memory between the allocator's look at its end and its own grow: the pages the
     * allocator gets are not adjacent to its last heap. {@code foreign[0]} receives that page's offset.
     */
    private LinearMemory memoryWithARacingGrow(long[] foreign) {
        LinearMemory delegate = LinearMemory.ofNative(64L << 20);
        return track(LinearMemory.ofFaultInjecting(delegate, call -> {
            if (call == 1) {
                foreign[0] = delegate.grow(1) * PAGE;
                delegate.segment().asSlice(foreign[0], PAGE).fill((byte) 0x5A);
            }
            return false;
        }));
    }

    @Test
    void aGrowRacingWithSomeoneElsesClaimsANewHeapInsteadOfExtending() {
        long[] foreign = {-1};
        LinearMemory memory = memoryWithARacingGrow(foreign);
        BinnedAllocator allocator = Allocator.binned(memory);
        allocator.allocate(1000);
        // Take the whole free top, so that the pages asked for hold the next block even as a heap of their own.
        long rest = allocator.stats().availableBytes();
        assertEquals(1, allocator.stats().fragmentCount());
        allocator.allocate(rest);
        assertEquals(0, allocator.stats().availableBytes());
        long big = allocator.allocate(100_000);
        fill(allocator, big, 100_000);
        assertTrue(foreign[0] > 0, "the race happened");
        assertTrue(big >= foreign[0] + PAGE, "the block lies above the other owner's page");
        assertEquals(2, allocator.stats().heapCount());
        assertEquals(-1, memory.segment().asSlice(foreign[0], PAGE)
                .mismatch(MemorySegment.ofArray(new byte[(int) PAGE]).fill((byte) 0x5A)), "the foreign page");
        allocator.verify();
    }

    @Test
    void aGrowRacingWithSomeoneElsesStillServesARequestTheFreeTopWouldHaveHelpedHold() {
        // As above, but the free top is left in place: the pages asked for were sized to extend it, so as a heap of
        // their own they are too small for the request. The allocator grows once more instead of failing (it threw
        // OutOfMemoryError before, with the memory far from its maximum).
        long[] foreign = {-1};
        LinearMemory memory = memoryWithARacingGrow(foreign);
        BinnedAllocator allocator = Allocator.binned(memory);
        long small = allocator.allocate(1000);
        fill(allocator, small, 1000);
        assertTrue(allocator.stats().availableBytes() > PAGE / 2, "a free top that the first grow counts on");
        long big = allocator.allocate(200_000);
        fill(allocator, big, 200_000);
        assertTrue(foreign[0] > 0, "the race happened");
        assertTrue(big >= foreign[0] + PAGE, "the block lies above the other owner's page");
        assertEquals(3, allocator.stats().heapCount(), "the first heap, the too-small one, the one that holds it");
        assertFilled(allocator, small, 1000);
        allocator.verify();
    }

    @Test
    void aRacingGrowThenARefusedOneFailsTheRequestButKeepsTheRacedPagesAsAHeap() {
        // Issue 13, defect 7: the documented exception to "a failed request leaves every count as it was". The pages
        // the first grow added are this allocator's and a memory never shrinks, so they stay a heap (usable by
        // smaller requests) rather than being dropped and lost to everyone.
        long[] foreign = {-1};
        LinearMemory delegate = LinearMemory.ofNative(64L << 20);
        LinearMemory memory = track(LinearMemory.ofFaultInjecting(delegate, call -> {
            if (call == 1) {
                foreign[0] = delegate.grow(1) * PAGE;
                delegate.segment().asSlice(foreign[0], PAGE).fill((byte) 0x5A);
            }
            return call == 2; // the second grow, for a heap that holds the request, is refused
        }));
        BinnedAllocator allocator = Allocator.binned(memory);
        long small = allocator.allocate(1000);
        fill(allocator, small, 1000);
        AllocatorStats before = allocator.stats();
        assertEquals(Allocator.NULL, allocator.tryAllocate(200_000, 16));
        assertTrue(foreign[0] > 0, "the race happened");
        AllocatorStats after = allocator.stats();
        assertEquals(before.allocationCount(), after.allocationCount());
        assertEquals(before.allocatedBytes(), after.allocatedBytes());
        assertEquals(before.heapCount() + 1, after.heapCount(), "the raced pages are a heap of their own");
        assertTrue(after.claimedBytes() > before.claimedBytes());
        assertFilled(allocator, small, 1000);
        allocator.verify();
        long[] heaps = allocator.heaps();
        long racedHeap = heaps[heaps.length - 1];
        assertTrue(racedHeap > foreign[0], "the new heap lies above the other owner's page");
        long fits = allocator.allocate(allocator.heapByteSize(racedHeap) - 2 * BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE);
        assertTrue(fits > racedHeap, "and serves a request it holds");
        assertEquals(-1, memory.segment().asSlice(foreign[0], PAGE)
                .mismatch(MemorySegment.ofArray(new byte[(int) PAGE]).fill((byte) 0x5A)), "the foreign page");
        allocator.verify();
    }

    @Test
    void aBlockAtTheHeapsTopGrowsInPlaceByGrowingTheMemory() {
        // Issue 14, item 5: a block that had to grow past the memory's end was copied into new pages, leaving its old
        // chunk a hole (perl's trace: 61 such moves, peak footprint 1.71x the live bytes against glibc's 1.21x).
        LinearMemory memory = track(LinearMemory.ofNative(64L << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        long below = allocator.allocate(1000);
        fill(allocator, below, 1000);
        long x = allocator.allocate(100_000); // the heap's last block: only a free top above it
        fill(allocator, x, 100_000);
        for (long byteSize = 200_000; byteSize <= 3_000_000; byteSize += 200_000) {
            long grown = allocator.reallocate(x, byteSize);
            assertEquals(x, grown, "grown in place at the heap's top, to " + byteSize + " bytes");
            assertFilled(allocator, x, 100_000);
            allocator.verify();
        }
        long needed = BinIndex.DEFAULT.superblockByteSize() + BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE
                + BinnedLayout.chunkSizeFor(1000) + BinnedLayout.chunkSizeFor(3_000_000);
        assertEquals((needed + PAGE - 1) / PAGE, memory.pageCount(), "the memory grew by the pages missing, no more");
        assertEquals(1, allocator.stats().heapCount());
        assertFilled(allocator, below, 1000);
        // A block with a live block above it still moves, and so does one whose source does not extend heaps.
        long y = allocator.allocate(50_000);
        long z = allocator.allocate(10);
        assertNotEquals(y, allocator.reallocate(y, 80_000));
        allocator.free(z);
        LinearMemory other = track(LinearMemory.ofNative(64L << 20));
        BinnedAllocator claiming = BinnedAllocator.builder(other).source(MemorySource.growAndClaim()).build();
        long w = claiming.allocate(100_000);
        assertNotEquals(w, claiming.reallocate(w, 1_000_000), "growAndClaim claims new pages as a heap of their own");
        claiming.verify();
    }

    @Test
    void aTopBlockThatCannotGrowTheMemoryStaysWhereItWas() {
        LinearMemory memory = track(LinearMemory.ofFaultInjecting(LinearMemory.ofNative(64L << 20), call -> call >= 1));
        BinnedAllocator allocator = Allocator.binned(memory);
        long x = allocator.allocate(100_000); // call 0 grows for it
        fill(allocator, x, 100_000);
        AllocatorStats before = allocator.stats();
        assertEquals(Allocator.NULL, allocator.tryReallocate(x, 1_000_000, 16));
        assertEquals(before, allocator.stats());
        assertFilled(allocator, x, 100_000);
        allocator.verify();
    }

    @Test
    void growAndClaimGrowsForTheNewHeapsOverheadToo() {
        // A new heap at a page start spends 32 bytes on header, pad and sentinel: a chunk 16 bytes past two pages
        // minus those needs three pages, not two.
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).source(MemorySource.growAndClaim()).build();
        allocator.allocate(1000);
        long pages = memory.pageCount();
        long chunk = 2 * PAGE + 16 - BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE;
        long offset = allocator.allocate(chunk - BinnedLayout.HEADER_BYTE_SIZE);
        assertEquals(pages + 3, memory.pageCount());
        assertEquals(2, allocator.stats().heapCount());
        fill(allocator, offset, chunk - BinnedLayout.HEADER_BYTE_SIZE);
        allocator.verify();
    }
}
