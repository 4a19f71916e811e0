package dev.offcut.internal;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Offcut's checked debug mode: a wrapper that keeps its own exact record of live blocks and checks every call and
 * every answer against it, then runs the delegate's {@link Allocator#verify()}.
 *
 * <pre>
 *   live: TreeMap offset -&gt; requested byteSize      (Java heap, beside the allocator)
 *   before a call: the offset must be live (exactly), the size must be its size   -&gt; else IAE, delegate untouched
 *   after a call:  the new block is non-zero, aligned, inside the memory, overlaps no live block;
 *                  zeroed blocks are zero; a reallocation kept min(old, new) bytes; delegate.verify() passes
 *                                                                                     -&gt; else IllegalStateException
 * </pre>
 *
 * <p>Why: allocators detect bad frees with cheap tag checks that can be fooled by a forged header; this wrapper
 * cannot be, so it turns every misuse into an exception at the call that made it, and every allocator bug into an
 * exception at the call that exposed it. It costs a map entry per block, a content copy per reallocation, and a full
 * {@code verify()} walk per call: for tests and debugging, never for production. Not thread-safe (wrap it in
 * {@link Allocator#locked(Allocator)} to share).
 */
public final class UnsyncCheckedAllocator implements Allocator {

    private final Allocator delegate;
    private final TreeMap<Long, Long> live = new TreeMap<>();

    /**
     * Wraps {@code delegate}, which must have no live blocks yet (blocks allocated before are unknown to the record).
     *
     * @param delegate the allocator to check
     */
    public UnsyncCheckedAllocator(Allocator delegate) {
        this.delegate = Objects.requireNonNull(delegate, "allocator");
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
        checkLive(offset);
        delegate.free(offset);
        live.remove(offset);
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
            throw new IllegalArgumentException("byteSize must be the block's size " + liveByteSize + ", was "
                    + byteSize);
        }
        delegate.free(offset, byteSize);
        live.remove(offset);
        verifyDelegate("free");
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        if (offset == NULL) {
            long moved = delegate.tryReallocate(NULL, newByteSize, byteAlignment);
            recordNew(moved, newByteSize, byteAlignment, "tryReallocate");
            return moved;
        }
        Checks.checkByteSize("newByteSize", newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        long oldByteSize = checkLive(offset);
        long keptByteSize = Math.min(oldByteSize, newByteSize);
        byte[] kept = delegate.memory().segment().asSlice(offset, keptByteSize).toArray(ValueLayout.JAVA_BYTE);
        long moved = delegate.tryReallocate(offset, newByteSize, byteAlignment);
        if (moved == NULL) {
            verifyDelegate("tryReallocate");
            return NULL;
        }
        live.remove(offset);
        recordNew(moved, newByteSize, byteAlignment, "tryReallocate");
        MemorySegment now = delegate.memory().segment();
        long mismatch = MemorySegment.ofArray(kept).mismatch(now.asSlice(moved, keptByteSize));
        if (mismatch >= 0) {
            throw broken("tryReallocate", "byte " + mismatch + " of the block moved from " + offset + " to " + moved
                    + " changed");
        }
        return moved;
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
        verifyDelegate(call);
    }

    private void verifyDelegate(String call) {
        try {
            delegate.verify();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("checked mode: after " + call + ": " + e.getMessage(), e);
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
