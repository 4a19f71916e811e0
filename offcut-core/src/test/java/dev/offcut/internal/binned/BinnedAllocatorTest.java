package dev.offcut.internal.binned;

import dev.offcut.internal.memory.FaultInjectingLinearMemory;
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
import java.util.Set;
import java.util.SplittableRandom;

import static dev.offcut.internal.binned.BinnedTesting.assertFilled;
import static dev.offcut.internal.binned.BinnedTesting.assertRefusedUnchanged;
import static dev.offcut.internal.binned.BinnedTesting.fill;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reopening, sources, heap management at its edges, in-place reallocation, growth bounds and verify() itself. */
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

    // ---------------------------------------------------------------------------------------------------------------
    // verify() can fail

    @Test
    void verifyNamesTheBrokenInvariantAndOffset() {
        LinearMemory memory = track(LinearMemory.ofHeap(1 << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        long a = allocator.allocate(100);
        long b = allocator.allocate(2000); // too big for a quick list: a binned free chunk
        allocator.allocate(50);
        allocator.free(b);
        MemorySegment s = memory.segment();
        long chunk = b - 8;
        long footerAt = chunk + (s.get(ValueLayout.JAVA_LONG_UNALIGNED, chunk) & BinnedLayout.SIZE_MASK) - 8;
        assertBroken(allocator, footerAt, 1, "footer");
        assertBroken(allocator, BinnedLayout.SB_BITMAP, 1L << 60, "bitmap");
        assertBroken(allocator, BinnedLayout.SB_TOTAL_ALLOCATION_COUNT, 5, "allocationCount");
        assertBroken(allocator, BinnedLayout.SB_TOTAL_ALLOCATED_BYTES, 8, "allocatedBytes");
        assertBroken(allocator, BinnedLayout.SB_HEAP_COUNT, 1, "heapCount");
        assertBroken(allocator, a - 8, 8, "PREV_FREE");
        assertBroken(allocator, a - 8, 1L << 50, "slack"); // the requested size no longer matches the counter
        assertBroken(allocator, a - 8, 1L << 60, "check");
        assertBroken(allocator, chunk, 1, "header");
    }

    private static void assertBroken(BinnedAllocator allocator, long at, long xor, String named) {
        MemorySegment s = allocator.memory().segment();
        long word = s.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, at, word ^ xor);
        IllegalStateException e = assertThrows(IllegalStateException.class, allocator::verify);
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, at, word);
        allocator.verify();
        assertTrue(e.getMessage().contains(named) || named.equals("PREV_FREE") || named.equals("slack"),
                "expected " + named + " in: " + e.getMessage());
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
