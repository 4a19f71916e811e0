package dev.offcut.internal.binned;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import static dev.offcut.internal.binned.BinnedLayout.ALLOCATED;
import static dev.offcut.internal.binned.BinnedLayout.CHECK_MASK;
import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static dev.offcut.internal.binned.BinnedLayout.FREE_NEXT;
import static dev.offcut.internal.binned.BinnedLayout.FREE_PREV;
import static dev.offcut.internal.binned.BinnedLayout.HEADER_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_END;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_NEXT;
import static dev.offcut.internal.binned.BinnedLayout.MIN_CHUNK_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.NULL;
import static dev.offcut.internal.binned.BinnedLayout.PREV_FREE;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_COUNT_SHIFT;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_LIMIT;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_LINK_MASK;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_MARK;
import static dev.offcut.internal.binned.BinnedLayout.SB_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_FIRST_HEAP;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAPS_HIGH;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAPS_LOW;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_MAGIC;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATION_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.SIZE_MASK;
import static dev.offcut.internal.binned.BinnedLayout.binHeadAt;
import static dev.offcut.internal.binned.BinnedLayout.bitmapWordAt;
import static dev.offcut.internal.binned.BinnedLayout.footerAt;
import static dev.offcut.internal.binned.BinnedLayout.get;
import static dev.offcut.internal.binned.BinnedLayout.requestedByteSize;
import static dev.offcut.internal.binned.BinnedLayout.sentinel;
import static dev.offcut.internal.binned.BinnedLayout.slack;

/**
 * The integrity checks of a binned allocator's memory: the reopen walk, which rebuilds the store's counters and
 * refuses corrupt metadata with IllegalArgumentException, and {@code verify()}, which checks every invariant of the
 * package's list and throws IllegalStateException. Both share one walk of the bin and quick lists
 * ({@link #walkLists}). Reads only, except the counters {@link #openCounters} sets; static functions of the
 * {@link ChunkStore} checked.
 */
final class BinnedCheck {

    private BinnedCheck() {
    }

