package dev.offcut.internal.binned;

import dev.offcut.LinearMemory;
import dev.offcut.internal.Checks;

import java.lang.foreign.MemorySegment;

import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_END;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_HEADER_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_NEXT;
import static dev.offcut.internal.binned.BinnedLayout.MIN_CHUNK_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.NULL;
import static dev.offcut.internal.binned.BinnedLayout.PREV_FREE;
import static dev.offcut.internal.binned.BinnedLayout.SB_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_FIRST_HEAP;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.footerBelow;
import static dev.offcut.internal.binned.BinnedLayout.get;
import static dev.offcut.internal.binned.BinnedLayout.put;
import static dev.offcut.internal.binned.BinnedLayout.sentinel;

/**
 * The heap list: claiming a region as a heap, extending, truncating and removing heaps, and finding them. Static
 * functions of the {@link ChunkStore} whose heaps they are; the chunk writes and the counters they change are the
 * store's. {@link ChunkStore#removeEmptyHeap} stays with the store, as a free (coalesce) may empty a parent's heap.
 * Neighbours and lookups come from the store's {@link HeapIndex}, O(log heaps); only {@link #heaps} walks the list.
 */
final class BinnedHeaps {

    private BinnedHeaps() {
    }

    static long pagesFor(long byteSize) {
        return (byteSize + LinearMemory.PAGE_BYTE_SIZE - 1) >>> LinearMemory.PAGE_SHIFT;
    }

    /** Returns the highest heap, or NULL (O(log heaps): the index). */
    static long lastHeap(ChunkStore c) {
        return c.ready ? c.heapIndex().last() : NULL;
    }

    /** Returns the end of {@code heap}, or throws if it is not a heap of this allocator (O(log heaps): the index). */
    static long checkedHeapEnd(ChunkStore c, MemorySegment s, long heap) {
        if (!c.ready || !c.heapIndex().contains(heap)) {
            throw new IllegalArgumentException("heap " + heap + " is not a heap of this allocator");
        }
        return get(s, heap + HEAP_END);
    }

    /** The argument checks of {@code claim}, before any rounding. */
    static void checkClaim(ChunkStore c, long offset, long byteSize) {
        if (offset < 0 || byteSize < 0 || offset + byteSize < 0) {
            throw new IllegalArgumentException("claim region must be non-negative, was offset " + offset
                    + ", byteSize " + byteSize);
        }
        if (c.parentSource) {
            throw new UnsupportedOperationException("claim: a parent-sourced allocator's heaps are blocks of its "
                    + "parent, each handed back when it empties; claim regions with the parent instead");
        }
    }

    /** Heaps start at any 8-aligned offset (the first chunk is padded) but 0, which is NULL in the heap list ... */
    static long claimBase(long offset) {
        return Math.max(8, (offset + 7) & -8L);
    }

    /** ... and end at 16-aligned ones. */
    static long claimEnd(long offset, long byteSize) {
        return (offset + byteSize) & -CHUNK_UNIT;
    }

    /** {@code claim} once the superblock is written (before that, {@code Superblock.claimFirst}). */
    static long claim(ChunkStore c, long offset, long byteSize) {
        checkClaim(c, offset, byteSize);
        assert c.ready : "a claim before the first allocation writes the superblock: Superblock.claimFirst";
        c.refresh();
        return claimRegion(c, claimBase(offset), claimEnd(offset, byteSize));
    }

    /** Checks a region's size and place against the memory and the superblock (not against other heaps). */
    static void checkRegion(ChunkStore c, long base, long end) {
        if (base <= 0) {
            throw new IllegalArgumentException("a heap cannot start at offset " + base
                    + ": 0 is NULL in the heap list");
        }
        if (end < BinnedLayout.minHeapEnd(base)) {
            throw new IllegalArgumentException("a heap at " + base + " needs at least "
                    + (BinnedLayout.minHeapEnd(base) - base) + " bytes, region [" + base + ", " + end + ") has "
                    + Math.max(0, end - base));
        }
        if (end > c.memory.byteSize()) {
            throw new IllegalArgumentException("region [" + base + ", " + end + ") is outside the memory of "
                    + c.memory.byteSize() + " bytes");
        }
        if (base < c.meta + c.metaSize && end > c.meta) {
            throw new IllegalArgumentException("region [" + base + ", " + end + ") overlaps the allocator's metadata ["
                    + c.meta + ", " + (c.meta + c.metaSize) + ")");
        }
    }

