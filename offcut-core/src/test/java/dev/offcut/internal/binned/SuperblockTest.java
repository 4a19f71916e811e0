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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.offcut.internal.binned.BinnedTesting.assertFilled;
import static dev.offcut.internal.binned.BinnedTesting.fill;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The superblock: reopening, finding and checking it, pending allocators and their first write, builds at their bounds. */
@ExtendWith(OutOfMemoryAsFailure.class) // an allocation that runs out where it should not fails its test only
class SuperblockTest {

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
    // Reopening

    @ParameterizedTest
    @EnumSource(Binning.class)
    void reopeningKeepsEveryLiveBlockAndCounter(Binning binning) {
        for (boolean heapMemory : new boolean[] {false, true}) {
            LinearMemory memory = track(heapMemory ? LinearMemory.ofHeap(64L << 20) : LinearMemory.ofNative(64L << 20));
            BinnedAllocator first = BinnedAllocator.builder(memory).binning(binning).build();
            SplittableRandom random = new SplittableRandom(7);
            List<long[]> live = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                long size = random.nextLong(0, 3000);
                long offset = first.allocate(size, 8L << random.nextInt(5));
                fill(first, offset, size);
                live.add(new long[] {offset, size});
                if (random.nextInt(3) == 0) {
                    long[] gone = live.remove(random.nextInt(live.size()));
                    first.free(gone[0], gone[1]);
                }
            }
            AllocatorStats stats = first.stats();
            BinnedAllocator second = BinnedAllocator.open(memory);
            second.verify();
            assertEquals(binning, second.binning());
            assertEquals(stats, second.stats());
            for (long[] block : live) {
                assertFilled(second, block[0], block[1]);
            }
            for (int i = 0; i < live.size(); i += 2) {
                second.free(live.get(i)[0], live.get(i)[1]);
            }
            long more = second.allocate(10_000);
            fill(second, more, 10_000);
            second.verify();
            for (int i = 1; i < live.size(); i += 2) {
                assertFilled(second, live.get(i)[0], live.get(i)[1]);
            }
        }
    }

    @Test
    void openRefusesMemoryWithoutMetadataAndAWrongBinning() {
        LinearMemory empty = track(LinearMemory.ofHeap(1 << 20, 1 << 16));
        assertThrows(IllegalArgumentException.class, () -> BinnedAllocator.open(empty));
        LinearMemory memory = track(LinearMemory.ofHeap(1 << 20));
        BinnedAllocator pending = BinnedAllocator.builder(memory).binning(Binning.COMPACT).build();
        assertThrows(IllegalArgumentException.class, () -> BinnedAllocator.open(memory),
                "an empty memory gets its metadata with the first allocation");
        pending.allocate(10);
        assertEquals(Binning.COMPACT, BinnedAllocator.open(memory).binning());
        assertThrows(IllegalArgumentException.class,
                () -> BinnedAllocator.builder(memory).binning(Binning.DEFAULT).open());
        LinearMemory tooSmall = track(LinearMemory.ofHeap(1 << 20, 0));
        assertThrows(IllegalArgumentException.class, () -> BinnedAllocator.open(tooSmall));
    }

    @Test
    void aMetadataOffsetLeavesTheBytesBelowAlone() {
        LinearMemory memory = track(LinearMemory.ofNative(1 << 20, 1 << 16));
        MemorySegment s = memory.segment();
        s.asSlice(0, 4096).fill((byte) 7);
        BinnedAllocator allocator = BinnedAllocator.builder(memory).metadataOffset(4096).build();
        long offset = allocator.allocate(100_000);
        assertTrue(offset > 4096);
        for (long i = 0; i < 4096; i++) {
            assertEquals(7, memory.segment().get(ValueLayout.JAVA_BYTE, i));
        }
        allocator.verify();
        BinnedAllocator again = BinnedAllocator.builder(memory).metadataOffset(4096).open();
        again.free(offset);
        again.verify();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Sources

    @Test
    void aPendingSuperblockMovesToItsOwnPagesWhenSomeoneElseGrewTheMemoryFirst() {
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator allocator = Allocator.binned(memory); // empty memory: the superblock waits for allocation
        long foreign = memory.grow(1) * LinearMemory.PAGE_BYTE_SIZE;
        memory.segment().asSlice(foreign, LinearMemory.PAGE_BYTE_SIZE).fill((byte) 0x3C);
        long offset = allocator.allocate(1000);
        fill(allocator, offset, 1000);
        assertEquals(-1, memory.segment().asSlice(foreign, LinearMemory.PAGE_BYTE_SIZE)
                .mismatch(MemorySegment.ofArray(new byte[(int) LinearMemory.PAGE_BYTE_SIZE]).fill((byte) 0x3C)),
                "the page someone else grew is untouched");
        assertEquals(foreign + LinearMemory.PAGE_BYTE_SIZE, allocator.metadataOffset());
        assertTrue(offset > allocator.metadataOffset());
        allocator.verify();
        AllocatorStats stats = allocator.stats();
        BinnedAllocator again = BinnedAllocator.open(memory); // no superblock at 0: found at its page start
        assertEquals(allocator.metadataOffset(), again.metadataOffset());
        assertEquals(stats, again.stats());
        assertFilled(again, offset, 1000);
        again.free(offset);
        again.verify();
    }

    @Test
    void openWithoutAnOffsetRefusesAMemoryWithNoSuperblockOrTwo() {
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        memory.grow(4);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> BinnedAllocator.open(memory));
        assertTrue(none.getMessage().contains("no binned-allocator metadata"), none.getMessage());
        BinnedAllocator first = BinnedAllocator.builder(memory).metadataOffset(LinearMemory.PAGE_BYTE_SIZE)
                .source(MemorySource.manual()).build();
        first.claim(2 * LinearMemory.PAGE_BYTE_SIZE, 1000);
        assertEquals(first.metadataOffset(), BinnedAllocator.open(memory).metadataOffset());
        BinnedAllocator.builder(memory).metadataOffset(3 * LinearMemory.PAGE_BYTE_SIZE)
                .source(MemorySource.manual()).build();
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> BinnedAllocator.open(memory));
        assertTrue(two.getMessage().contains("metadataOffset"), two.getMessage());
        assertEquals(first.metadataOffset(), BinnedAllocator.builder(memory)
                .metadataOffset(LinearMemory.PAGE_BYTE_SIZE).open().metadataOffset());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Edges found by mutation testing: builds, opens, claims and growth at their exact bounds

    @Test
    void aPendingAllocatorRefusesEveryOffsetAndHasNoHeaps() {
        // Built over an empty memory, it has written nothing yet: there is no superblock to consult, so a free must
        // be refused from the object's state alone, not by reading metadata that is not there.
        BinnedAllocator allocator = Allocator.binned(track(LinearMemory.ofNative(8L << 20)));
        assertEquals(0, allocator.heaps().length);
        assertThrows(IllegalArgumentException.class, () -> allocator.free(1 << 20));
        assertThrows(IllegalArgumentException.class, () -> allocator.tryReallocate(1 << 20, 8, 8));
        allocator.verify();
    }

    @Test
    void aParentSourcedBuildRefusesAnExplicitMetadataOffsetEvenZero() {
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator parent = Allocator.binned(memory);
        assertThrows(IllegalArgumentException.class, () -> BinnedAllocator.builder(memory)
                .source(MemorySource.fromParent(parent)).metadataOffset(0).build());
        assertEquals(0, parent.stats().allocationCount(), "no metadata block was taken from the parent");
    }

    @Test
    void aParentThatCannotGiveTheMetadataBlockFailsTheBuild() {
        LinearMemory memory = track(BinnedTesting.fixed(PAGE));
        Allocator parent = Allocator.bump(memory);
        parent.allocate(PAGE - 1, 1); // the parent is full
        byte[] before = BinnedTesting.snapshot(memory);
        assertThrows(IllegalStateException.class, () -> BinnedAllocator.builder(memory)
                .source(MemorySource.fromParent(parent)).build());
        assertArrayEquals(before, BinnedTesting.snapshot(memory), "no metadata written over the parent's blocks");
    }

    @Test
    void aManualSourceNeedsRoomForTheMetadataAndAnExactFitIsEnough() {
        long superblock = BinIndex.DEFAULT.superblockByteSize();
        LinearMemory tooSmall = track(BinnedTesting.fixed(superblock - 64));
        assertThrows(IllegalStateException.class,
                () -> BinnedAllocator.builder(tooSmall).source(MemorySource.manual()).build());
        LinearMemory exact = track(BinnedTesting.fixed(superblock));
        BinnedAllocator allocator = BinnedAllocator.builder(exact).source(MemorySource.manual()).build();
        assertEquals(superblock, allocator.stats().claimedBytes(), "the metadata is written at once");
        allocator.verify();
        BinnedAllocator again = BinnedAllocator.builder(exact).source(MemorySource.manual()).open();
        assertEquals(allocator.stats(), again.stats(), "a superblock ending at the memory's end reopens");
    }

    @Test
    void openRefusesMetadataAtOrCutOffByTheMemorysEnd() {
        // Such metadata would be read past the memory: open must say it is not there (IllegalArgumentException), not
        // fail reading it.
        LinearMemory memory = track(BinnedTesting.fixed(PAGE));
        BinnedAllocator.builder(memory).source(MemorySource.manual()).build(); // no heap yet
        assertThrows(IllegalArgumentException.class,
                () -> BinnedAllocator.builder(memory).metadataOffset(PAGE).open());
        // The superblock's first kilobyte alone: magic, version and size words are all right, the bins are missing.
        LinearMemory cut = track(BinnedTesting.fixed(1024));
        cut.segment().copyFrom(memory.segment().asSlice(0, 1024));
        assertThrows(IllegalArgumentException.class, () -> BinnedAllocator.open(cut));
    }

    @Test
    void openRefusesAParentOverAnotherMemory() {
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        Allocator.binned(memory).allocate(100); // a superblock at 0 that open would otherwise accept
        BinnedAllocator parentElsewhere = Allocator.binned(track(LinearMemory.ofNative(8L << 20)));
        assertThrows(IllegalArgumentException.class, () -> BinnedAllocator.builder(memory)
                .source(MemorySource.fromParent(parentElsewhere)).metadataOffset(0).open());
    }

    @Test
    void aFirstClaimWithAMetadataOffsetWritesTheSuperblockThereAndTakesOnlyTheRegion() {
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).metadataOffset(0).build(); // pending
        memory.grow(2); // the caller grows the memory, then hands the allocator its second page
        assertEquals(PAGE, allocator.claim(PAGE, PAGE));
        assertArrayEquals(new long[] {PAGE}, allocator.heaps());
        assertEquals(0, allocator.metadataOffset());
        long offset = allocator.allocate(1000);
        assertTrue(offset > PAGE && offset < 2 * PAGE);
        allocator.verify();
        assertEquals(allocator.stats(), BinnedAllocator.open(memory).stats());
    }

    @Test
    void aFirstClaimRefusesAMemoryWithNoRoomForTheMetadataYet() {
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).metadataOffset(PAGE).build(); // pending
        memory.grow(1); // one page: the region fits, the metadata at 64 KiB does not
        byte[] before = BinnedTesting.snapshot(memory);
        assertThrows(IllegalArgumentException.class, () -> allocator.claim(8, 32_000));
        assertArrayEquals(before, BinnedTesting.snapshot(memory));
        assertEquals(0, allocator.heaps().length);
    }

    @Test
    void aFirstClaimFitsWhenTheMetadataEndsExactlyAtTheMemorysEnd() {
        long superblock = BinIndex.DEFAULT.superblockByteSize();
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator allocator = BinnedAllocator.builder(memory).metadataOffset(PAGE - superblock).build();
        memory.grow(1);
        assertEquals(8, allocator.claim(0, 32_000));
        allocator.verify();
    }

    @Test
    void aRelocatedFirstClaimMayEndAtTheMemorysEnd() {
        LinearMemory memory = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator allocator = Allocator.binned(memory); // pending, without a metadata offset
        memory.grow(2); // someone else's growth: the superblock goes at the region's first page start
        allocator.claim(PAGE, PAGE);
        assertEquals(PAGE, allocator.metadataOffset());
        assertEquals(1, allocator.heaps().length);
        allocator.verify();
    }

    @Test
    void aPendingAllocatorGrowsOnceForTheMetadataAndALargeFirstBlock() {
        // Relocating: someone else grew a page first, so the superblock and the block go in pages grown for both.
        LinearMemory relocating = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator moved = Allocator.binned(relocating);
        relocating.grow(1);
        long offset = moved.allocate(200_000);
        fill(moved, offset, 200_000);
        assertEquals(PAGE, moved.metadataOffset());
        assertEquals(5, relocating.pageCount(), "one foreign page and four for 200 KB and the metadata");
        moved.verify();
        // Not relocating (offset 0 given): the page already there counts, and only the pages missing are grown.
        LinearMemory given = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator inPlace = BinnedAllocator.builder(given).metadataOffset(0).build();
        given.grow(1);
        inPlace.allocate(100_000);
        assertEquals(2, given.pageCount());
        inPlace.verify();
    }

    @Test
    void aPendingAllocatorWhoseRelocationGrowIsRefusedStaysPending() {
        LinearMemory memory = track(LinearMemory.ofFaultInjecting(LinearMemory.ofNative(8L << 20), call -> call == 1));
        BinnedAllocator allocator = Allocator.binned(memory);
        memory.grow(1); // call 0: someone else's page
        assertEquals(Allocator.NULL, allocator.tryAllocate(1000, 8), "call 1, the relocation's grow, is refused");
        assertEquals(0, allocator.heaps().length);
        assertEquals(1, memory.pageCount());
        long offset = allocator.allocate(1000); // call 2 succeeds
        fill(allocator, offset, 1000);
        assertEquals(PAGE, allocator.metadataOffset());
        allocator.verify();
    }

    @Test
    void aPendingAllocatorGrowsForTheHeapsOverheadToo() {
        // Sizes chosen so that the superblock, the heap's 32 bytes of overhead (header, pad, sentinel) and the block
        // end 16 bytes into a page: leaving out the overhead would grow one page too few, and the block would not fit.
        long superblock = BinIndex.DEFAULT.superblockByteSize();
        long overhead = BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE;
        LinearMemory relocating = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator moved = Allocator.binned(relocating);
        relocating.grow(1); // someone else's page: the superblock moves to the pages grown next
        long chunk = 4 * PAGE + 16 - superblock - overhead;
        long offset = moved.allocate(chunk - BinnedLayout.HEADER_BYTE_SIZE);
        assertEquals(1 + 5, relocating.pageCount());
        fill(moved, offset, chunk - BinnedLayout.HEADER_BYTE_SIZE);
        moved.verify();
        LinearMemory given = track(LinearMemory.ofNative(8L << 20));
        BinnedAllocator inPlace = BinnedAllocator.builder(given).metadataOffset(0).build();
        given.grow(1); // the caller's page, which the allocator at offset 0 uses
        chunk = 2 * PAGE + 16 - superblock - overhead;
        inPlace.allocate(chunk - BinnedLayout.HEADER_BYTE_SIZE);
        assertEquals(3, given.pageCount());
        inPlace.verify();
    }
}