    /**
     * For a reopened allocator: rebuilds the counters that live in this object from one walk of the heaps, then walks
     * the bin and quick lists, and refuses with IllegalArgumentException every corruption that the hot paths would
     * otherwise turn into damage, and every one that {@link #verify} would refuse: whatever {@code open} accepts,
     * {@code verify()} accepts. The heap walk checks a bounded, ordered heap list inside the memory and off the
     * superblock; chunks that tile each heap; every header's check bits, its SENTINEL bit clear, its PREV_FREE flag
     * against the chunk below, an allocated chunk's slack in range, a free chunk's exact header word and its footer,
     * no two adjacent free chunks; each heap's exact sentinel word; the heap bounds, heap count and claimed bytes
     * against the walk, and totals no smaller than what is live. The list walk ({@link #walkLists}, shared with
     * verify) checks every link to a tagged chunk of its list's kind, and the lists must hold exactly the chunks the
     * heap walk found: as many, and the same set (a sum of a mix of their offsets, so no set is built). O(chunks),
     * allocating nothing per chunk or heap (one small tally object per open).
     */
    static void openCounters(ChunkStore c) {
        MemorySegment s = c.seg;
        long parkedCount = 0;
        long liveCount = 0;
        long liveBytes = 0;
        long heapCount = 0;
        long claimed = c.metaSize;
        long freeSet = 0;   // sum of spread(chunk) over the free chunks found, to compare with the bins' set
        long parkedSet = 0; // the same over the parked chunks, for the quick lists
        long low = Long.MAX_VALUE;
        long high = 0;
        // Every word is range-checked before it is read: a corrupt list must fail with this exception, not with the
        // segment's IndexOutOfBoundsException. Heaps are ordered and disjoint (heap >= the previous end), so the
        // walk also ends on a cyclic list.
        for (long heap = c.counter(s, SB_FIRST_HEAP); heap != NULL; heap = get(s, heap + HEAP_NEXT)) {
            if (heap < high || (heap & 7) != 0 || heap > s.byteSize() - BinnedLayout.SMALLEST_HEAP_BYTE_SIZE) {
                throw new IllegalArgumentException("corrupt binned-allocator heap list: heap offset " + heap
                        + " is not an 8-aligned offset above the previous heap's end " + high + " and inside the "
                        + s.byteSize() + "-byte memory");
            }
            long end = get(s, heap + HEAP_END);
            if (end > s.byteSize() || end < BinnedLayout.minHeapEnd(heap) || (end & (CHUNK_UNIT - 1)) != 0) {
                throw new IllegalArgumentException("corrupt binned-allocator heap list: heap at offset " + heap
                        + " ends at " + end);
            }
            if (heap < c.meta + c.metaSize && end > c.meta) {
                throw new IllegalArgumentException("corrupt binned-allocator heap list: heap [" + heap + ", " + end
                        + ") overlaps the metadata at offset " + c.meta);
            }
            low = Math.min(low, heap);
            high = end;
            heapCount++;
            claimed += end - heap;
            long sentinelAt = end - SENTINEL_BYTE_SIZE;
            boolean previousFree = false;
            long chunk = BinnedLayout.firstChunk(heap);
            while (chunk < sentinelAt) {
                long header = get(s, chunk);
                long size = header & SIZE_MASK;
                if (size < MIN_CHUNK_BYTE_SIZE || size > sentinelAt - chunk || (size & (CHUNK_UNIT - 1)) != 0) {
                    throw corruptChunk(c, chunk, "size " + size + " does not tile the heap [" + heap + ", " + end
                            + ")");
                }
                if ((header & CHECK_MASK) != c.check(chunk, size) || (header & SENTINEL) != 0) {
                    throw corruptChunk(c, chunk, "the header's check bits do not match its position");
                }
                // free and coalesce trust PREV_FREE to find a free chunk's footer below, and merge into it.
                if (((header & PREV_FREE) != 0) != previousFree) {
                    throw corruptChunk(c, chunk, "the PREV_FREE flag disagrees with the chunk below");
                }
                if ((header & ALLOCATED) == 0) {
                    if (previousFree) {
                        throw corruptChunk(c, chunk, "two free chunks are adjacent");
                    }
                    if (header != BinnedLayout.freeHeader(size, c.check(chunk, size))) {
                        throw corruptChunk(c, chunk, "a free chunk's header has flag or slack bits set");
                    }
                    if (get(s, BinnedLayout.footerAt(chunk, size)) != size) {
                        throw corruptChunk(c, chunk, "the free chunk's footer " + get(s, footerAt(chunk, size))
                                + " differs from its size " + size);
                    }
                    c.fragmentCount++;
                    c.freeChunkBytes += size;
                    freeSet += spread(chunk);
                    previousFree = true;
                } else if ((header & QUICK_MARK) != QUICK_MARK) {
                    long slack = slack(header);
                    if (slack > size - HEADER_BYTE_SIZE || slack > BinnedLayout.MAX_SLACK) {
                        throw corruptChunk(c, chunk, "the allocated chunk's slack " + slack + " exceeds min(its size "
                                + size + " - 8, " + BinnedLayout.MAX_SLACK + ")");
                    }
                    liveCount++;
                    liveBytes += requestedByteSize(header);
                    previousFree = false;
                } else {
                    parkedCount++;
                    parkedSet += spread(chunk);
                    previousFree = false;
                }
                chunk += size;
            }
            // The sentinel stops every merge at the heap's end and names the heap a parent source's free gives back.
            if (get(s, sentinelAt) != c.sentinel(heap, end, previousFree ? PREV_FREE : 0)) {
                throw corruptChunk(c, sentinelAt, "the heap's end sentinel is missing or wrong");
            }
        }
        if (c.counter(s, SB_HEAPS_LOW) != low || c.counter(s, SB_HEAPS_HIGH) != high) {
            throw new IllegalArgumentException("corrupt binned-allocator metadata at offset " + c.meta
                    + ": the heap bounds [" + c.counter(s, SB_HEAPS_LOW) + ", " + c.counter(s, SB_HEAPS_HIGH)
                    + ") are not the heap list's [" + low + ", " + high + ")");
        }
        // heaps() sizes its array by the heap count; stats() reports the rest.
        if (c.counter(s, SB_HEAP_COUNT) != heapCount || c.counter(s, SB_CLAIMED_BYTES) != claimed) {
            throw new IllegalArgumentException("corrupt binned-allocator metadata at offset " + c.meta
                    + ": the heap count " + c.counter(s, SB_HEAP_COUNT) + " and claimed bytes "
                    + c.counter(s, SB_CLAIMED_BYTES) + " are not the heap list's " + heapCount + " and " + claimed);
        }
        if (c.counter(s, SB_TOTAL_HEAP_COUNT) < heapCount || c.counter(s, SB_TOTAL_CLAIMED_BYTES) < claimed
                || c.counter(s, SB_TOTAL_ALLOCATION_COUNT) < liveCount
                || c.counter(s, SB_TOTAL_ALLOCATED_BYTES) < liveBytes) {
            throw new IllegalArgumentException("corrupt binned-allocator metadata at offset " + c.meta
                    + ": a total counter is below its current value (" + heapCount + " heaps, " + claimed
                    + " bytes claimed, " + liveCount + " live blocks of " + liveBytes + " bytes)");
        }
        // The lists: every link checked, and together they must hold exactly the chunks this walk found. With the
        // bound on bin links, a cyclic or overlong list fails before the count is compared.
        ListTally listed = new ListTally();
        walkLists(c, s, low, high - SENTINEL_BYTE_SIZE, c.fragmentCount, true, listed);
        if (listed.binnedCount != c.fragmentCount || listed.parkedCount != parkedCount) {
            throw invalid(c, true, "the bins list " + listed.binnedCount + " chunks and the quick lists "
                    + listed.parkedCount + ", the heaps hold " + c.fragmentCount + " free and " + parkedCount
                    + " parked ones", c.headsBase);
        }
        if (listed.binnedSet != freeSet || listed.parkedSet != parkedSet) {
            throw invalid(c, true, "the bins and quick lists do not hold the heaps' free and parked chunks (as many, "
                    + "but others)", c.headsBase);
        }
        c.totalAllocationCount = c.counter(s, SB_TOTAL_ALLOCATION_COUNT);
        c.totalAllocatedBytes = c.counter(s, SB_TOTAL_ALLOCATED_BYTES);
        c.freedCount = c.totalAllocationCount - liveCount;
        c.freedBytes = c.totalAllocatedBytes - liveBytes;
    }