    /** Claims {@code [base, end)}, a multiple of 8 and one of 16, as a heap. */
    static long claimRegion(ChunkStore c, long base, long end) {
        MemorySegment s = c.seg;
        checkRegion(c, base, end);
        // The neighbours in the ordered list: the last heap below base (the index, O(log heaps)) and its successor.
        HeapIndex index = c.heapIndex();
        long prev = index.lower(base);
        long next = prev == NULL ? c.counter(s, SB_FIRST_HEAP) : get(s, prev + HEAP_NEXT);
        if ((prev != NULL && get(s, prev + HEAP_END) > base) || (next != NULL && next < end)) {
            long other = prev != NULL && get(s, prev + HEAP_END) > base ? prev : next;
            throw new IllegalArgumentException("region [" + base + ", " + end + ") overlaps the heap at " + other);
        }
        index.add(base);
        put(s, base + HEAP_END, end);
        put(s, base + HEAP_NEXT, next);
        if (prev == NULL) {
            put(s, c.meta + SB_FIRST_HEAP, base);
        } else {
            put(s, prev + HEAP_NEXT, base);
        }
        long chunk = BinnedLayout.firstChunk(base);
        if (chunk != base + HEAP_HEADER_BYTE_SIZE) {
            put(s, base + HEAP_HEADER_BYTE_SIZE, 0); // the pad word: no stale tag may remain below the first chunk
        }
        long size = end - SENTINEL_BYTE_SIZE - chunk;
        c.writeFree(s, chunk, size);
        c.link(s, chunk, size);
        put(s, end - SENTINEL_BYTE_SIZE, c.sentinel(base, end, PREV_FREE));
        c.freeChunkBytes += size;
        c.fragmentCount += 1;
        c.add(s, SB_HEAP_COUNT, 1);
        c.add(s, SB_TOTAL_HEAP_COUNT, 1);
        c.add(s, SB_CLAIMED_BYTES, end - base);
        c.add(s, SB_TOTAL_CLAIMED_BYTES, end - base);
        c.heapChanges++;
        c.recomputeBounds(s);
        return base;
    }

    static long extend(ChunkStore c, long heap, long newByteSize) {
        MemorySegment s = c.refresh();
        long end = checkedHeapEnd(c, s, heap);
        Checks.checkInRange("newByteSize", newByteSize, end - heap, Long.MAX_VALUE);
        long newEnd = (heap + newByteSize) & -CHUNK_UNIT;
        if (c.parentSource && newEnd > end) {
            // The heap is a block of the parent: the bytes above it may be the parent's next block.
            throw new UnsupportedOperationException("extend: heap " + heap + " of a parent-sourced allocator is a "
                    + "block of its parent and cannot grow");
        }
        if (newEnd < 0 || newEnd > c.memory.byteSize()) {
            throw new IllegalArgumentException("heap " + heap + " extended to " + newByteSize
                    + " bytes would leave the memory of " + c.memory.byteSize() + " bytes");
        }
        long next = get(s, heap + HEAP_NEXT);
        if (next != NULL && newEnd > next) {
            throw new IllegalArgumentException("heap " + heap + " extended to " + newByteSize
                    + " bytes would overlap the heap at " + next);
        }
        if (heap < c.meta && newEnd > c.meta) {
            throw new IllegalArgumentException("heap " + heap + " extended to " + newByteSize
                    + " bytes would overlap the allocator's metadata at " + c.meta);
        }
        return extendHeap(c, s, heap, newEnd) - heap;
    }

