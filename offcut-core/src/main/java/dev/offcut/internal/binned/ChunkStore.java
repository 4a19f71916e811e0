package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.LinearMemory;
import dev.offcut.internal.Checks;

import java.lang.foreign.MemorySegment;

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
import static dev.offcut.internal.binned.BinnedLayout.SB_BITMAP;
import static dev.offcut.internal.binned.BinnedLayout.SB_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_FIRST_HEAP;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAPS_HIGH;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAPS_LOW;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATION_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.SIZE_MASK;
import static dev.offcut.internal.binned.BinnedLayout.WORD;
import static dev.offcut.internal.binned.BinnedLayout.allocatedHeader;
import static dev.offcut.internal.binned.BinnedLayout.binHeadAt;
import static dev.offcut.internal.binned.BinnedLayout.bitmapWordAt;
import static dev.offcut.internal.binned.BinnedLayout.footerAt;
import static dev.offcut.internal.binned.BinnedLayout.footerBelow;
import static dev.offcut.internal.binned.BinnedLayout.freeHeader;
import static dev.offcut.internal.binned.BinnedLayout.get;
import static dev.offcut.internal.binned.BinnedLayout.put;
import static dev.offcut.internal.binned.BinnedLayout.quickHeadOffset;
import static dev.offcut.internal.binned.BinnedLayout.slack;

/**
 * The mechanism under the binned allocator: its state in Java fields and the chunk writes that keep the layout's
 * invariants ({@link BinnedLayout}). The allocator, its one subclass, decides which chunk serves a request (policy);
 * this class carves it, releases it (park or coalesce), keeps the bins and their bitmap, the quick lists, the heap
 * span's copy and the counters that follow every write. Cold parts ({@link BinnedHeaps}, {@link BinnedCheck},
 * {@link MemorySources}, {@link Superblock}) take a store and never call back up into the allocator.
 *
 * <p>A base class rather than a helper object, so that the hot fields stay fields of {@code this} (no extra load per
 * call) and every hot method is private, static or final (no virtual call on the hot paths). Package-private and
 * abstract, so that only this package subclasses it; not sealed, as a {@code permits} clause would be an arrow back
 * up to the allocator.
 *
 * <p>Conventions: {@code s} is the memory's current segment, read once per call ({@link #segment()}) and again after
 * anything that may grow the memory or call the parent ({@link #refresh()}); words are {@code long}; {@code NULL} is
 * 0.
 */
abstract class ChunkStore {

    final LinearMemory memory;
    final boolean refreshEachCall;
    MemorySegment seg;