    /** Counts the listed chunks of open's list walk, and sums {@link #spread} of their offsets. */
    private static final class ListTally implements ListedChunks {
        long binnedCount;
        long parkedCount;
        long binnedSet;
        long parkedSet;

        @Override
        public void binned(long chunk, long size, int bin) {
            binnedCount++;
            binnedSet += spread(chunk);
        }

        @Override
        public void parked(long chunk, long size) {
            parkedCount++;
            parkedSet += spread(chunk);
        }
    }

    /**
     * Spreads a chunk offset over 64 bits (a variant of SplitMix64's finalizer), so that a sum over a set of chunks
     * differs for two different sets of the same size except by a 2<sup>-64</sup> chance: open compares sets
     * without building one.
     */
    static long spread(long chunk) {
        long z = (chunk ^ (chunk >>> 33)) * 0xFF51_AFD7_ED55_8CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CE_B9FE_1A85_EC53L;
        return z ^ (z >>> 33);
    }

    private static IllegalArgumentException corruptChunk(ChunkStore c, long chunk, String what) {
        return new IllegalArgumentException("corrupt binned-allocator chunk at offset " + chunk + " (metadata at "
                + c.meta + "): " + what);
    }

    /** What a list walk reports for each listed chunk (see {@link #walkLists}). */
    interface ListedChunks {
        /** A free chunk of {@code size} bytes in bin {@code bin}, its tag, bin and back link checked. */
        void binned(long chunk, long size, int bin);

