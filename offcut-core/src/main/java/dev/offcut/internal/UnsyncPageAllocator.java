package dev.offcut.internal;

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
 * <p>Allocate: grow {@code max(1, ceil(byteSize / 64 KiB))} pages, plus {@code byteAlignment / 64 KiB - 1} more for
 * alignments above a page, and return the first aligned offset in them. If the memory is empty, page 0 is grown
 * and burnt first, because offset 0 means "no block". Free: check that the offset could be a block, then nothing.
 * Reallocate: allocate and copy. Pages the memory had before this allocator are left alone.
 *
 * <p>Blocks are zero: pages are zero when first grown into, so {@code tryAllocateZeroed} is {@code tryAllocate}.
 * Invariants: every block offset is a multiple of 64 KiB in {@code [firstBlockOffset, memory.byteSize())};
 * {@code claimedBytes == grown pages * 64 KiB}. Not thread-safe (the counters are plain fields).
 */
public final class UnsyncPageAllocator implements Allocator {

    private static final long PAGE_BYTE_SIZE = LinearMemory.PAGE_BYTE_SIZE;

    private final LinearMemory memory;
    /** Offset of the first block ever handed out, {@code Long.MAX_VALUE} before that. */
    private long firstBlockOffset = Long.MAX_VALUE;
    private long allocationCount;
    private long allocatedBytes;
    private long claimedBytes;

    /**
     * Creates a page allocator over {@code memory}.
     *
     * @param memory the memory to grow
     */
    public UnsyncPageAllocator(LinearMemory memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
    }

    @Override
    public LinearMemory memory() {
        return memory;
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (memory.pageCount() == 0) {
            if (memory.grow(1) < 0) {
                return NULL;
            }
            claimedBytes += PAGE_BYTE_SIZE;
        }
        long pages = Math.max(1, Checks.alignUp(byteSize, PAGE_BYTE_SIZE) >>> LinearMemory.PAGE_SHIFT);
        long extraPages = byteAlignment > PAGE_BYTE_SIZE ? (byteAlignment >>> LinearMemory.PAGE_SHIFT) - 1 : 0;
        long oldPages = memory.grow(pages + extraPages);
        if (oldPages < 0) {
            return NULL;
        }
        claimedBytes += (pages + extraPages) << LinearMemory.PAGE_SHIFT;
        long offset = Checks.alignUp(oldPages << LinearMemory.PAGE_SHIFT, byteAlignment);
        firstBlockOffset = Math.min(firstBlockOffset, offset);
        allocationCount++;
        allocatedBytes += byteSize;
        return offset;
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        return tryAllocate(byteSize, byteAlignment); // fresh pages are zero
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
        Checks.checkByteSize(newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (offset == NULL) {
            return tryAllocate(newByteSize, byteAlignment);
        }
        checkBlock(offset);
        long moved = tryAllocate(newByteSize, byteAlignment);
        if (moved != NULL) {
            // The old size is unknown (no headers); bytes past it are unspecified, so copying up to the new size,
            // bounded by what lies before the new block, keeps every byte that was the block's.
            long byteCount = Math.min(newByteSize, moved - offset);
            MemorySegments.copy(memory.segment(), offset, moved, byteCount);
        }
        return moved;
    }

    @Override
    public AllocatorStats stats() {
        long heaps = claimedBytes > 0 ? 1 : 0;
        return new AllocatorStats(allocationCount, allocationCount, allocatedBytes, allocatedBytes, 0, 0, heaps, heaps,
                claimedBytes, claimedBytes, memory.byteSize());
    }

    @Override
    public void verify() {
        if (claimedBytes > memory.byteSize() || (claimedBytes & (PAGE_BYTE_SIZE - 1)) != 0) {
            throw new IllegalStateException("page allocator: claimedBytes " + claimedBytes
                    + " is not whole pages within the memory's " + memory.byteSize() + " bytes");
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
