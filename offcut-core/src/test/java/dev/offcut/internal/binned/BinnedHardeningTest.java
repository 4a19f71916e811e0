package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The defects an adversarial review of the binned allocator found (issue 13, "Defects"), one test or more each; every
 * test here failed before its fix. Corruption is made by writing words of the memory directly, as a stray write or a
 * flipped bit would.
 */
class BinnedHardeningTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    static long word(LinearMemory memory, long offset) {
        return memory.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    static void putWord(LinearMemory memory, long offset, long value) {
        memory.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
    }

    static void assertMessageNames(RuntimeException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(part),
                    () -> "the message should name \"" + part + "\": " + e.getMessage());
        }
    }

    // Defect 6 ------------------------------------------------------------------------------------------------------

    @Test
    void aMetadataOffsetWithNoRoomForTheMetadataInTheMemorysMaximumIsRefused() {
        for (Binning binning : Binning.values()) {
            for (MemorySource source : new MemorySource[] {MemorySource.growAndExtend(), MemorySource.manual()}) {
                LinearMemory memory = LinearMemory.ofHeap(4 * PAGE, PAGE);
                long superblock = BinIndex.of(binning).superblockByteSize();
                for (long offset : new long[] {Long.MAX_VALUE & -64, (Long.MAX_VALUE - superblock) & -64,
                        4 * PAGE - superblock + 64}) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> BinnedAllocator.builder(memory).binning(binning).source(source)
                                    .metadataOffset(offset).build());
                    assertMessageNames(e, "metadataOffset", String.valueOf(offset));
                }
                // The last place the maximum holds is accepted (a growing source grows to it with the first
                // allocation; a manual one needs the bytes now).
                long last = (4 * PAGE - superblock) & -64;
                if (source == MemorySource.growAndExtend()) {
                    assertEquals(last, BinnedAllocator.builder(memory).binning(binning).source(source)
                            .metadataOffset(last).build().metadataOffset());
                } else {
                    assertThrows(IllegalStateException.class, () -> BinnedAllocator.builder(memory)
                            .binning(binning).source(source).metadataOffset(last).build());
                }
            }
        }
    }

    // Defect 5 ------------------------------------------------------------------------------------------------------

    @Test
    void verifyOnACorruptHeapListThrowsIllegalStateException() {
        for (long bad : new long[] {1L << 40, Long.MAX_VALUE - 7, -8, 4 * PAGE - 8, 4 * PAGE + 8, 12}) {
            for (boolean first : new boolean[] {true, false}) {
                LinearMemory memory = BinnedTesting.fixed(4 * PAGE);
                BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
                long heap = a.claim(PAGE, PAGE);
                a.claim(2 * PAGE, PAGE);
                a.allocate(100);
                long at = first ? a.metadataOffset() + BinnedLayout.SB_FIRST_HEAP : heap + BinnedLayout.HEAP_NEXT;
                putWord(memory, at, bad);
                IllegalStateException e = assertThrows(IllegalStateException.class, a::verify,
                        () -> "heap link " + bad);
                assertMessageNames(e, "heap");
            }
        }
    }

    // Defects 2 and 4: open() checks what the hot paths and heaps() trust -----------------------------------------

    /** Opens the memory's allocator (metadata at 0, a manual source). */
    private static BinnedAllocator reopen(LinearMemory memory) {
        return BinnedAllocator.builder(memory).source(MemorySource.manual()).open();
    }

    @Test
    void openRefusesAFreeChunksFooterThatWouldMergeOverALiveBlock() {
        // The review's example: free y between live x and z; add y - x to y's footer; open; free(z); allocate(5000)
        // returned x, a live block.
        LinearMemory memory = BinnedTesting.fixed(4 * PAGE);
        BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
        a.claim(PAGE, 2 * PAGE);
        long x = a.allocate(2000);
        long y = a.allocate(2000);
        long z = a.allocate(2000);
        a.allocate(2000); // keeps z's chunk from merging with the heap's free top
        a.free(y);
        long yChunk = y - 8;
        long footer = yChunk + (word(memory, yChunk) & BinnedLayout.SIZE_MASK) - 8;
        putWord(memory, footer, word(memory, footer) + (y - x));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reopen(memory));
        assertMessageNames(e, "footer", String.valueOf(yChunk));
        assertTrue(z > y);
    }

    @Test
    void openRefusesAFlippedPrevFreeBitAndAClearedSentinelBit() {
        LinearMemory memory = BinnedTesting.fixed(4 * PAGE);
        BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
        long heap = a.claim(PAGE, 2 * PAGE);
        long x = a.allocate(2000);
        a.allocate(2000);
        byte[] clean = BinnedTesting.snapshot(memory);
        // x's chunk is the heap's first: nothing below it is free.
        putWord(memory, x - 8, word(memory, x - 8) | BinnedLayout.PREV_FREE);
        assertMessageNames(assertThrows(IllegalArgumentException.class, () -> reopen(memory)), "PREV_FREE");
        long sentinelAt = heap + a.heapByteSize(heap) - 8;
        MemorySegment.copy(MemorySegment.ofArray(clean), 0, memory.segment(), 0, clean.length);
        putWord(memory, sentinelAt, word(memory, sentinelAt) & ~BinnedLayout.SENTINEL);
        assertMessageNames(assertThrows(IllegalArgumentException.class, () -> reopen(memory)), "sentinel");
        MemorySegment.copy(MemorySegment.ofArray(clean), 0, memory.segment(), 0, clean.length);
        putWord(memory, sentinelAt, word(memory, sentinelAt) ^ BinnedLayout.PREV_FREE);
        assertMessageNames(assertThrows(IllegalArgumentException.class, () -> reopen(memory)), "sentinel");
        MemorySegment.copy(MemorySegment.ofArray(clean), 0, memory.segment(), 0, clean.length);
        reopen(memory).verify();
    }

    @Test
    void openRefusesASlackOutOfRange() {
        LinearMemory memory = BinnedTesting.fixed(4 * PAGE);
        BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
        a.claim(PAGE, 2 * PAGE);
        long x = a.allocate(2000);
        a.allocate(2000);
        putWord(memory, x - 8, word(memory, x - 8) | (50L << BinnedLayout.SLACK_SHIFT));
        assertMessageNames(assertThrows(IllegalArgumentException.class, () -> reopen(memory)), "slack");
    }

    @Test
    void openRefusesAHeapCountOrClaimedBytesThatDisagreeWithTheHeaps() {
        for (int field : new int[] {BinnedLayout.SB_HEAP_COUNT, BinnedLayout.SB_CLAIMED_BYTES,
                BinnedLayout.SB_TOTAL_HEAP_COUNT, BinnedLayout.SB_TOTAL_CLAIMED_BYTES,
                BinnedLayout.SB_TOTAL_ALLOCATION_COUNT, BinnedLayout.SB_TOTAL_ALLOCATED_BYTES}) {
            for (long value : new long[] {-1, 1L << 31, 1L << 34, 0}) {
                LinearMemory memory = BinnedTesting.fixed(4 * PAGE);
                BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
                a.claim(PAGE, PAGE);
                a.claim(2 * PAGE, PAGE);
                a.allocate(100);
                a.allocate(200);
                long at = a.metadataOffset() + field;
                boolean total = field == BinnedLayout.SB_TOTAL_HEAP_COUNT
                        || field == BinnedLayout.SB_TOTAL_CLAIMED_BYTES
                        || field == BinnedLayout.SB_TOTAL_ALLOCATION_COUNT
                        || field == BinnedLayout.SB_TOTAL_ALLOCATED_BYTES;
                if (total && value > 0) {
                    continue; // a total above the current value is a valid history
                }
                putWord(memory, at, value);
                // heaps() used the heap count to size its array: NegativeArraySizeException, or a 16 GiB long[].
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reopen(memory),
                        () -> "field " + field + " = " + value);
                assertMessageNames(e, "corrupt");
            }
        }
    }

    /**
     * The property open() now keeps: whatever it accepts, verify() accepts too (before the fix, 2,563 of 20,000
     * fuzzed reopens opened heaps verify() would refuse). Flips bits of, or adds to, the words that carry the
     * structure (chunk headers, footers, sentinels, heap headers, superblock) of heaps with live, free, parked
     * and aligned blocks; only IllegalArgumentException may come out of open().
     */
    @Test
    void whateverOpenAcceptsVerifyAccepts() {
        SplittableRandom random = new SplittableRandom(13);
        int accepted = 0;
        int refused = 0;
        for (Binning binning : Binning.values()) {
            LinearMemory memory = BinnedTesting.fixed(8 * PAGE);
            BinnedAllocator a = BinnedAllocator.builder(memory).binning(binning).source(MemorySource.manual()).build();
            a.claim(PAGE, 3 * PAGE);
            a.claim(5 * PAGE + 8, 2 * PAGE);
            List<Long> live = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                if (live.isEmpty() || random.nextInt(3) > 0) {
                    long offset = a.tryAllocate(random.nextLong(0, 3000), random.nextInt(6) == 0 ? 256 : 16);
                    if (offset != 0) {
                        live.add(offset);
                    }
                } else {
                    a.free(live.remove(random.nextInt(live.size())));
                }
            }
            long[] words = structuralWords(memory, a);
            byte[] clean = BinnedTesting.snapshot(memory);
            for (int trial = 0; trial < 4000; trial++) {
                MemorySegment.copy(MemorySegment.ofArray(clean), 0, memory.segment(), 0, clean.length);
                long at = words[random.nextInt(words.length)];
                long w = word(memory, at);
                putWord(memory, at, switch (random.nextInt(3)) {
                    case 0 -> w ^ (1L << random.nextInt(64));
                    case 1 -> w + 16L * random.nextLong(-64, 65);
                    default -> w ^ (1L << random.nextInt(8));
                });
                BinnedAllocator opened;
                try {
                    opened = BinnedAllocator.builder(memory).binning(binning).source(MemorySource.manual()).open();
                } catch (IllegalArgumentException e) {
                    refused++;
                    continue;
                }
                accepted++;
                try {
                    opened.verify();
                } catch (IllegalStateException e) {
                    throw new AssertionError("open() accepted a heap verify() refuses (" + binning + ", word at "
                            + at + " was " + w + ", now " + word(memory, at) + "): " + e.getMessage(), e);
                }
            }
        }
        assertTrue(refused > 1000 && accepted > 100, "accepted " + accepted + ", refused " + refused);
    }

    /** The offsets of the words that carry the heaps' structure: superblock, heap headers, chunk headers, footers. */
    static long[] structuralWords(LinearMemory memory, BinnedAllocator a) {
        List<Long> out = new ArrayList<>();
        long meta = a.metadataOffset();
        for (long at = meta; at < meta + 160; at += 8) {
            out.add(at);
        }
        for (long heap : a.heaps()) {
            long end = heap + a.heapByteSize(heap);
            out.add(heap + BinnedLayout.HEAP_END);
            out.add(heap + BinnedLayout.HEAP_NEXT);
            out.add(end - 8);
            for (long chunk = BinnedLayout.firstChunk(heap); chunk < end - 8; ) {
                long header = word(memory, chunk);
                long size = header & BinnedLayout.SIZE_MASK;
                out.add(chunk);
                if ((header & BinnedLayout.ALLOCATED) == 0) {
                    out.add(chunk + size - 8);
                    out.add(chunk + BinnedLayout.FREE_NEXT);
                }
                chunk += size;
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    // Defect 1: the first allocation and another sharer's grow ----------------------------------------------------

    /** A memory whose first grow is preceded by someone else's: one page, filled with 0x5A. */
    private static LinearMemory racingOnFirstGrow(LinearMemory underlying) {
        return LinearMemory.ofFaultInjecting(underlying, call -> {
            if (call == 0) {
                long page = underlying.grow(1);
                underlying.segment().asSlice(page * PAGE, PAGE).fill((byte) 0x5A);
            }
            return false;
        });
    }

    private static void assertOthersPageUntouched(LinearMemory memory) {
        MemorySegment page = memory.segment().asSlice(0, PAGE);
        for (long i = 0; i < PAGE; i++) {
            if (page.get(ValueLayout.JAVA_BYTE, i) != 0x5A) {
                throw new AssertionError("the other sharer's page changed at byte " + i);
            }
        }
    }

    @Test
    void theFirstAllocationPutsTheMetadataInThePagesItsOwnGrowReturned() {
        for (LinearMemory underlying : new LinearMemory[] {LinearMemory.ofHeap(64 * PAGE),
                LinearMemory.ofNative(64 * PAGE)}) {
            LinearMemory racing = racingOnFirstGrow(underlying);
            BinnedAllocator a = BinnedAllocator.builder(racing).build();
            long x = a.allocate(100, 16);
            assertOthersPageUntouched(racing);
            assertEquals(PAGE, a.metadataOffset(), "the metadata is at the start of the allocator's own pages");
            assertTrue(x >= PAGE + BinIndex.DEFAULT.superblockByteSize(), "block " + x);
            a.verify();
            for (long heap : a.heaps()) {
                assertTrue(heap >= PAGE, "heap " + heap + " in the other sharer's page");
            }
            long large = a.allocate(3 * PAGE); // grows again, after the allocator's pages
            a.free(x);
            a.free(large);
            a.verify();
            assertEquals(PAGE, BinnedAllocator.open(racing).metadataOffset());
            assertOthersPageUntouched(racing);
            racing.close();
        }
    }

    @Test
    void anExplicitMetadataOffsetInsideAGrowThatRacedWithTheAllocatorsIsNotWritten() {
        // The caller vouches for the bytes at an explicit offset that exist when the allocator looks; a page someone
        // else grows between that look and the allocator's own grow is not among them.
        LinearMemory underlying = LinearMemory.ofHeap(64 * PAGE);
        LinearMemory racing = racingOnFirstGrow(underlying);
        BinnedAllocator a = BinnedAllocator.builder(racing).metadataOffset(0).build();
        assertEquals(0, a.tryAllocate(100, 16), "the metadata's place is the other sharer's page");
        assertOthersPageUntouched(racing);
        assertEquals(0, a.heaps().length);
        // An explicit offset above the other's page is still honoured, in pages this allocator grew.
        LinearMemory underlying2 = LinearMemory.ofHeap(64 * PAGE);
        LinearMemory racing2 = racingOnFirstGrow(underlying2);
        BinnedAllocator b = BinnedAllocator.builder(racing2).metadataOffset(2 * PAGE).build();
        long x = b.allocate(100, 16);
        assertOthersPageUntouched(racing2);
        assertEquals(2 * PAGE, b.metadataOffset());
        assertTrue(x > 2 * PAGE, "block " + x);
        b.verify();
    }

    // Defect 3: the check bits cover the size ----------------------------------------------------------------------

    @Test
    void oneBitFlipThatMakesAnAllocatedChunkSwallowItsNeighbourIsCaught() {
        LinearMemory memory = BinnedTesting.fixed(4 * PAGE);
        BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
        a.claim(PAGE, PAGE);
        a.free(a.allocate(5000)); // a history of bytes, so that the totals do not give the swallow away
        long x = a.allocate(56);  // a 64-byte chunk
        long y = a.allocate(120); // a 128-byte chunk just above it
        long z = a.allocate(100);
        assertEquals(x + 64, y);
        assertEquals(y + 128, z);
        long xChunk = x - BinnedLayout.HEADER_BYTE_SIZE;
        putWord(memory, xChunk, word(memory, xChunk) ^ 128); // size 64 -> 192: x swallows y
        // Before: open() and verify() of the reopened heap passed, free(y) then freed a block inside x, and the heap
        // handed out overlapping blocks.
        assertMessageNames(assertThrows(IllegalArgumentException.class, () -> reopen(memory)),
                "check bits", String.valueOf(xChunk));
        assertMessageNames(assertThrows(IllegalStateException.class, a::verify), "check bits",
                String.valueOf(xChunk));
        byte[] before = BinnedTesting.snapshot(memory);
        assertThrows(IllegalArgumentException.class, () -> a.free(x), "x's header no longer passes its check");
        assertThrows(IllegalArgumentException.class, () -> a.tryReallocate(x, 10, 16));
        assertArrayEquals(before, BinnedTesting.snapshot(memory));
    }

    @Test
    void everySingleBitFlipOfTheSizeChangesTheCheckBits() {
        SplittableRandom random = new SplittableRandom(5);
        int collisions = 0;
        for (int i = 0; i < 20_000; i++) {
            long chunk = (random.nextLong(1L << 44) & -16) + 8;
            long size = random.nextLong(2, 1L << 40) << 4;
            long salt = random.nextLong();
            long bits = BinnedLayout.checkBits(chunk, size, salt);
            for (int k = 3; k < BinnedLayout.SLACK_SHIFT; k++) {
                long flipped = size ^ (1L << k);
                if (BinnedLayout.checkBits(chunk, flipped, salt) == bits) {
                    throw new AssertionError("flipping bit " + k + " of size " + size + " at " + chunk
                            + " keeps the check bits");
                }
            }
            // Still keyed by position: a word copied to the next chunk offset fails there (but for a 2^-10 chance).
            collisions += BinnedLayout.checkBits(chunk + 16, size, salt) == bits ? 1 : 0;
        }
        assertTrue(collisions < 100, collisions + " of 20,000 words passed at the next chunk offset");
    }

    // Defect 8: a request that can never succeed, and the cost of a failing search ------------------------------

    @Test
    void aRequestTheMemoryCanNeverHoldFailsAtOnceWithoutConsolidating() {
        for (Binning binning : Binning.values()) {
            LinearMemory memory = LinearMemory.ofHeap(64 * PAGE, PAGE);
            BinnedAllocator a = BinnedAllocator.builder(memory).binning(binning).build();
            long x = a.allocate(100);
            a.allocate(100);
            a.free(x); // DEFAULT parks it: only a consolidation would merge it into the bins
            var before = a.stats();
            for (long[] request : new long[][] {{16, 1L << 32}, {64 * PAGE, 16}, {16, 64 * PAGE},
                    {32 * PAGE, 32 * PAGE}, {Allocator.MAX_BYTE_SIZE, 16}}) {
                assertEquals(Allocator.NULL, a.tryAllocate(request[0], request[1]));
                assertThrows(OutOfMemoryError.class, () -> a.allocate(request[0], request[1]));
            }
            assertEquals(before, a.stats(), "no consolidation, no grow: the request failed at once");
            assertEquals(PAGE, memory.byteSize());
            a.verify();
            // The largest request the maximum may hold is still tried (and served).
            long big = a.allocate(62 * PAGE);
            assertTrue(big > 0);
            a.verify();
        }
    }

    /** Fills a fixed heap with [2000-byte block][100-byte block] pairs and frees the 2000s: chunks of 2016 bytes. */
    private static BinnedAllocator manyFreeChunksOfOneSize(LinearMemory memory, List<Long> separators) {
        BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
        a.claim(PAGE, 14 * PAGE);
        List<Long> large = new ArrayList<>();
        for (long offset = a.tryAllocate(2000, 16); offset != 0; offset = a.tryAllocate(2000, 16)) {
            large.add(offset);
            long separator = a.tryAllocate(100, 16);
            if (separator != 0) {
                separators.add(separator);
            }
        }
        while (a.tryAllocate(0, 16) != 0) {
            // take the last crumbs, so that only the freed chunks are free
        }
        large.forEach(a::free);
        return a;
    }

    @Test
    void aRepeatedFailingSearchReadsNoFreeChunkUntilTheFreeSpaceChanges() {
        LinearMemory memory = BinnedTesting.fixed(16 * PAGE);
        List<Long> separators = new ArrayList<>();
        BinnedAllocator a = manyFreeChunksOfOneSize(memory, separators);
        assertTrue(a.stats().fragmentCount() > 400, "fragments " + a.stats().fragmentCount());
        // 2024 bytes need a 2032-byte chunk: the 2016-byte chunks share its bin, so every one is looked at.
        assertEquals(Allocator.NULL, a.tryAllocate(2024, 16));
        // Break the bin's list at its last chunk: a search that walks it reads out of the memory.
        int bin = BinIndex.DEFAULT.binOf(2016);
        long headAt = a.metadataOffset() + BinnedLayout.binHeadsOffset(BinIndex.DEFAULT.binCount) + 8L * bin;
        long last = word(memory, headAt);
        while (word(memory, last + BinnedLayout.FREE_NEXT) != 0) {
            last = word(memory, last + BinnedLayout.FREE_NEXT);
        }
        long broken = last;
        putWord(memory, broken + BinnedLayout.FREE_NEXT, (1L << 40) + 8);
        // Before the fix each call scanned the whole bin again (twice): here it would have thrown.
        assertEquals(Allocator.NULL, a.tryAllocate(2024, 16));
        assertEquals(Allocator.NULL, a.tryAllocate(2030, 16), "a harder request is known to fail too");
        assertEquals(Allocator.NULL, a.tryAllocate(2024, 64), "and a more aligned one");
        putWord(memory, broken + BinnedLayout.FREE_NEXT, 0);
        a.verify();
        // A free changes the free space: the next request is searched again, and served once the freed separator
        // merges its two free neighbours into a chunk that holds it. Never NULL while a fitting chunk exists.
        a.free(separators.get(separators.size() / 2));
        long served = a.tryAllocate(2024, 16);
        assertTrue(served != 0, "a chunk that fits exists after the free");
        a.verify();
    }

    /**
     * Never NULL while a fitting chunk exists: random allocations (some impossible, some aligned), frees, reallocations
     * and heap changes over a manual source; after every NULL, no free chunk of any heap holds the request (the
     * quick lists are consolidated by then).
     */
    @Test
    void aFailedRequestMeansNoFreeChunkFitsIt() {
        SplittableRandom random = new SplittableRandom(21);
        for (Binning binning : Binning.values()) {
            LinearMemory memory = BinnedTesting.fixed(8 * PAGE);
            BinnedAllocator a = BinnedAllocator.builder(memory).binning(binning).source(MemorySource.manual()).build();
            long heap = a.claim(PAGE, 4 * PAGE);
            List<Long> live = new ArrayList<>();
            int failures = 0;
            for (int step = 0; step < 6000; step++) {
                int action = random.nextInt(10);
                if (action < 5) {
                    long byteSize = random.nextInt(4) == 0 ? random.nextLong(0, 40_000) : random.nextLong(0, 3000);
                    long alignment = 1L << random.nextInt(random.nextInt(4) == 0 ? 14 : 5);
                    long offset = a.tryAllocate(byteSize, alignment);
                    if (offset == 0) {
                        failures++;
                        assertNoFreeChunkFits(memory, a, byteSize, alignment);
                    } else {
                        live.add(offset);
                    }
                } else if (action < 8 && !live.isEmpty()) {
                    a.free(live.remove(random.nextInt(live.size())));
                } else if (action < 9 && !live.isEmpty()) {
                    int i = random.nextInt(live.size());
                    long moved = a.tryReallocate(live.get(i), random.nextLong(0, 5000), 16);
                    if (moved != 0) {
                        live.set(i, moved);
                    }
                } else {
                    a.resize(heap, random.nextLong(a.reserved(heap), 4 * PAGE + 1));
                }
            }
            a.verify();
            assertTrue(failures > 300, "failures " + failures);
        }
    }

    private static void assertNoFreeChunkFits(LinearMemory memory, BinnedAllocator a, long byteSize, long alignment) {
        long need = BinnedLayout.chunkSizeFor(byteSize);
        for (long heap : a.heaps()) {
            long end = heap + a.heapByteSize(heap);
            for (long chunk = BinnedLayout.firstChunk(heap); chunk < end - 8; ) {
                long header = word(memory, chunk);
                long size = header & BinnedLayout.SIZE_MASK;
                assertTrue((header & BinnedLayout.QUICK_MARK) != BinnedLayout.QUICK_MARK
                        || (header & BinnedLayout.ALLOCATED) == 0, "a parked chunk after a failed request");
                if ((header & BinnedLayout.ALLOCATED) == 0) {
                    // Every 16-aligned block start in the chunk, at a gap of 0 or at least 32 bytes (a gap becomes a
                    // free chunk).
                    for (long block = chunk + 8; block - 8 + need <= chunk + size; block += 16) {
                        if (block % alignment == 0 && (block == chunk + 8 || block - 8 - chunk >= 32)) {
                            throw new AssertionError("NULL for " + byteSize + " bytes aligned to " + alignment
                                    + ", but the free chunk at " + chunk + " (" + size + " bytes) holds it at "
                                    + block);
                        }
                    }
                }
                chunk += size;
            }
        }
    }

    // Defect 9: heap insertion, removal and lookup do not walk the heap list --------------------------------------

    /**
     * Points the first heap's HEAP_NEXT word out of the memory, runs {@code operations}, restores it. An operation
     * that walks the heap list from its start reads through the broken link and throws; before the fix every heap
     * change did (64,000 parent heaps took 37 s to fill and 15 s to free).
     */
    private static void withTheListBrokenAtItsStart(LinearMemory memory, long firstHeap, Runnable operations) {
        long at = firstHeap + BinnedLayout.HEAP_NEXT;
        long saved = word(memory, at);
        putWord(memory, at, (1L << 40) + 8);
        try {
            operations.run();
        } finally {
            putWord(memory, at, saved);
        }
    }

    @Test
    void claimingExtendingTruncatingAndRemovingAHeapDoNotWalkTheHeapList() {
        LinearMemory memory = BinnedTesting.fixed(64 * PAGE);
        BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
        List<Long> heaps = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            heaps.add(a.claim(PAGE + i * 256L, 192)); // 200 heaps, 64 bytes apart
        }
        long first = heaps.getFirst();
        withTheListBrokenAtItsStart(memory, first, () -> {
            long last = a.claim(2 * PAGE, 4096);                     // insertion after the last heap
            long middle = a.claim(PAGE + 100 * 256L + 192, 64);      // and between two
            assertEquals(8192, a.extend(last, 8192));                // lookup
            long block = a.allocate(5000);                           // served by the last heap
            assertTrue(block > last);
            a.free(block);
            assertEquals(4096, a.truncate(last, 4096));
            assertEquals(0, a.truncate(middle, 0), "an empty heap truncated to 0 is removed");
            assertEquals(192, a.heapByteSize(heaps.get(150)));
            assertThrows(IllegalArgumentException.class, () -> a.heapByteSize(heaps.get(150) + 8));
        });
        a.verify();
        assertEquals(201, a.heaps().length);
    }

    @Test
    void aParentSourcedAllocatorBorrowsAndHandsBackHeapsWithoutWalkingItsHeapList() {
        LinearMemory memory = LinearMemory.ofHeap(1L << 30);
        BinnedAllocator parent = BinnedAllocator.builder(memory).source(MemorySource.growAndClaim()).build();
        BinnedAllocator child = BinnedAllocator.builder(memory).source(MemorySource.fromParent(parent)).build();
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            blocks.add(child.allocate(15_000)); // one 16 KiB heap each
        }
        long[] heaps = child.heaps();
        assertEquals(300, heaps.length);
        withTheListBrokenAtItsStart(memory, heaps[0], () -> {
            for (int i = blocks.size() - 1; i >= 1; i--) {
                child.free(blocks.get(i)); // each empties a heap, which goes back to the parent
            }
            blocks.subList(1, blocks.size()).clear();
            blocks.add(child.allocate(15_000)); // borrows a heap again
        });
        child.verify();
        parent.verify();
        assertEquals(2, child.heaps().length);
    }
}
