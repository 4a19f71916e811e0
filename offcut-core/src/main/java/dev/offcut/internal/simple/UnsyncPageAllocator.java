package dev.offcut.internal.simple;

import dev.offcut.internal.Checks;
import dev.offcut.internal.MemorySegments;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.util.Objects;

/**
 * Whole fresh pages per block, never freed (lol_alloc's {@code LeakingPageAllocator}).
 *
 * <pre>
 *   memory:  | page 0: burnt | block A (k pages) | block B | ...            grow() adds pages at the end
 *            0               64 KiB
 *   no headers, no free list: a block is just the pages grow() returned
 * </pre>
 *
 * <p>Allocate: {@code max(1, ceil(byteSize / 64 KiB))} whole pages. Pages the memory already had when the allocator
 * was created are handed out first, in address order (page 0 excepted: offset 0 means "no block"); after them, grow
 * that many pages, plus {@code byteAlignment / 64 KiB - 1} more for alignments above a page, and return the first
 * aligned offset in them. If the memory is empty, page 0 is grown in the same grow call and burnt, so that a refused
 * grow changes nothing. Free: check that the offset could be a block, then nothing. Reallocate: allocate and copy.
 *
 * <p>Grown pages are zero when first grown into, so zeroed allocation zeroes only blocks carved from the pages the
 * memory already had.
 *
 * <p>Overhead per block is at most {@code max(64 KiB, byteAlignment)} bytes: the rounding up to whole pages (a whole
 * page for a 0-byte block, less otherwise) plus, for an alignment above 64 KiB, up to
 * {@code byteAlignment / 64 KiB - 1} pages that are never used (the extra pages grown with the block, or existing
 * pages skipped to reach an aligned one). Page 0 is burnt once.
 *
 * <p>Claimed bytes are not a counter of their own but {@code (nextExistingPage + grownPages) * 64 KiB}, where
 * {@code nextExistingPage} counts the existing pages handed out or skipped (page 0, pages skipped for alignment,
 * blocks) and {@code grownPages} every page this allocator grew (page 0 on an empty memory, blocks, extra pages for
 * alignment). Invariants ({@code verify()} checks them): every block offset is a multiple of 64 KiB in
 * {@code [firstBlockOffset, memory.byteSize())}; {@code claimedBytes() <= memory.byteSize()}. Not thread-safe (the
 * counters are plain fields).
 */
public final class UnsyncPageAllocator implements Allocator {

    private static final long PAGE_BYTE_SIZE = LinearMemory.PAGE_BYTE_SIZE;

    private final LinearMemory memory;
    /** Pages the memory had when this allocator was created: used first, in order. */
    private final long existingPageCount;
    /** The next of those pages not yet handed out. */
    private long nextExistingPage;
    /** Offset of the first block ever handed out, {@code Long.MAX_VALUE} before that. */
    private long firstBlockOffset = Long.MAX_VALUE;
    /** Pages this allocator grew the memory by, all of them claimed. */
    private long grownPages;
    private long allocationCount;
    private long allocatedBytes;

    /**
     * Creates a page allocator over {@code memory}.
     *
     * @param memory the memory to grow
     */
    public UnsyncPageAllocator(LinearMemory memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.existingPageCount = memory.pageCount();
    }

    @Override
    public LinearMemory memory() {
        return memory;
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        return tryAllocatePages(byteSize, byteAlignment, false);
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        return tryAllocatePages(byteSize, byteAlignment, true);
    }

    private long tryAllocatePages(long byteSize, long byteAlignment, boolean zeroed) {
        long pages = Math.max(1, Checks.alignUp(byteSize, PAGE_BYTE_SIZE) >>> LinearMemory.PAGE_SHIFT);
        long alignmentPages = Math.max(1, byteAlignment >>> LinearMemory.PAGE_SHIFT);
        long offset;
        long start = Checks.alignUp(Math.max(nextExistingPage, 1), alignmentPages);
        if (start + pages <= existingPageCount) {
            // Pages the memory had before this allocator: the caller's bytes, so zero them if asked.
            nextExistingPage = start + pages;
            offset = start << LinearMemory.PAGE_SHIFT;
            if (zeroed) {
                MemorySegments.zero(memory.segment(), offset, byteSize);
            }
        } else {
            // On an empty memory page 0 is burnt (offset 0 means "no block"), grown in the same call as the block, so
            // that a refused grow changes nothing. If someone else grows the memory in between, the burnt page is
            // simply the first of ours: still claimed, never handed out.
            long burntPages = memory.pageCount() == 0 ? 1 : 0;
            long grow = burntPages + pages + alignmentPages - 1;
            long oldPages = memory.grow(grow);
            if (oldPages < 0) {
                return NULL;
            }
            grownPages += grow;
            offset = Checks.alignUp((oldPages + burntPages) << LinearMemory.PAGE_SHIFT, byteAlignment); // fresh: zero
        }
        firstBlockOffset = Math.min(firstBlockOffset, offset);
        allocationCount++;
        allocatedBytes += byteSize;
        return offset;
    }

    private void checkBlock(long offset) {
        if (offset < firstBlockOffset || offset >= memory.byteSize() || (offset & (PAGE_BYTE_SIZE - 1)) != 0) {
            throw Checks.notABlock(offset, "page blocks are 64 KiB aligned offsets in [" + firstBlockOffset + ", "
                    + memory.byteSize() + ")");
        }
    }

    @Override
    public void free(long offset) {
        if (offset != NULL) {
            checkBlock(offset); // then leak it, by design
        }
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        free(offset);
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        Checks.checkByteSize("newByteSize", newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (offset == NULL) {
            return tryAllocate(newByteSize, byteAlignment);
        }
        checkBlock(offset);
        long moved = tryAllocate(newByteSize, byteAlignment);
        if (moved != NULL) {
            // The old size is unknown (no headers); bytes past it are unspecified, so copying up to the new size keeps
            // every byte that was the block's. Bound the copy by what can be read: the new block's start when it lies
            // above the old one (no overlap), else the memory's end (existing pages are handed out first, so a
            // moved block can land below the old one).
            long readableEnd = moved > offset ? moved : memory.byteSize();
            long byteCount = Math.min(newByteSize, readableEnd - offset);
            MemorySegments.copy(memory.segment(), offset, moved, byteCount);
        }
        return moved;
    }

    /** Every page handed out, skipped or grown: see the class comment. */
    private long claimedBytes() {
        return (nextExistingPage + grownPages) << LinearMemory.PAGE_SHIFT;
    }

    @Override
    public AllocatorStats stats() {
        long claimedBytes = claimedBytes();
        long heaps = claimedBytes > 0 ? 1 : 0;
        return new AllocatorStats(allocationCount, allocationCount, allocatedBytes, allocatedBytes, 0, 0, heaps, heaps,
                claimedBytes, claimedBytes, memory.byteSize());
    }

    @Override
    public void verify() {
        if (claimedBytes() > memory.byteSize()) {
            throw new IllegalStateException("page allocator: claimed bytes " + claimedBytes() + " (nextExistingPage "
                    + nextExistingPage + " + grownPages " + grownPages + " pages) exceed the memory's "
                    + memory.byteSize() + " bytes");
        }
        if (allocationCount > 0 && (firstBlockOffset <= 0 || firstBlockOffset >= memory.byteSize())) {
            throw new IllegalStateException("page allocator: first block at " + firstBlockOffset
                    + " lies outside the memory");
        }
    }

    @Override
    public String toString() {
        return "Allocator.pages(" + memory + ")";
    }
}