    /** Moves a heap's end up to {@code newEnd}; returns the end reached. */
    static long extendHeap(ChunkStore c, MemorySegment s, long heap, long newEnd) {
        long end = get(s, heap + HEAP_END);
        if (newEnd <= end) {
            return end;
        }
        long sentinelAt = end - SENTINEL_BYTE_SIZE;
        long start;
        long size;
        long added = newEnd - end;
        if ((get(s, sentinelAt) & PREV_FREE) != 0) {
            long topSize = get(s, footerBelow(sentinelAt));
            start = sentinelAt - topSize;
            c.unlink(s, start, topSize);
            size = topSize + added;
            put(s, sentinelAt, 0);
        } else {
            if (added < MIN_CHUNK_BYTE_SIZE) {
                return end; // too little to make a chunk of, and nothing to merge with
            }
            start = sentinelAt;
            size = added;
            c.fragmentCount += 1;
        }
        c.writeFree(s, start, size);
        c.link(s, start, size);
        put(s, newEnd - SENTINEL_BYTE_SIZE, c.sentinel(heap, newEnd, PREV_FREE));
        put(s, heap + HEAP_END, newEnd);
        c.freeChunkBytes += added;
        c.add(s, SB_CLAIMED_BYTES, added);
        c.add(s, SB_TOTAL_CLAIMED_BYTES, added);
        c.heapChanges++;
        c.recomputeBounds(s);
        return newEnd;
    }

    static long truncate(ChunkStore c, long heap, long newByteSize) {
        MemorySegment s = c.refresh();
        long end = checkedHeapEnd(c, s, heap);
        Checks.checkInRange("newByteSize", newByteSize, 0, end - heap);
        c.flushQuickLists(s); // parked chunks at the top must not hold the heap up
        long sentinelAt = end - SENTINEL_BYTE_SIZE;
        if ((get(s, sentinelAt) & PREV_FREE) == 0) {
            return end - heap; // a live block ends the heap
        }
        long topSize = get(s, footerBelow(sentinelAt));
        long top = sentinelAt - topSize;
        if (top == BinnedLayout.firstChunk(heap) && heap + newByteSize < BinnedLayout.minHeapEnd(heap)) {
            c.removeEmptyHeap(s, heap);
            return 0;
        }
        long target = Math.max((heap + newByteSize) & -CHUNK_UNIT, top + SENTINEL_BYTE_SIZE);
        long kept = target - SENTINEL_BYTE_SIZE - top;
        if (kept > 0 && kept < MIN_CHUNK_BYTE_SIZE) {
            kept = MIN_CHUNK_BYTE_SIZE; // a free tail must be a whole chunk: cut less
            target = top + MIN_CHUNK_BYTE_SIZE + SENTINEL_BYTE_SIZE;
        }
        if (target >= end) {
            return end - heap;
        }
        c.unlink(s, top, topSize);
        put(s, sentinelAt, 0); // scrub the old end: no sentinel tag may stay in the bytes the heap gives up
        if (kept > 0) {
            c.writeFree(s, top, kept);
            c.link(s, top, kept);
            put(s, target - SENTINEL_BYTE_SIZE, c.sentinel(heap, target, PREV_FREE));
        } else {
            put(s, top, c.sentinel(heap, target, 0));
            c.fragmentCount += -1;
        }
        put(s, heap + HEAP_END, target);
        c.freeChunkBytes += kept - topSize;
        c.add(s, SB_CLAIMED_BYTES, target - end);
        c.heapChanges++;
        c.recomputeBounds(s);
        return target - heap;
    }

    static long resize(ChunkStore c, long heap, long newByteSize) {
        long end = checkedHeapEnd(c, c.refresh(), heap);
        return newByteSize >= end - heap ? extend(c, heap, newByteSize) : truncate(c, heap, newByteSize);
    }

    static long reserved(ChunkStore c, long heap) {
        MemorySegment s = c.refresh();
        long end = checkedHeapEnd(c, s, heap);
        c.flushQuickLists(s); // only live blocks reserve
        long sentinelAt = end - SENTINEL_BYTE_SIZE;
        if ((get(s, sentinelAt) & PREV_FREE) == 0) {
            return end - heap;
        }
        long top = sentinelAt - get(s, footerBelow(sentinelAt));
        return top == BinnedLayout.firstChunk(heap) ? 0 : top + SENTINEL_BYTE_SIZE - heap;
    }

    static long[] heaps(ChunkStore c) {
        if (!c.ready) {
            return new long[0];
        }
        MemorySegment s = c.refresh();
        long[] result = new long[(int) c.counter(s, SB_HEAP_COUNT)];
        int i = 0;
        for (long h = c.counter(s, SB_FIRST_HEAP); h != NULL && i < result.length; h = get(s, h + HEAP_NEXT)) {
            result[i++] = h;
        }
        return result;
    }

    static long heapByteSize(ChunkStore c, long heap) {
        return checkedHeapEnd(c, c.refresh(), heap) - heap;
    }
}
