package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.MemorySource;

import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_END;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.MIN_CHUNK_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.NULL;
import static dev.offcut.internal.binned.BinnedLayout.PREV_FREE;
import static dev.offcut.internal.binned.BinnedLayout.SB_SOURCE_STATE;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.footerBelow;
import static dev.offcut.internal.binned.BinnedLayout.get;
import static dev.offcut.internal.binned.BinnedLayout.put;

/**
 * The memory sources of the binned allocator: one record per kind, the permitted subtypes of the public sealed
 * {@link MemorySource} (whose static factories make them). A {@code switch} over them is exhaustive, so the compiler
 * names every place a new source must be handled: {@link #acquire}, the allocator's one call when no chunk fits, is
 * that switch. Records compare by value: two claim sources of the same region are equal, and two parent sources of
 * the same parent allocator.
 */
public final class MemorySources {

    private MemorySources() {
    }

    /** The shared manual source. */
    public static final Manual MANUAL = new Manual();
    /** The shared grow-and-extend source. */
    public static final GrowAndExtend GROW_AND_EXTEND = new GrowAndExtend();
    /** The shared grow-and-claim source. */
    public static final GrowAndClaim GROW_AND_CLAIM = new GrowAndClaim();

    /** Never adds memory. */
    public record Manual() implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.manual()";
        }
    }

    /**
     * Claims one region, once.
     *
     * @param offset   the first byte of the region
     * @param byteSize the region's size
     */
    public record Claim(long offset, long byteSize) implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.claim(" + offset + ", " + byteSize + ")";
        }
    }

    /** Grows the memory and extends the heap at its end. */
    public record GrowAndExtend() implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.growAndExtend()";
        }
    }

    /** Grows the memory and claims the new pages as a heap. */
    public record GrowAndClaim() implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.growAndClaim()";
        }
    }

    /**
     * Borrows blocks of a parent allocator over the same memory as heaps, and hands each back when it empties.
     *
     * @param parent the allocator to borrow from
     */
    public record FromParent(Allocator parent) implements MemorySource {
        /**
         * Checks the parent.
         *
         * @param parent the allocator to borrow from
         * @throws NullPointerException if {@code parent} is {@code null}
         */
        public FromParent {
            Objects.requireNonNull(parent, "parent");
        }

        @Override
        public String toString() {
            return "MemorySource.fromParent(" + parent + ")";
        }
    }

    /**
     * Returns whether a source grows the memory (and so makes the memory's bytes after a fresh superblock a heap).
     *
     * @param source a source
     * @return true for the grow-and-extend and grow-and-claim sources
     */
    public static boolean growing(MemorySource source) {
        return switch (source) {
            case GrowAndExtend _, GrowAndClaim _ -> true;
            case Manual _, Claim _, FromParent _ -> false;
        };
    }

    /**
     * Returns the parent of a parent source.
     *
     * @param source a source
     * @return its parent allocator, or {@code null} if it is not a parent source
     */
    public static Allocator parentOf(MemorySource source) {
        return source instanceof FromParent(Allocator parent) ? parent : null;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What a source does when no chunk fits

    /** The smallest block borrowed from a parent for a heap. */
    private static final long MIN_BORROW_BYTE_SIZE = 16 * 1024;

    /** Asks the source for room for a chunk of {@code need} bytes at {@code byteAlignment}, once. */
    static boolean acquire(ChunkStore c, MemorySource source, long need, long byteAlignment) {
        long want = ChunkStore.guaranteedSize(need, byteAlignment);
        return switch (source) {
            case Manual _ -> false;
            case Claim(long offset, long byteSize) -> {
                MemorySegment s = c.refresh();
                if (c.counter(s, SB_SOURCE_STATE) != 0) {
                    yield false;
                }
                put(s, c.meta + SB_SOURCE_STATE, 1);
                try {
                    BinnedHeaps.claim(c, offset, byteSize);
                    yield true;
                } catch (IllegalArgumentException e) {
                    yield false; // the region does not fit the memory or the heaps: the request fails
                }
            }
            case GrowAndExtend _ -> growAndExtend(c, want);
            case GrowAndClaim _ -> growAndClaim(c, want);
            case FromParent _ -> borrow(c, want);
        };
    }

    private static boolean growAndExtend(ChunkStore c, long want) {
        MemorySegment s = c.refresh();
        long memoryEnd = c.memory.byteSize();
        long last = BinnedHeaps.lastHeap(c);
        if (last == NULL || get(s, last + HEAP_END) != memoryEnd) {
            return growAndClaim(c, want);
        }
        long sentinelAt = memoryEnd - SENTINEL_BYTE_SIZE;
        long topFree = (get(s, sentinelAt) & PREV_FREE) != 0 ? get(s, footerBelow(sentinelAt)) : 0;
        long pages = BinnedHeaps.pagesFor(Math.max(want - topFree, MIN_CHUNK_BYTE_SIZE));
        long before = c.memory.grow(pages);
        if (before < 0) {
            return false;
        }
        s = c.refresh();
        long base = before << LinearMemory.PAGE_SHIFT;
        long end = (before + pages) << LinearMemory.PAGE_SHIFT;
        if (base == memoryEnd) {
            BinnedHeaps.extendHeap(c, s, last, end);
            return true;
        }
        // Someone else grew the memory between our look at its end and our grow: our pages are not adjacent, so they
        // become a heap of their own. Sized to extend the free top, they may be too small for the request alone; then
        // grow once more, for a heap that holds it (two grows at most, never a loop). If that grow is refused the
        // request fails and the new heap stays: the pages are ours and a memory never shrinks, so dropping the heap
        // would lose them for good (MemorySource's documented exception to "counts as they were").
        BinnedHeaps.claimRegion(c, base, end);
        return end - base >= want + HEAP_OVERHEAD_BYTE_SIZE || growAndClaim(c, want);
    }

    private static boolean growAndClaim(ChunkStore c, long want) {
        long pages = BinnedHeaps.pagesFor(want + HEAP_OVERHEAD_BYTE_SIZE);
        long before = c.memory.grow(pages);
        if (before < 0) {
            return false;
        }
        c.refresh();
        BinnedHeaps.claimRegion(c, before << LinearMemory.PAGE_SHIFT, (before + pages) << LinearMemory.PAGE_SHIFT);
        return true;
    }

    private static boolean borrow(ChunkStore c, long want) {
        long byteSize = Math.max(MIN_BORROW_BYTE_SIZE, (want + HEAP_OVERHEAD_BYTE_SIZE + CHUNK_UNIT - 1) & -CHUNK_UNIT);
        long block = c.parent.tryAllocate(byteSize, CHUNK_UNIT);
        c.refresh();
        if (block == NULL) {
            return false;
        }
        try {
            BinnedHeaps.claimRegion(c, block, block + byteSize);
            return true;
        } catch (IllegalArgumentException e) {
            c.parent.free(block); // the parent gave a block we cannot use; keep its books straight
            c.refresh();
            return false;
        }
    }
}
