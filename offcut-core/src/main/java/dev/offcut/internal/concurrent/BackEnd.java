package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import java.util.HashMap;
import java.util.Map;

/**
 * The back end for blocks no size class serves (above 32 KiB, or aligned to more than 32 KiB), and for small blocks
 * when no span can be had: a {@link BinnedAllocator} with the {@linkplain MemorySource#manual() manual} source, so
 * that it never grows the memory itself. The {@link SpanPool} gives it whole pages (grown, or pooled spans when the
 * memory cannot grow), which it claims as heaps or adds to the heap they continue; {@link #trim()} gives the pages of
 * heaps with no live block back. Every method runs under the pool's lock, which no small-block fast path takes.
 *
 * <p>Its metadata (under 3 KiB) and first heap take page 0 if the memory had pages when the allocator was made
 * (so that offset 0 is never a size-class block), else the page its first grow returns (page 0 then stays out of
 * the page map).
 */
final class BackEnd {

    private final LinearMemory memory;
    private final SpanPool pool;
    private final PageMap map;
    private BinnedAllocator binned;
    /** The first heap's offset (after the metadata, on page 0). */
    private long firstHeap;
    /** Heaps made of whole pages: end offset to heap offset. */
    private final Map<Long, Long> heapByEnd = new HashMap<>();
    private boolean failed;
    /** Whether the memory had bytes when the allocator was made: then page 0 is the allocator's, used first. */
    private final boolean ownsPageZero;
    /** The end of the back end's first page. */
    private long firstHeapPageEnd;

    /**
     * Creates the back end; nothing is written until {@link #start()}.
     *
     * @param memory the memory
     * @param pool   the pool, whose lock guards this
     * @param map    the page map
     */
    BackEnd(LinearMemory memory, SpanPool pool, PageMap map) {
        this.memory = memory;
        this.pool = pool;
        this.map = map;
        this.ownsPageZero = memory.byteSize() > 0;
    }

    /**
     * Starts the back end on page 0 (growing it if the memory is empty). Under the lock.
     *
     * @return {@code true} if it runs
     * @throws IllegalStateException if the memory is closed
     */
    boolean start() {
        if (binned != null) {
            return true;
        }
        if (failed) {
            return false;
        }
        long page = 0;
        if (!ownsPageZero) {
            page = memory.grow(1); // someone else may have grown the memory: use the page this grow returns
            if (page < 0) {
                memory.pageCount(); // closed memories say so
                return false;
            }
        }
        long pageStart = page << 16;
        try {
            binned = BinnedAllocator.builder(memory).source(MemorySource.manual()).metadataOffset(pageStart).build();
        } catch (IllegalStateException e) {
            memory.pageCount();
            failed = true; // a fixed memory too small for the metadata: only spans, if any
            return false;
        }
        long meta = binned.metadataOffset() + binned.stats().claimedBytes();
        long end = Math.min(memory.byteSize(), pageStart + LinearMemory.PAGE_BYTE_SIZE);
        if (end - meta >= 64) {
            firstHeap = binned.claim(meta, end - meta);
            if (end == pageStart + LinearMemory.PAGE_BYTE_SIZE) {
                heapByEnd.put(end, firstHeap);
            }
        }
        firstHeapPageEnd = pageStart + LinearMemory.PAGE_BYTE_SIZE;
        map.set(page, 1, Span.BACK_END);
        long pages = memory.pageCount();
        long tail = memory.byteSize() - (pages << 16);
        if (ownsPageZero && pages > 0 && tail >= 64) {
            // a fixed memory whose size is not whole pages: the last partial page is the back end's too
            binned.claim(pages << 16, tail);
            map.set(pages, 1, Span.BACK_END);
        }
        return true;
    }

    /**
     * Allocates from the binned allocator, feeding it pages once if it has no room.
     *
     * @param byteSize      the size
     * @param byteAlignment the alignment
     * @param zeroed        whether to zero the block
     * @return the offset or {@link Allocator#NULL}
     */
    long allocate(long byteSize, long byteAlignment, boolean zeroed) {
        if (!start()) {
            return Allocator.NULL;
        }
        long offset = zeroed ? binned.tryAllocateZeroed(byteSize, byteAlignment)
                : binned.tryAllocate(byteSize, byteAlignment);
        if (offset == Allocator.NULL && feed(byteSize, byteAlignment)) {
            offset = zeroed ? binned.tryAllocateZeroed(byteSize, byteAlignment)
                    : binned.tryAllocate(byteSize, byteAlignment);
        }
        return offset;
    }

