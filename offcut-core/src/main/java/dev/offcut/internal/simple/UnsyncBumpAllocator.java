package dev.offcut.internal.simple;

import dev.offcut.internal.Checks;
import dev.offcut.internal.MemorySegments;
import dev.offcut.AllocatorStats;
import dev.offcut.BumpAllocator;
import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A bump allocator with marks (lol_alloc's {@code LeakingAllocator}, mini-alloc's free zeroing, plus mark/reset).
 *
 * <pre>
 *   0  1                                top                 cleanFrom           limit
 *   |--|====== blocks, never freed =====|---- dirty --------|----- zero --------|   (grown pages follow)
 *      ^ first offset: aligned up from 1, so offset 0 is never handed out
 *   no headers: a block is [offset, offset + max(byteSize, 1))
 * </pre>
 *
 * <p>Allocate: {@code start = alignUp(top, byteAlignment)}, {@code end = start + max(byteSize, 1)} (size-0 blocks take a
 * byte so that they are distinct); if {@code end > limit}, grow the memory by exactly the pages missing, in one call;
 * then {@code top = end}. Zeroed allocation zeroes only {@code [start, min(end, max(cleanFrom, top)))}: bytes at or
 * above that were grown by this allocator and never handed out, so they are still zero, as mini-alloc exploits.
 * Pages the memory had before the allocator existed are the caller's, so {@code cleanFrom} starts at their end.
 *
 * <p>Fences: if someone else grew the memory between two of this allocator's grows, their bytes
 * {@code [old limit, their end)} are recorded as a fence, and allocation skips over fences, before and after a reset,
 * so another owner's bytes are never handed out or zeroed. The hot path checks one bound, {@code barrier =
 * min(limit, next fence start)}; fences and growth are handled out of line. Over heap memory, which moves when anyone
 * grows it, the segment is re-read at every call. The hot path reads no memory, so after the memory is closed it still
 * hands out offsets below {@code barrier} (no segment reaches them); a refused grow asks the memory whether it is
 * closed, so past the barrier a closed memory throws IllegalStateException instead of looking exhausted.
 *
 * <p>Free checks the offset lies in {@code [1, top)} and does nothing. Reallocate grows or shrinks the most recent block
 * in place; any other block is copied to a new one (its old size is unknown, so the copy takes up to the new size of
 * what follows it; bytes past the old size are unspecified anyway).
 *
 * <p>Marks: {@link #mark()} pushes {@code (top, counters)} on a small Java-side stack and returns {@code top};
 * {@link #reset(long)} finds that entry, restores it and drops the entries above it. Marks are not on any hot path.
 *
 * <p>Invariants: every byte at or above {@code max(cleanFrom, top)} and below {@code limit}, outside the fences, is
 * zero (fence bytes are another owner's; {@code cleanFrom} is raised lazily, only when {@code top} moves down: on
 * reset and in-place shrink);
 * {@code 1 <= top <= max(limit, 1)}; {@code cleanFrom <= limit <= memory.byteSize()}; mark tops are
 * non-decreasing and {@code <= top}; fences are non-empty, ordered, below {@code limit}, never contain {@code top},
 * and {@code nextFence} is the first at or above {@code top}. Not thread-safe.
 */
public final class UnsyncBumpAllocator implements BumpAllocator {

    private static final long FIRST_TOP = 1;

    private final LinearMemory memory;
    /** Heap memory moves when anyone grows it: then the segment is re-read at every call, not only after our grows. */
    private final boolean movesOnGrow;
    private MemorySegment segment;
    private long top = FIRST_TOP;
    private long limit;
    private long cleanFrom;
    /** The most recent block, which may be resized in place; {@code NULL} after a reset. */
    private long lastOffset = NULL;
    private long lastByteSize;

    private long allocationCount;
    private long allocatedBytes;
    private long totalAllocationCount;
    private long totalAllocatedBytes;

    private long[] markTops = new long[4];
    private long[] markCounts = new long[4];
    private long[] markBytes = new long[4];
    private int markDepth;

    /** Bytes someone else grew the memory by, as {@code [start, end)} pairs in address order: never handed out. */
    private long[] fences = new long[0];
    private int fenceCount;
    /** The first fence at or above {@code top}; {@code fenceCount} if none. */
    private int nextFence;
    /** {@code min(limit, start of the next fence)}: an allocation that would end past it takes the slow path. */
    private long barrier;

    /**
     * Creates a bump allocator that starts with the memory's existing bytes.
     *
     * @param memory the memory to allocate from
     */
    public UnsyncBumpAllocator(LinearMemory memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.movesOnGrow = !memory.growsInPlace();
        this.segment = memory.segment();
        this.limit = segment.byteSize();
        this.cleanFrom = limit;
        this.barrier = limit;
    }

    @Override
    public LinearMemory memory() {
        return memory;
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (movesOnGrow) {
            segment = memory.segment();
        }
        long start = Checks.alignUp(top, byteAlignment);
        long end = start + Math.max(byteSize, 1);
        if (end > barrier) {
            start = tryPlaceSlow(byteSize, byteAlignment);
            if (start == NULL) {
                return NULL;
            }
            end = start + Math.max(byteSize, 1);
        }
        top = end;
        updateBarrier();
        lastOffset = start;
        lastByteSize = byteSize;
        allocationCount++;
        totalAllocationCount++;
        allocatedBytes += byteSize;
        totalAllocatedBytes += byteSize;
        return start;
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        long dirtyEnd = Math.max(cleanFrom, top);
        long offset = tryAllocate(byteSize, byteAlignment);
        if (offset != NULL) {
            MemorySegments.zero(segment, offset, Math.min(byteSize, dirtyEnd - offset));
        }
        return offset;
    }

    /**
     * Places a block that would cross the next fence or the limit: skips fences and grows, at most twice (once more
     * only if someone else grew the memory meanwhile, so that a fence ate the start of our new pages). Changes
     * nothing but the memory's size unless it succeeds.
     *
     * @return the block's start, with {@code top} and {@code nextFence} moved up to it; or {@code NULL}
     */
    private long tryPlaceSlow(long byteSize, long byteAlignment) {
        long at = top;
        int fence = nextFence;
        for (int grows = 0; ; ) {
            long start = Checks.alignUp(at, byteAlignment);
            long end = start + Math.max(byteSize, 1);
            if (fence < fenceCount && end > fences[2 * fence]) {
                at = fences[2 * fence + 1];
                fence++;
            } else if (end <= limit) {
                top = at;
                nextFence = fence;
                return start;
            } else if (grows++ == 2 || !tryGrowTo(end)) {
                return NULL;
            }
        }
    }

    /**
     * Grows the memory by the pages {@code end} lacks, in one grow call. If someone else grew the memory since our
     * last grow, their bytes {@code [limit, their end)} become a fence and the new pages start after them.
     *
     * @return {@code false} if the memory refused
     */
    private boolean tryGrowTo(long end) {
        long pages = (end - limit + LinearMemory.PAGE_BYTE_SIZE - 1) >>> LinearMemory.PAGE_SHIFT;
        long oldPages = memory.grow(pages);
        if (oldPages < 0) {
            memory.segment(); // a closed memory refuses every grow: throw that it is closed, not report exhaustion
            return false;
        }
        long oldByteSize = oldPages << LinearMemory.PAGE_SHIFT;
        segment = memory.segment();
        if (oldByteSize != limit) {
            if (fenceCount * 2 == fences.length) {
                fences = Arrays.copyOf(fences, Math.max(4, fences.length * 2));
            }
            fences[2 * fenceCount] = limit;
            fences[2 * fenceCount + 1] = oldByteSize;
            fenceCount++;
        }
        limit = oldByteSize + (pages << LinearMemory.PAGE_SHIFT);
        updateBarrier();
        return true;
    }

    private void updateBarrier() {
        barrier = nextFence < fenceCount ? Math.min(limit, fences[2 * nextFence]) : limit;
    }

    /**
     * Points {@code nextFence} at the first fence at or above {@code top}, after {@code top} moved down; a fence that
     * holds the new top moves top to its end. That happens when someone else grew the memory before this allocator's
     * first grow: the fence then starts at 0 and holds {@code FIRST_TOP}, the top of a full reset and of a mark taken
     * before the first allocation.
     */
    private void findNextFence() {
        int fence = 0;
        while (fence < fenceCount && fences[2 * fence] < top) {
            top = Math.max(top, fences[2 * fence + 1]);
            fence++;
        }
        nextFence = fence;
        updateBarrier();
    }

    private void checkLive(long offset, long byteSize) {
        if (offset < FIRST_TOP || offset >= top || offset + Math.max(byteSize, 1) > top) {
            throw Checks.notABlock(offset, "live bump blocks lie in [" + FIRST_TOP + ", " + top + ")");
        }
    }

    @Override
    public void free(long offset) {
        if (offset != NULL) {
            checkLive(offset, 0);
        }
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        if (offset != NULL) {
            checkLive(offset, byteSize);
        }
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        Checks.checkByteSize("newByteSize", newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (offset == NULL) {
            return tryAllocate(newByteSize, byteAlignment);
        }
        checkLive(offset, 0);
        if (movesOnGrow) {
            segment = memory.segment();
        }
        if (offset == lastOffset && (offset & (byteAlignment - 1)) == 0) {
            long end = offset + Math.max(newByteSize, 1);
            // In place if it fits below the barrier, or if a grow makes room without a fence in the way.
            int fencesBefore = fenceCount;
            if (end <= barrier || (nextFence == fenceCount && tryGrowTo(end) && fenceCount == fencesBefore)) {
                cleanFrom = Math.min(limit, Math.max(cleanFrom, top)); // a shrink leaves dirty bytes above top
                top = end;
                updateBarrier();
                allocatedBytes += newByteSize - lastByteSize;
                totalAllocatedBytes += Math.max(0, newByteSize - lastByteSize);
                lastByteSize = newByteSize;
                return offset;
            }
        }
        long oldTop = top;
        long moved = tryAllocate(newByteSize, byteAlignment);
        if (moved != NULL) {
            MemorySegments.copy(segment, offset, moved, Math.min(newByteSize, oldTop - offset));
        }
        return moved;
    }

    @Override
    public long mark() {
        if (markDepth == markTops.length) {
            markTops = Arrays.copyOf(markTops, markDepth * 2);
            markCounts = Arrays.copyOf(markCounts, markDepth * 2);
            markBytes = Arrays.copyOf(markBytes, markDepth * 2);
        }
        markTops[markDepth] = top;
        markCounts[markDepth] = allocationCount;
        markBytes[markDepth] = allocatedBytes;
        markDepth++;
        lastOffset = NULL; // a block older than the mark must not move top: reset(mark) would cut into it
        return top;
    }

    @Override
    public void reset(long mark) {
        int i = markDepth - 1;
        while (i >= 0 && markTops[i] > mark) {
            i--;
        }
        if (i < 0 || markTops[i] != mark) {
            throw new IllegalArgumentException("mark must be a live mark of this allocator (one of "
                    + Arrays.toString(Arrays.copyOf(markTops, markDepth)) + "), was " + mark);
        }
        cleanFrom = Math.min(limit, Math.max(cleanFrom, top)); // everything below the old top is dirty now
        top = mark;
        findNextFence();
        allocationCount = markCounts[i];
        allocatedBytes = markBytes[i];
        markDepth = i + 1;
        lastOffset = NULL;
    }

    @Override
    public void reset() {
        cleanFrom = Math.min(limit, Math.max(cleanFrom, top));
        top = FIRST_TOP;
        findNextFence();
        allocationCount = 0;
        allocatedBytes = 0;
        markDepth = 0;
        lastOffset = NULL;
    }

    @Override
    public AllocatorStats stats() {
        // Available: the free stretches above top, between the fences still ahead of it.
        long available = 0;
        long fragments = 0;
        long from = top;
        for (int fence = nextFence; fence <= fenceCount; fence++) {
            long to = fence < fenceCount ? fences[2 * fence] : limit;
            if (to > from) {
                available += to - from;
                fragments++;
            }
            if (fence < fenceCount) {
                from = fences[2 * fence + 1];
            }
        }
        long heaps = limit > 0 ? 1 : 0;
        return new AllocatorStats(allocationCount, totalAllocationCount, allocatedBytes, totalAllocatedBytes,
                available, fragments, heaps, heaps, limit, limit, memory.byteSize());
    }

    @Override
    public void verify() {
        if (top < FIRST_TOP || top > Math.max(limit, FIRST_TOP)) {
            throw new IllegalStateException("bump: top " + top + " outside [" + FIRST_TOP + ", " + limit + "]");
        }
        if (limit > memory.byteSize()) {
            throw new IllegalStateException("bump: limit " + limit + " beyond the memory's " + memory.byteSize());
        }
        if (cleanFrom > limit) {
            throw new IllegalStateException("bump: cleanFrom " + cleanFrom + " beyond limit " + limit);
        }
        for (int fence = 0; fence < fenceCount; fence++) {
            long start = fences[2 * fence];
            long end = fences[2 * fence + 1];
            if (start >= end || end > limit || (fence > 0 && start < fences[2 * fence - 1])
                    || (top > start && top < end)) {
                throw new IllegalStateException("bump: fence " + fence + " [" + start + ", " + end + ") is empty,"
                        + " out of order, past limit " + limit + " or holds top " + top);
            }
        }
        if (nextFence > fenceCount || (nextFence < fenceCount && fences[2 * nextFence] < top)
                || (nextFence > 0 && fences[2 * nextFence - 2] >= top)) {
            throw new IllegalStateException("bump: next fence index " + nextFence + " is not the first fence above"
                    + " top " + top);
        }
        for (int i = 0; i < markDepth; i++) {
            if (markTops[i] > top || (i > 0 && markTops[i] < markTops[i - 1])) {
                throw new IllegalStateException("bump: mark " + i + " at " + markTops[i]
                        + " is above top " + top + " or below the mark before it");
            }
        }
        if (allocationCount < 0 || allocatedBytes < 0 || allocatedBytes > top) {
            throw new IllegalStateException("bump: counters " + allocationCount + " blocks, " + allocatedBytes
                    + " bytes do not fit below top " + top);
        }
    }

    @Override
    public String toString() {
        return "Allocator.bump(" + memory + ")";
    }
}