        /** A parked chunk of {@code size} bytes in that size's quick list, its tag checked. */
        void parked(long chunk, long size);
    }

    /**
     * Walks every bin and quick list once, for both {@code open} and {@link #verify}: each bin's bitmap bit against
     * its head; each bin link to a chunk at 8 mod 16 inside {@code [low, high)} with a free chunk's header (tag,
     * size, bin) and the back link it should have; each quick list's links to parked chunks of its size, exactly as
     * many as its count word says (at most QUICK_LIMIT). At most {@code maxBinned} bin links are followed, which ends
     * the walk of a cyclic list. Each listed chunk is reported to {@code listed}, which does the caller's own
     * bookkeeping. A failure is {@link #invalid}: IllegalArgumentException when opening, IllegalStateException from
     * verify. Reads only; allocates nothing.
     */
    static void walkLists(ChunkStore c, MemorySegment s, long low, long high, long maxBinned, boolean opening,
            ListedChunks listed) {
        long binnedCount = 0;
        for (int bin = 0; bin < c.binCount; bin++) {
            long headAt = binHeadAt(c.headsBase, bin);
            long head = get(s, headAt);
            boolean bit = (get(s, bitmapWordAt(c.bitmapBase, bin)) & (1L << bin)) != 0;
            if (bit != (head != NULL)) {
                throw invalid(c, opening, "bitmap bit " + bin + " is " + bit + " but the bin's head is " + head,
                        headAt);
            }
            long prev = NULL;
            for (long chunk = head; chunk != NULL; chunk = get(s, chunk + FREE_NEXT)) {
                if (++binnedCount > maxBinned) {
                    throw invalid(c, opening, "bin " + bin + " list has a cycle or more than the " + maxBinned
                            + " chunks there can be", chunk);
                }
                if (chunk < low || chunk > high - MIN_CHUNK_BYTE_SIZE
                        || (chunk & (CHUNK_UNIT - 1)) != HEADER_BYTE_SIZE) {
                    throw invalid(c, opening, "bin " + bin + " links to " + chunk + ", not a chunk offset inside ["
                            + low + ", " + high + ")", chunk);
                }
                long header = get(s, chunk);
                long size = header & SIZE_MASK;
                if ((header & (ALLOCATED | PREV_FREE | SENTINEL)) != 0
                        || (header & CHECK_MASK) != c.check(chunk, size)) {
                    throw invalid(c, opening, "chunk in bin " + bin + " does not have a free chunk's header", chunk);
                }
                if (size < MIN_CHUNK_BYTE_SIZE || size > high - chunk) {
                    throw invalid(c, opening, "free chunk size " + size + " out of range", chunk);
                }
                if (c.bins.binOf(size) != bin) {
                    throw invalid(c, opening, "free chunk of size " + size + " is in bin " + bin + ", belongs in bin "
                            + c.bins.binOf(size), chunk);
                }
                if (get(s, chunk + FREE_PREV) != prev) {
                    throw invalid(c, opening, "free chunk's prev link " + get(s, chunk + FREE_PREV) + " is not " + prev,
                            chunk);
                }
                listed.binned(chunk, size, bin);
                prev = chunk;
            }
        }
        for (long size = MIN_CHUNK_BYTE_SIZE; size <= c.bins.quickMaxChunkSize; size += CHUNK_UNIT) {
            long headAt = c.quickBase + BinnedLayout.quickHeadOffset(size);
            long head = get(s, headAt);
            long count = head >>> QUICK_COUNT_SHIFT;
            if (size > c.quickMax && head != NULL) {
                throw invalid(c, opening, "quick list of size " + size + " is in use with quick lists disabled",
                        headAt);
            }
            if (count > QUICK_LIMIT) {
                throw invalid(c, opening, "quick list of size " + size + " counts " + count + " chunks, more than "
                        + QUICK_LIMIT, headAt);
            }
            long n = 0;
            for (long chunk = head & QUICK_LINK_MASK; chunk != NULL; chunk = get(s, chunk + FREE_NEXT)) {
                if (++n > count) {
                    throw invalid(c, opening, "quick list of size " + size + " holds more than the " + count
                            + " chunks it counts", headAt);
                }
                if (chunk < low || chunk > high - size || (chunk & (CHUNK_UNIT - 1)) != HEADER_BYTE_SIZE) {
                    throw invalid(c, opening, "quick list of size " + size + " links to " + chunk
                            + ", not a chunk offset inside [" + low + ", " + high + ")", chunk);
                }
                long header = get(s, chunk);
                if ((header & (ALLOCATED | SENTINEL | QUICK_MARK)) != (ALLOCATED | QUICK_MARK)
                        || (header & SIZE_MASK) != size || (header & CHECK_MASK) != c.check(chunk, size)) {
                    throw invalid(c, opening, "chunk in the quick list of size " + size
                            + " is not a parked chunk of that size", chunk);
                }
                listed.parked(chunk, size);
            }
            if (n != count) {
                throw invalid(c, opening, "quick list of size " + size + " counts " + count + " chunks but holds " + n,
                        headAt);
            }
        }
    }