    /**
     * Reallocates a back-end block, feeding pages once if needed.
     *
     * @param offset        the block
     * @param newByteSize   the new size
     * @param byteAlignment the alignment
     * @return the new offset or {@link Allocator#NULL}
     */
    long reallocate(long offset, long newByteSize, long byteAlignment) {
        long moved = binned.tryReallocate(offset, newByteSize, byteAlignment);
        if (moved == Allocator.NULL && feed(newByteSize, byteAlignment)) {
            moved = binned.tryReallocate(offset, newByteSize, byteAlignment);
        }
        return moved;
    }

    /**
     * Frees a back-end block; the binned allocator refuses bad frees.
     *
     * @param offset   the block
     * @param byteSize its size, or -1
     */
    void free(long offset, long byteSize) {
        if (binned == null) {
            throw dev.offcut.internal.Checks.notABlock(offset, "no block was ever allocated there");
        }
        if (byteSize < 0) {
            binned.free(offset);
        } else {
            binned.free(offset, byteSize);
        }
    }

    /**
     * Returns the binned allocator, or {@code null} before {@link #start()}.
     *
     * @return the back end's allocator
     */
    BinnedAllocator binned() {
        return binned;
    }

    /** Gives the binned allocator enough whole pages for a request, as a new heap or the rest of one. */
    private boolean feed(long byteSize, long byteAlignment) {
        long need = byteSize + (byteAlignment > 16 ? byteAlignment : 0) + 256;
        if (need < 0 || need > memory.maxByteSize()) {
            return false;
        }
        long pages = (need + LinearMemory.PAGE_BYTE_SIZE - 1) >>> 16;
        long first = pool.pagesForBackEnd(pages);
        if (first < 0) {
            return false;
        }
        long start = first << 16;
        long end = start + (pages << 16);
        Long heap = heapByEnd.remove(start);
        if (heap != null) {
            binned.extend(heap, end - heap);
        } else {
            heap = binned.claim(start, end - start);
        }
        heapByEnd.put(end, heap);
        return true;
    }

    /**
     * Gives back to the pool the pages of heaps that hold no live block (the first heap keeps page 0).
     *
     * @return the pages given back
     */
    long trim() {
        if (binned == null) {
            return 0;
        }
        long given = 0;
        for (Map.Entry<Long, Long> e : Map.copyOf(heapByEnd).entrySet()) {
            long end = e.getKey();
            long heap = e.getValue();
            long keepEnd = heap == firstHeap ? firstHeapPageEnd : heap;
            long reserved = binned.reserved(heap);
            if (reserved > 0) {
                keepEnd = Math.max(keepEnd, (heap + reserved + LinearMemory.PAGE_BYTE_SIZE - 1) & -LinearMemory.PAGE_BYTE_SIZE);
            }
            if (keepEnd >= end) {
                continue;
            }
            long after = binned.truncate(heap, keepEnd - heap);
            long newEnd = after == 0 ? heap : heap + after;
            if (newEnd != keepEnd) {
                // the binned allocator kept more than asked: grow it back to a page boundary, give nothing
                if (after != 0) {
                    binned.extend(heap, end - heap);
                }
                continue;
            }
            heapByEnd.remove(end);
            if (after != 0) {
                heapByEnd.put(newEnd, heap);
            }
            long firstPage = newEnd >>> 16;
            long pages = (end >>> 16) - firstPage;
            map.set(firstPage, pages, null);
            pool.pagesFromBackEnd(firstPage, pages);
            given += pages;
        }
        return given;
    }

    /**
     * Returns the binned allocator's statistics, or zeros before it starts.
     *
     * @return a snapshot
     */
    AllocatorStats stats() {
        return binned == null ? new AllocatorStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : binned.stats();
    }
}