    final BinIndex bins;
    final boolean parentSource;
    /** The allocator a parent source borrows from, else {@code null}. */
    final Allocator parent;
    /** The metadata offset M. */
    long meta;
    /** The superblock's byte size S. */
    final long metaSize;
    long salt;
    long bitmapBase;
    long headsBase;
    final int binCount;
    /** The offset of quick list 0's head (chunk size 32); size {@code n}'s is {@code quickHeadOffset(n)} above. */
    long quickBase;
    /** The largest chunk size parked in quick lists; 0 disables them (COMPACT, and parent sources). */
    final long quickMax;
    /** The smallest chunk size that gets a better-fit look ({@link BinIndex#betterFitMinChunkSize}). */
    final long betterFitMin;
    /**
     * False only while a growing allocator waits for its first allocation to grow a memory too small for the
     * superblock; it turns true once, when the superblock is written, and never back.
     */
    boolean ready;
    /**
     * True for a pending allocator built without an explicit metadata offset: if someone else grows the memory
     * before its first allocation, those bytes are theirs, and the superblock moves to pages this allocator grows.
     */
    boolean relocatable;
    /** The memory's byte size when this object was built: bytes above it that it did not grow are someone else's. */
    final long memoryByteSizeAtBuild;
    /**
     * Copies of the superblock's HEAPS_LOW and HEAPS_HIGH words, which only this object's heap management changes
     * ({@link #recomputeBounds}): the range check of every free and reallocation reads these fields instead of two
     * words of linear memory.
     */
    long heapsLow = Long.MAX_VALUE;
    long heapsHigh;
    /**
     * The heaps' offsets as an ordered set (a cache of the heap list; {@link #heapIndex()} builds it on first use),
     * so that heap changes and lookups take O(log heaps), not a walk of the list. Cold paths only.
     */
    private HeapIndex heapIndex;
    /*
     * The counters that a walk of the heaps can rebuild, kept here instead of in linear memory so that a free writes
     * no counter word at all and a binned allocation only the two totals; open() rebuilds them (openCounters).
     * freedCount = totalAllocationCount - live blocks, freedBytes = totalAllocatedBytes - their requested bytes.
     */
    long freedCount;
    long freedBytes;
    /*
     * Write-through copies of the superblock's two totals (TOTAL_ALLOCATION_COUNT, TOTAL_ALLOCATED_BYTES). This object
     * owns the superblock, so the words always equal these fields: an allocation writes the new totals without
     * reading the old ones (two word accesses fewer per allocation); verify() checks that the words still agree.
     */
    long totalAllocationCount;
    long totalAllocatedBytes;
    /** The sum of the binned free chunks' sizes, headers included. */
    long freeChunkBytes;
    /** The number of binned free chunks. */
    long fragmentCount;
    /** The memory's maximum byte size (it never changes): no chunk can be larger. */
    final long memoryMaxByteSize;
    /*
     * A failed search, remembered so that a request at least as hard fails at once until the free space changes
     * (issue 13, defect 8: each failing call scanned every candidate free chunk twice). "At least as hard": a chunk
     * size >= failedNeed and an alignment >= failedAlignment (alignments up to 16 count as 16), since a chunk that
     * fits such a request fits the remembered one too. "Until the free space changes": failedAt is a snapshot of
     * counters that together change whenever a free chunk appears or grows (freeSpaceKey). Read and written only on
     * the slow path, never on the hot ones.
     */
    long failedNeed = Long.MAX_VALUE;
    long failedAlignment = Long.MAX_VALUE;
    long failedAtAllocations;
    long failedAtFrees;
    long failedAtFreedBytes;
    long failedAtAllocatedBytes;
    long failedAtFreeChunkBytes;
    long failedAtHeapChanges;
    /**
     * Counts the changes of free space that no other counter shows: heaps claimed, extended, truncated or removed,
     * and quick lists consolidated. Cold paths only.
     */
    long heapChanges;