    /**
     * A failed check: from {@code open}, the memory's metadata is corrupt (IllegalArgumentException, the memory was
     * the argument); from {@link #verify}, this allocator's state is broken (IllegalStateException).
     */
    static RuntimeException invalid(ChunkStore c, boolean opening, String what, long offset) {
        return opening
                ? new IllegalArgumentException("corrupt binned-allocator metadata at offset " + c.meta + ": " + what
                        + " (at offset " + offset + ")")
                : broken(what, offset);
    }

    static void verify(ChunkStore c) {
        if (!c.ready) {
            return; // nothing is written yet
        }
        MemorySegment s = c.refresh();
        if (get(s, c.meta + SB_MAGIC) != BinnedLayout.MAGIC) {
            throw broken("superblock magic", c.meta);
        }
        // Bins and quick lists (walkLists checks each link); here each listed chunk is recorded once, so that the
        // heap walk below finds every free and parked chunk listed, and nothing else listed.
        Map<Long, Integer> binned = new HashMap<>();
        Map<Long, Long> parked = new HashMap<>();
        long[] freeBytesInBins = new long[1];
        walkLists(c, s, 0, s.byteSize(), s.byteSize() / MIN_CHUNK_BYTE_SIZE, false, new ListedChunks() {
            @Override
            public void binned(long chunk, long size, int bin) {
                if (binned.put(chunk, bin) != null) {
                    throw broken("free chunk listed twice (bin " + bin + ")", chunk);
                }
                if (get(s, footerAt(chunk, size)) != size) {
                    throw broken("free chunk's footer " + get(s, footerAt(chunk, size)) + " differs from its size "
                            + size, chunk);
                }
                freeBytesInBins[0] += size;
            }

            @Override
            public void parked(long chunk, long size) {
                if (parked.put(chunk, size) != null) {
                    throw broken("parked chunk listed twice (quick list of size " + size + ")", chunk);
                }
            }
        });
        // Heaps: ascending, disjoint, in the memory, outside the superblock; chunks tile them.
        long liveCount = 0;
        long liveBytes = 0;
        long freeCount = 0;
        long freeBytes = 0;
        long heapCount = 0;
        long claimed = c.metaSize;
        long previousEnd = -1;
        long low = Long.MAX_VALUE;
        long high = 0;
        HeapIndex index = c.heapIndexIfBuilt(); // a cache of the list, if a heap operation built it
        for (long heap = c.counter(s, SB_FIRST_HEAP); heap != NULL; heap = get(s, heap + HEAP_NEXT)) {
            // Range-check the link before reading through it, as open does: a corrupt list is a broken invariant
            // (IllegalStateException), not the segment's IndexOutOfBoundsException.
            if (heap < 0 || (heap & 7) != 0 || heap > s.byteSize() - BinnedLayout.SMALLEST_HEAP_BYTE_SIZE) {
                throw broken("heap list links to " + heap + ", not an 8-aligned heap offset inside the "
                        + s.byteSize() + "-byte memory", heap);
            }
            long end = get(s, heap + HEAP_END);
            if ((end & (CHUNK_UNIT - 1)) != 0 || end < BinnedLayout.minHeapEnd(heap) || end > s.byteSize()) {
                throw broken("heap bounds [" + heap + ", " + end + ") invalid", heap);
            }
            if (heap < previousEnd) {
                throw broken("heaps out of order or overlapping", heap);
            }
            if (heap < c.meta + c.metaSize && end > c.meta) {
                throw broken("heap overlaps the superblock", heap);
            }
            if (++heapCount > s.byteSize() / BinnedLayout.SMALLEST_HEAP_BYTE_SIZE) {
                throw broken("heap list has a cycle", heap);
            }
            if (index != null && !index.contains(heap)) {
                throw broken("the allocator's heap index lacks the heap", heap);
            }
            previousEnd = end;
            low = Math.min(low, heap);
            high = Math.max(high, end);
            claimed += end - heap;
            long sentinelAt = end - SENTINEL_BYTE_SIZE;
            boolean previousFree = false;
            long chunk = BinnedLayout.firstChunk(heap);
            while (chunk < sentinelAt) {
                long header = get(s, chunk);
                long size = header & SIZE_MASK;
                if ((header & CHECK_MASK) != c.check(chunk, size) || (header & SENTINEL) != 0) {
                    throw broken("chunk header's check bits do not match its position", chunk);
                }
                if (size < MIN_CHUNK_BYTE_SIZE || (size & (CHUNK_UNIT - 1)) != 0 || chunk + size > sentinelAt) {
                    throw broken("chunk size " + size + " does not tile the heap [" + heap + ", " + end + ")", chunk);
                }
                if (((header & PREV_FREE) != 0) != previousFree) {
                    throw broken("PREV_FREE flag disagrees with the chunk below", chunk);
                }
                if ((header & QUICK_MARK) == QUICK_MARK && (header & ALLOCATED) != 0) {
                    if (parked.remove(chunk) == null) {
                        throw broken("chunk marked parked is in no quick list", chunk);
                    }
                    previousFree = false;
                } else if ((header & ALLOCATED) != 0) {
                    long slack = slack(header);
                    if (slack > size - HEADER_BYTE_SIZE || slack > BinnedLayout.MAX_SLACK) {
                        throw broken("allocated chunk's slack " + slack + " exceeds min(its size " + size
                                + " - 8, " + BinnedLayout.MAX_SLACK + ")", chunk);
                    }
                    liveCount++;
                    liveBytes += size - HEADER_BYTE_SIZE - slack;
                    previousFree = false;
                } else {
                    if (previousFree) {
                        throw broken("two free chunks are adjacent", chunk);
                    }
                    Integer bin = binned.remove(chunk);
                    if (bin == null) {
                        throw broken("free chunk of size " + size + " is in no bin", chunk);
                    }
                    freeCount++;
                    freeBytes += size;
                    previousFree = true;
                }
                chunk += size;
            }
            long sentinel = get(s, sentinelAt);
            if (chunk != sentinelAt || sentinel != c.sentinel(heap, end, previousFree ? PREV_FREE : 0)) {
                throw broken("heap's end sentinel is missing or wrong", sentinelAt);
            }
        }
        if (!parked.isEmpty()) {
            throw broken("parked chunk lies in no heap's chunk sequence", parked.keySet().iterator().next());
        }
        if (!binned.isEmpty()) {
            long stray = binned.keySet().iterator().next();
            throw broken("binned free chunk lies in no heap's chunk sequence", stray);
        }
        if (c.counter(s, SB_TOTAL_ALLOCATION_COUNT) != c.totalAllocationCount
                || c.counter(s, SB_TOTAL_ALLOCATED_BYTES) != c.totalAllocatedBytes) {
            throw broken("the superblock's totals (allocationCount, allocatedBytes) differ from this allocator's "
                    + "write-through copies: another object wrote this superblock", c.meta + SB_TOTAL_ALLOCATION_COUNT);
        }
        long storedCount = c.counter(s, SB_TOTAL_ALLOCATION_COUNT) - c.freedCount;
        if (storedCount != liveCount) {
            throw broken("counter allocationCount (totalAllocationCount - freed) is " + storedCount
                    + " but the walk finds " + liveCount, c.meta + SB_TOTAL_ALLOCATION_COUNT);
        }
        long storedBytes = c.counter(s, SB_TOTAL_ALLOCATED_BYTES) - c.freedBytes;
        if (storedBytes != liveBytes) {
            throw broken("counter allocatedBytes (totalAllocatedBytes - freed) is " + storedBytes
                    + " but the walk finds " + liveBytes, c.meta + SB_TOTAL_ALLOCATED_BYTES);
        }
        if (c.fragmentCount != freeCount) {
            throw broken("counter fragmentCount is " + c.fragmentCount + " but the walk finds " + freeCount, c.meta);
        }
        if (c.freeChunkBytes != freeBytes) {
            throw broken("counter of free chunk bytes is " + c.freeChunkBytes + " but the walk finds " + freeBytes,
                    c.meta);
        }
        if (index != null && index.size() != heapCount) {
            throw broken("the allocator's heap index holds " + index.size() + " heaps, the list " + heapCount,
                    c.meta + SB_FIRST_HEAP);
        }
        verifyCounter(c, s, SB_HEAP_COUNT, "heapCount", heapCount);
        verifyCounter(c, s, SB_CLAIMED_BYTES, "claimedBytes", claimed);
        verifyCounter(c, s, SB_HEAPS_LOW, "lowest heap offset", low);
        verifyCounter(c, s, SB_HEAPS_HIGH, "highest heap end", high);
        if (c.heapsLow != low || c.heapsHigh != high) {
            throw broken("the allocator's copy of the heaps' span [" + c.heapsLow + ", " + c.heapsHigh
                    + ") differs from the heaps' [" + low + ", " + high + ")", c.meta + SB_HEAPS_LOW);
        }
        if (freeBytesInBins[0] != freeBytes) {
            throw broken("bins hold " + freeBytesInBins[0] + " bytes, heaps' free chunks " + freeBytes, c.meta);
        }
        if (c.freedCount < 0 || c.freedBytes < 0
                || c.counter(s, SB_TOTAL_HEAP_COUNT) < heapCount || c.counter(s, SB_TOTAL_CLAIMED_BYTES) < claimed) {
            throw broken("a total counter is below its current value", c.meta + SB_TOTAL_ALLOCATION_COUNT);
        }
    }

    static void verifyCounter(ChunkStore c, MemorySegment s, int field, String name, long walked) {
        long stored = c.counter(s, field);
        if (stored != walked) {
            throw broken("counter " + name + " is " + stored + " but the walk finds " + walked, c.meta + field);
        }
    }

    static IllegalStateException broken(String invariant, long offset) {
        return new IllegalStateException("binned allocator invariant broken at offset " + offset + ": " + invariant);
    }
}
