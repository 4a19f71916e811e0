package dev.offcut.internal.debug;

import dev.offcut.internal.Checks;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Offcut's checked debug mode: a wrapper that keeps its own exact record of live blocks and checks every call and
 * every answer against it, then runs the delegate's {@link Allocator#verify()} and compares its counters with the
 * record.
 *
 * <pre>
 *   live: TreeMap offset -&gt; requested byteSize      (Java heap, beside the allocator)
 *   before a call: the offset must be live (exactly), the size must be its size   -&gt; else IAE, delegate untouched
 *   after a call:  the new block is non-zero, aligned, inside the memory, overlaps no live block;
 *                  zeroed blocks are zero; a reallocation kept min(old, new) bytes; delegate.verify() passes;
 *                  the delegate's counters agree with the record (below)              -&gt; else IllegalStateException
 * </pre>
 *
 * <p>Invariant, checked after every call and by {@link #verify()}, with {@code base} the delegate's counters when it
 * was wrapped and {@code released} the blocks the wrapper has freed or seen moved away by a reallocation:
 * <pre>
 *   delegate.stats().allocationCount() == base.allocationCount() + live.size()          [+ released count]
 *   delegate.stats().allocatedBytes()  == base.allocatedBytes()  + sum of live sizes   [+ released bytes]
 * </pre>
 * The bracketed terms apply to a delegate that never frees a block (bump, pages), which keeps counting what it was
 * told to free; the first release shows which kind the delegate is, and from then on one form must hold exactly.
 * So a block allocated or freed through the delegate behind the wrapper's back, or a counter the delegate forgot to
 * update, is reported at the next call.
 *
 * <p>Why: allocators detect bad frees with cheap tag checks that can be fooled by a forged header; this wrapper
 * cannot be, so it turns every misuse into an exception at the call that made it, and every allocator bug into an
 * exception at the call that exposed it. It costs a map entry per block, a content copy per reallocation, a
 * statistics snapshot and a full {@code verify()} walk per call: for tests and debugging, never for production. Not
 * thread-safe (wrap it in {@link Allocator#locked(Allocator)} to share).
 *
 * <p>Origin: the debugging modes of C allocators, which trade speed for catching misuse where it happens: glibc's
 * {@code MALLOC_CHECK_} and {@code mcheck} (consistency checks on every call), debug heaps such as Microsoft's CRT
 * debug heap and Electric Fence, and Valgrind's memcheck, which like this wrapper keeps its own table of live blocks
 * outside the heap, so a corrupted heap cannot corrupt the record that judges it.
 */
public final class UnsyncCheckedAllocator implements Allocator {

    /** What the delegate does with a block the wrapper releases; unknown until the first release shows it. */
    private enum Releases {
        UNKNOWN, FREES_IT, KEEPS_COUNTING_IT
    }

    private final Allocator delegate;
    private final TreeMap<Long, Long> live = new TreeMap<>();
    /** The delegate's counters when wrapped: blocks the record does not know and that it never frees. */
    private final long baseAllocationCount;
    private final long baseAllocatedBytes;
    /** The sum of the sizes in {@link #live}. */
    private long liveBytes;
    /** Blocks the wrapper freed, or saw moved away by a reallocation, and their bytes. */
    private long releasedCount;
    private long releasedBytes;
    private Releases releases = Releases.UNKNOWN;

    /**
     * Wraps {@code delegate}. Blocks it already has are unknown to the record: they cannot be freed through the
     * wrapper, and they stay in the delegate's counters as a constant base.
     *
     * @param delegate the allocator to check
     */
    public UnsyncCheckedAllocator(Allocator delegate) {
        this.delegate = Objects.requireNonNull(delegate, "allocator");
        AllocatorStats base = delegate.stats();
        this.baseAllocationCount = base.allocationCount();
        this.baseAllocatedBytes = base.allocatedBytes();
    }

    @Override
    public LinearMemory memory() {
        return delegate.memory();
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        long offset = delegate.tryAllocate(byteSize, byteAlignment);
        recordNew(offset, byteSize, byteAlignment, "tryAllocate");
        return offset;
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        long offset = delegate.tryAllocateZeroed(byteSize, byteAlignment);
        recordNew(offset, byteSize, byteAlignment, "tryAllocateZeroed");
        if (offset != NULL) {
            MemorySegment segment = delegate.memory().segment();
            for (long i = 0; i < byteSize; i++) {
                if (segment.get(ValueLayout.JAVA_BYTE, offset + i) != 0) {
                    throw broken("tryAllocateZeroed", "byte " + i + " of the block at " + offset + " is not zero");
                }
            }
        }
        return offset;
    }

    @Override
    public void free(long offset) {
        if (offset == NULL) {
            return;
        }
        long byteSize = checkLive(offset);
        delegate.free(offset);
        forget(offset, byteSize);
        verifyDelegate("free");
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        if (offset == NULL) {
            return;
        }
        long liveByteSize = checkLive(offset);
        if (liveByteSize != byteSize) {
            throw Checks.wrongBlockSize(offset, byteSize, liveByteSize);
        }
        delegate.free(offset, byteSize);
        forget(offset, byteSize);
        verifyDelegate("free");
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        Checks.checkByteSize("newByteSize", newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (offset == NULL) {
            long moved = delegate.tryReallocate(NULL, newByteSize, byteAlignment);
            recordNew(moved, newByteSize, byteAlignment, "tryReallocate");
            return moved;
        }
        long oldByteSize = checkLive(offset);
        long keptByteSize = Math.min(oldByteSize, newByteSize);
        // A native copy, not a byte[]: a block may be larger than an array can hold (2 GiB).
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment kept = scratch.allocate(keptByteSize);
            kept.copyFrom(delegate.memory().segment().asSlice(offset, keptByteSize));
            long moved = delegate.tryReallocate(offset, newByteSize, byteAlignment);
            if (moved == NULL) {
                verifyDelegate("tryReallocate");
                long mismatch = keptMismatch(kept, offset);
                if (mismatch >= 0) {
                    throw broken("tryReallocate", "a failed reallocation changed byte " + mismatch + " of the block at "
                            + offset);
                }
                return NULL;
            }
            if (moved == offset) {
                live.remove(offset);
                liveBytes -= oldByteSize;
            } else {
                forget(offset, oldByteSize);
            }
            recordNew(moved, newByteSize, byteAlignment, "tryReallocate");
            long mismatch = keptMismatch(kept, moved);
            if (mismatch >= 0) {
                throw broken("tryReallocate", "byte " + mismatch + " of the block moved from " + offset + " to " + moved
                        + " changed");
            }
            return moved;
        }
    }

    /** Returns the first byte where the block at {@code offset} differs from {@code kept}, or -1. */
    private long keptMismatch(MemorySegment kept, long offset) {
        return kept.mismatch(delegate.memory().segment().asSlice(offset, kept.byteSize()));
    }

    private long checkLive(long offset) {
        Long byteSize = live.get(offset);
        if (byteSize == null) {
            Map.Entry<Long, Long> below = live.floorEntry(offset);
            String why = below != null && offset < below.getKey() + Math.max(1, below.getValue())
                    ? "it lies inside the block at " + below.getKey()
                    : "no live block starts there (checked mode)";
            throw Checks.notABlock(offset, why);
        }
        return byteSize;
    }

    private void recordNew(long offset, long byteSize, long byteAlignment, String call) {
        if (offset == NULL) {
            verifyDelegate(call);
            return;
        }
        if (offset < 0 || offset % byteAlignment != 0) {
            throw broken(call, "offset " + offset + " is not aligned to " + byteAlignment);
        }
        long end = offset + Math.max(byteSize, 1);
        if (end > delegate.memory().byteSize()) {
            throw broken(call, "block [" + offset + ", " + end + ") ends past the memory's "
                    + delegate.memory().byteSize() + " bytes");
        }
        Map.Entry<Long, Long> below = live.floorEntry(offset);
        if (below != null && below.getKey() + Math.max(1, below.getValue()) > offset) {
            throw broken(call, "block at " + offset + " overlaps the live block at " + below.getKey());
        }
        Long above = live.ceilingKey(offset);
        if (above != null && above < end) {
            throw broken(call, "block [" + offset + ", " + end + ") overlaps the live block at " + above);
        }
        live.put(offset, byteSize);
        liveBytes += byteSize;
        verifyDelegate(call);
    }

    /** Drops a block the wrapper freed or saw moved away from the record, counting it as released. */
    private void forget(long offset, long byteSize) {
        live.remove(offset);
        liveBytes -= byteSize;
        releasedCount++;
        releasedBytes += byteSize;
    }

    private void verifyDelegate(String call) {
        try {
            delegate.verify();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("checked mode: after " + call + ": " + e.getMessage(), e);
        }
        verifyCounters(call);
    }

    /**
     * Checks the invariant of the class comment: the delegate's live counters equal the record's, plus its base and,
     * for a delegate that never frees, the released blocks.
     */
    private void verifyCounters(String call) {
        AllocatorStats stats = delegate.stats();
        long count = stats.allocationCount() - baseAllocationCount;
        long bytes = stats.allocatedBytes() - baseAllocatedBytes;
        boolean freesThem = count == live.size() && bytes == liveBytes;
        boolean countsThem = count == live.size() + releasedCount && bytes == liveBytes + releasedBytes;
        boolean holds = switch (releases) {
            case FREES_IT -> freesThem;
            case KEEPS_COUNTING_IT -> countsThem;
            case UNKNOWN -> freesThem || countsThem;
        };
        if (!holds) {
            throw new IllegalStateException("checked mode: after " + call + ": invariant allocationCount == base + live"
                    + " blocks" + (releases == Releases.KEEPS_COUNTING_IT ? " + released blocks" : "")
                    + " (and allocatedBytes likewise) is broken: " + delegate + " counts " + count + " blocks of "
                    + bytes + " bytes beyond its base, the record has " + live.size() + " live blocks of " + liveBytes
                    + " bytes and " + releasedCount + " released blocks of " + releasedBytes + " bytes");
        }
        if (releases == Releases.UNKNOWN && releasedCount > 0) {
            releases = freesThem ? Releases.FREES_IT : Releases.KEEPS_COUNTING_IT;
        }
    }

    private IllegalStateException broken(String call, String what) {
        return new IllegalStateException("checked mode: " + call + " of " + delegate + " broke its contract: " + what);
    }

    /**
     * Returns the number of live blocks in the wrapper's own record.
     *
     * @return the live block count
     */
    public int liveBlockCount() {
        return live.size();
    }

    @Override
    public AllocatorStats stats() {
        return delegate.stats();
    }

    @Override
    public void verify() {
        verifyDelegate("verify");
    }

    @Override
    public String toString() {
        return "Allocator.checked(" + delegate + ")";
    }
}