    /**
     * Sets up the state for a superblock at {@code meta}: ready (written, or found by open) or pending (not written).
     *
     * @param parent the allocator a parent source borrows from, else {@code null}
     */
    ChunkStore(LinearMemory memory, BinIndex bins, Allocator parent, long meta, long salt, boolean ready) {
        this.memory = memory;
        this.refreshEachCall = !memory.growsInPlace();
        this.seg = memory.segment();
        this.bins = bins;
        this.parentSource = parent != null;
        this.parent = parent;
        this.memoryByteSizeAtBuild = memory.byteSize();
        this.memoryMaxByteSize = memory.maxByteSize();
        this.meta = meta;
        this.metaSize = bins.superblockByteSize();
        this.salt = salt;
        this.bitmapBase = meta + SB_BITMAP;
        this.headsBase = meta + BinnedLayout.binHeadsOffset(bins.binCount);
        this.binCount = bins.binCount;
        this.quickBase = meta + BinnedLayout.quickHeadsOffset(bins.binCount);
        // A parent source hands a heap back when it empties: parked chunks would keep heaps from emptying.
        this.quickMax = parentSource ? 0 : bins.quickMaxChunkSize;
        this.betterFitMin = bins.betterFitMinChunkSize;
        this.ready = ready;
        if (ready) {
            this.heapsLow = seg.get(WORD, meta + SB_HEAPS_LOW);
            this.heapsHigh = seg.get(WORD, meta + SB_HEAPS_HIGH);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Word access

    /** Adds {@code delta} to a superblock counter word. */
    final void add(MemorySegment s, int field, long delta) {
        long at = meta + field;
        s.set(WORD, at, s.get(WORD, at) + delta);
    }

    /** Reads a superblock counter word. */
    final long counter(MemorySegment s, int field) {
        return s.get(WORD, meta + field);
    }

    final MemorySegment segment() {
        MemorySegment s = seg;
        if (refreshEachCall) {
            s = memory.segment();
            seg = s;
        }
        return s;
    }

    final MemorySegment refresh() {
        MemorySegment s = memory.segment();
        seg = s;
        return s;
    }

    /** The check bits of a header word at {@code chunk} whose size bits are {@code size} (BinnedLayout.checkBits). */
    final long check(long chunk, long size) {
        return BinnedLayout.checkBits(chunk, size, salt);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bins (the bitmap and the bin lists) and the better-fit look

    /** Returns the first non-empty bin at or above {@code bin}, or -1. */
    final int firstNonEmptyBin(MemorySegment s, int bin) {
        int word = bin >>> 6;
        long bits = get(s, bitmapBase + 8L * word) & (-1L << bin);
        while (bits == 0) {
            if (++word == bins.bitmapWordCount) {
                return -1;
            }
            bits = get(s, bitmapBase + 8L * word);
        }
        return (word << 6) + Long.numberOfTrailingZeros(bits);
    }

    private void setBit(MemorySegment s, int bin) {
        long at = bitmapWordAt(bitmapBase, bin);
        put(s, at, get(s, at) | (1L << bin));
    }

    private void clearBit(MemorySegment s, int bin) {
        long at = bitmapWordAt(bitmapBase, bin);
        put(s, at, get(s, at) & ~(1L << bin));
    }

    /** Writes a free chunk's header and footer. */
    final void writeFree(MemorySegment s, long chunk, long size) {
        put(s, chunk, freeHeader(size, check(chunk, size)));
        put(s, footerAt(chunk, size), size);
    }

    /** Pushes a free chunk onto the front of its bin. */
    final void link(MemorySegment s, long chunk, long size) {
        int bin = bins.binOf(size);
        long headAt = binHeadAt(headsBase, bin);
        long head = get(s, headAt);
        put(s, chunk + FREE_NEXT, head);
        put(s, chunk + FREE_PREV, NULL);
        if (head != NULL) {
            put(s, head + FREE_PREV, chunk);
        } else {
            setBit(s, bin);
        }
        put(s, headAt, chunk);
    }

    /** Removes a free chunk from its bin. */
    final void unlink(MemorySegment s, long chunk, long size) {
        long next = get(s, chunk + FREE_NEXT);
        long prev = get(s, chunk + FREE_PREV);
        if (prev == NULL) {
            int bin = bins.binOf(size);
            put(s, binHeadAt(headsBase, bin), next);
            if (next == NULL) {
                clearBit(s, bin);
            }
        } else {
            put(s, prev + FREE_NEXT, next);
        }
        if (next != NULL) {
            put(s, next + FREE_PREV, prev);
        }
    }

    /** Moves a free chunk's place in its bin's list to {@code to}: no bitmap or head search. */
    final void moveListSlot(MemorySegment s, long from, long to, int bin) {
        long next = get(s, from + FREE_NEXT);
        long prev = get(s, from + FREE_PREV);
        put(s, to + FREE_NEXT, next);
        put(s, to + FREE_PREV, prev);
        if (prev == NULL) {
            put(s, binHeadAt(headsBase, bin), to);
        } else {
            put(s, prev + FREE_NEXT, to);
        }
        if (next != NULL) {
            put(s, next + FREE_PREV, to);
        }
    }

    /** How many chunks of a bin a better-fit look examines. */
    static final int FIT_LOOKS = 8;

    /**
     * Looks for a tighter fit than the head of {@code found} (which fits): first the tightest fitting one of the first
     * chunks of the bin below the ceiling bin, whose chunks may or may not fit (every one that fits is smaller than
     * any chunk of {@code found}), else the tightest of the first chunks of {@code found}. Bounded, so allocation
     * stays near-constant time; tighter fits leave larger free chunks whole, which is most of heap efficiency.
     */
    final long betterFit(MemorySegment s, int found, long need, long head, int below) {
        if (below >= bins.linearBinCount && below < binCount
                && (get(s, bitmapWordAt(bitmapBase, below)) & (1L << below)) != 0) {
            long chunk = get(s, binHeadAt(headsBase, below));
            long tightest = NULL;
            long tightestSize = Long.MAX_VALUE;
            for (int i = 0; i < FIT_LOOKS && chunk != NULL; i++) {
                long size = get(s, chunk) & SIZE_MASK;
                if (size >= need && size < tightestSize) {
                    tightest = chunk;
                    tightestSize = size;
                }
                chunk = get(s, chunk + FREE_NEXT);
            }
            if (tightest != NULL) {
                return tightest;
            }
        }
        return tightestInList(s, head, need);
    }

    /**
     * Returns the tightest chunk of at least {@code need} bytes among {@code head}, which fits, and the chunks that
     * follow it in its list, looking at {@code FIT_LOOKS} chunks at most and stopping at an exact fit.
     */
    final long tightestInList(MemorySegment s, long head, long need) {
        long best = head;
        long bestSize = get(s, head) & SIZE_MASK;
        long chunk = get(s, head + FREE_NEXT);
        for (int i = 1; i < FIT_LOOKS && chunk != NULL && bestSize != need; i++) {
            long size = get(s, chunk) & SIZE_MASK;
            if (size < bestSize && size >= need) {
                best = chunk;
                bestSize = size;
            }
            chunk = get(s, chunk + FREE_NEXT);
        }
        return best;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Carving and counting

    /** The chunk size sure to hold a block of chunk size {@code need} at {@code byteAlignment}. */
    static long guaranteedSize(long need, long byteAlignment) {
        return byteAlignment <= CHUNK_UNIT ? need : need + byteAlignment + 24;
    }

    /**
     * Makes a block in an unlinked free chunk: the gap below and a remainder of at least 32 bytes above go back to the
     * bins. Returns the block's offset.
     */
    final long carve(MemorySegment s, long chunk, long size, long gap, long need, long byteSize) {
        long freeDelta = -size;
        long fragmentDelta = -1;
        long prevFree = 0;
        if (gap != 0) {
            writeFree(s, chunk, gap);
            link(s, chunk, gap);
            freeDelta += gap;
            fragmentDelta++;
            chunk += gap;
            size -= gap;
            prevFree = PREV_FREE;
        }
        long rest = size - need;
        if (rest >= MIN_CHUNK_BYTE_SIZE) {
            long above = chunk + need;
            writeFree(s, above, rest);
            link(s, above, rest);
            freeDelta += rest;
            fragmentDelta++;
            size = need;
        } else {
            long next = chunk + size;
            put(s, next, get(s, next) & ~PREV_FREE);
        }
        put(s, chunk, allocatedHeader(size, prevFree, byteSize, check(chunk, size)));
        freeChunkBytes += freeDelta;
        fragmentCount += fragmentDelta;
        countAllocation(s, byteSize);
        return chunk + HEADER_BYTE_SIZE;
    }

    final void countAllocation(MemorySegment s, long byteSize) {
        put(s, meta + SB_TOTAL_ALLOCATION_COUNT, ++totalAllocationCount);
        addAllocatedBytes(s, byteSize);
    }

    final void addAllocatedBytes(MemorySegment s, long delta) {
        totalAllocatedBytes += delta;
        put(s, meta + SB_TOTAL_ALLOCATED_BYTES, totalAllocatedBytes);
    }

    final void countFree(long byteSize) {
        freedCount++;
        freedBytes += byteSize;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Remembered failures (slow path only)

    /**
     * Whether a search for a chunk of {@code need} bytes at {@code byteAlignment} is sure to fail: one at least as
     * easy failed, and the free space has not changed since. Why the snapshot is enough: allocations and frees
     * (moves included) each add one to a count that never decreases; with both counts unchanged, the only other
     * operations are in-place resizes and heap changes; an in-place grow raises the allocated bytes, a shrink the
     * freed bytes (both never decrease), a shrink of zero bytes can only add its slack to the free chunk above
     * (free chunk bytes, which with the counts unchanged nothing else lowers), and heap changes and consolidations
     * count in heapChanges. So an equal snapshot means no free chunk appeared or grew, and none fits now.
     */
    final boolean knownToFail(long need, long byteAlignment) {
        return need >= failedNeed && Math.max(byteAlignment, CHUNK_UNIT) >= failedAlignment
                && failedAtAllocations == totalAllocationCount && failedAtFrees == freedCount
                && failedAtFreedBytes == freedBytes && failedAtAllocatedBytes == totalAllocatedBytes
                && failedAtFreeChunkBytes == freeChunkBytes && failedAtHeapChanges == heapChanges;
    }

    /** Remembers that no free chunk holds a chunk of {@code need} bytes at {@code byteAlignment} (see above). */
    final void rememberFailure(long need, long byteAlignment) {
        failedNeed = need;
        failedAlignment = Math.max(byteAlignment, CHUNK_UNIT);
        failedAtAllocations = totalAllocationCount;
        failedAtFrees = freedCount;
        failedAtFreedBytes = freedBytes;
        failedAtAllocatedBytes = totalAllocatedBytes;
        failedAtFreeChunkBytes = freeChunkBytes;
        failedAtHeapChanges = heapChanges;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Release: park on a quick list, or coalesce into the bins

    /**
     * Releases an allocated chunk: a small one is parked on its quick list unless the list is full (it stays
     * ALLOCATED to its neighbours, marked by its slack); any other merges into the bins.
     */
    final void release(MemorySegment s, long chunk, long size, long header) {
        if (size <= quickMax) {
            long headAt = quickBase + BinnedLayout.quickHeadOffset(size);
            long head = get(s, headAt);
            if (head < (QUICK_LIMIT << QUICK_COUNT_SHIFT)) {
                put(s, chunk + FREE_NEXT, head & QUICK_LINK_MASK);
                put(s, headAt, chunk | ((head & ~QUICK_LINK_MASK) + (1L << QUICK_COUNT_SHIFT)));
                put(s, chunk, header | QUICK_MARK);
                return;
            }
        }
        coalesce(s, chunk, header);
    }

    /** Consolidates: frees every parked chunk into the bins, merging. Returns whether there was any. */
    final boolean flushQuickLists(MemorySegment s) {
        boolean any = false;
        for (long size = MIN_CHUNK_BYTE_SIZE; size <= quickMax; size += CHUNK_UNIT) {
            long headAt = quickBase + BinnedLayout.quickHeadOffset(size);
            long chunk = get(s, headAt) & QUICK_LINK_MASK;
            while (chunk != NULL) {
                long next = get(s, chunk + FREE_NEXT);
                coalesce(s, chunk, get(s, chunk));
                chunk = next;
                any = true;
            }
            put(s, headAt, NULL);
        }
        if (any) {
            heapChanges++; // parked chunks merged into the bins: free space a remembered failure did not see
        }
        return any;
    }

    /**
     * Returns the header of the allocated chunk whose block starts at {@code offset}, or throws. Cheap checks only:
     * tags keyed by position and size on this header and the next one.
     */
    final long checkedHeader(MemorySegment s, long offset) {
        if (!ready) {
            throw Checks.notABlock(offset, "the allocator has no heap yet");
        }
        long chunk = offset - HEADER_BYTE_SIZE;
        long high = heapsHigh;
        // chunk < high - 8 rather than offset < high: offset - 8 wraps for offsets near Long.MIN_VALUE.
        if ((offset & (CHUNK_UNIT - 1)) == 0 && chunk >= heapsLow && chunk < high - 8
                && Long.compareUnsigned(chunk - meta, metaSize) >= 0) {
            long header = get(s, chunk);
            long size = header & SIZE_MASK;
            long next = chunk + size;
            long slack = slack(header);
            if ((header & (ALLOCATED | SENTINEL)) == ALLOCATED && (header & CHECK_MASK) == check(chunk, size)
                    && size >= MIN_CHUNK_BYTE_SIZE && next <= high - SENTINEL_BYTE_SIZE
                    && slack <= size - HEADER_BYTE_SIZE && slack <= BinnedLayout.MAX_SLACK) {
                long nextHeader = get(s, next);
                // Both checks are keyed by the word's size too (issue 13: a flipped size bit must not pass): one XOR
                // more for this header, whose size is at hand, and an AND and an XOR more for the next one.
                if ((nextHeader & PREV_FREE) == 0
                        && (nextHeader & CHECK_MASK) == check(next, nextHeader & SIZE_MASK)) {
                    return header;
                }
            }
        }
        throw badOffset(s, offset);
    }

    private IllegalArgumentException badOffset(MemorySegment s, long offset) {
        long chunk = offset - HEADER_BYTE_SIZE;
        String why;
        if ((offset & (CHUNK_UNIT - 1)) != 0) {
            why = "not " + CHUNK_UNIT + "-byte aligned, as every block of this allocator is";
        } else if (Long.compareUnsigned(chunk - meta, metaSize) < 0 || (offset >= meta && offset < meta + metaSize)) {
            why = "inside the allocator's metadata [" + meta + ", " + (meta + metaSize) + ")";
        } else if (chunk < get(s, meta + SB_HEAPS_LOW) || chunk >= get(s, meta + SB_HEAPS_HIGH) - 8
                || heapOf(s, chunk) == NULL) {
            why = "outside every heap";
        } else {
            long header = get(s, chunk);
            long tag = check(chunk, header & SIZE_MASK);
            if ((header & CHECK_MASK) == tag && ((header & (ALLOCATED | SENTINEL)) == 0
                    || (header & QUICK_MARK) == QUICK_MARK)) {
                why = "the block is already free (double free)";
            } else if ((header & SENTINEL) != 0 && (header & CHECK_MASK) == tag) {
                why = "it is a heap's end";
            } else {
                why = "not the start of an allocated block (interior, stale or foreign offset)";
            }
        }
        return Checks.notABlock(offset, why);
    }

    /**
     * Returns an allocated (or parked) chunk to the bins: merge with free neighbours, bin the result. Like
     * tryAllocateFromBins, larger than FreqInlineSize on purpose, so that release (the quick-list push) stays small.
     */
    private void coalesce(MemorySegment s, long chunk, long header) {
        long size = header & SIZE_MASK;
        long start = chunk;
        long total = size;
        long fragmentDelta = 1;
        // A merged neighbour stays linked until the end: if the merged chunk falls in its bin, it takes its place.
        long listed = NULL;
        long listedSize = 0;
        if ((header & PREV_FREE) != 0) {
            long belowSize = get(s, footerBelow(chunk));
            start = chunk - belowSize;
            put(s, chunk, 0); // scrub: a second free of this offset must find no tag
            total += belowSize;
            fragmentDelta--;
            listed = start;
            listedSize = belowSize;
        }
        long next = chunk + size;
        long nextHeader = get(s, next);
        if ((nextHeader & ALLOCATED) == 0) {
            long nextSize = nextHeader & SIZE_MASK;
            if (listed != NULL) {
                unlink(s, next, nextSize);
            } else {
                listed = next;
                listedSize = nextSize;
            }
            put(s, next, 0);
            total += nextSize;
            fragmentDelta--;
            next += nextSize;
        } else {
            put(s, next, nextHeader | PREV_FREE);
        }
        int bin = bins.binOf(total);
        if (listed != NULL && bins.binOf(listedSize) == bin) {
            if (listed != start) {
                moveListSlot(s, listed, start, bin);
            }
        } else {
            if (listed != NULL) {
                unlink(s, listed, listedSize);
            }
            link(s, start, total);
        }
        writeFree(s, start, total);
        freeChunkBytes += size;
        fragmentCount += fragmentDelta;
        if (parentSource) {
            // For a parent source: if the merged chunk is its whole heap, drop the heap and free its block.
            long sentinel = get(s, next);
            if ((sentinel & SENTINEL) != 0) {
                long heap = sentinel & SIZE_MASK;
                if (start == BinnedLayout.firstChunk(heap)) {
                    removeEmptyHeap(s, heap);
                    parent.free(heap);
                    refresh();
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Heap span (the rest of the heap list is BinnedHeaps)

    /**
     * Returns the index of the heaps' offsets, building it from the heap list on first use (a walk of O(heaps), once
     * per object: open has checked the list by then, and a new allocator's list is empty).
     */
    final HeapIndex heapIndex() {
        HeapIndex index = heapIndex;
        if (index == null) {
            index = new HeapIndex(salt);
            if (ready) {
                MemorySegment s = seg;
                for (long h = counter(s, SB_FIRST_HEAP); h != NULL; h = get(s, h + HEAP_NEXT)) {
                    index.add(h);
                }
            }
            heapIndex = index;
        }
        return index;
    }

    /** Returns the index if a heap operation built it, else null (for verify, which must not trust the list). */
    final HeapIndex heapIndexIfBuilt() {
        return heapIndex;
    }

    /** Returns the heap that contains {@code offset}, or 0: the last heap at or below it, if it reaches past it. */
    private long heapOf(MemorySegment s, long offset) {
        long heap = heapIndex().floor(offset);
        return heap != NULL && offset < get(s, heap + HEAP_END) ? heap : NULL;
    }

    final long sentinel(long heap, long end, long prevFree) {
        return BinnedLayout.sentinel(heap, prevFree, check(end - SENTINEL_BYTE_SIZE, heap));
    }

    /**
     * Sets the heaps' span after a heap change: the list is ordered and its heaps disjoint, so the span runs from the
     * first heap to the end of the last one (O(log heaps) with the index).
     */
    final void recomputeBounds(MemorySegment s) {
        long first = counter(s, SB_FIRST_HEAP);
        long low = first == NULL ? Long.MAX_VALUE : first;
        long last = heapIndex().last();
        long high = last == NULL ? 0 : get(s, last + HEAP_END);
        put(s, meta + SB_HEAPS_LOW, low);
        put(s, meta + SB_HEAPS_HIGH, high);
        heapsLow = low;
        heapsHigh = high;
    }

    /** Drops a heap whose only chunk is free. */
    final void removeEmptyHeap(MemorySegment s, long heap) {
        long end = get(s, heap + HEAP_END);
        long chunk = BinnedLayout.firstChunk(heap);
        long size = end - SENTINEL_BYTE_SIZE - chunk;
        unlink(s, chunk, size);
        HeapIndex index = heapIndex();
        long prev = index.lower(heap);
        index.remove(heap);
        long next = get(s, heap + HEAP_NEXT);
        if (prev == NULL) {
            put(s, meta + SB_FIRST_HEAP, next);
        } else {
            put(s, prev + HEAP_NEXT, next);
        }
        // Scrub the words that made this a heap, so stale offsets into it find no tags.
        put(s, heap + HEAP_END, 0);
        put(s, chunk, 0);
        put(s, end - SENTINEL_BYTE_SIZE, 0);
        freeChunkBytes += -size;
        fragmentCount += -1;
        add(s, SB_HEAP_COUNT, -1);
        add(s, SB_CLAIMED_BYTES, -(end - heap));
        heapChanges++;
        recomputeBounds(s);
    }
}
