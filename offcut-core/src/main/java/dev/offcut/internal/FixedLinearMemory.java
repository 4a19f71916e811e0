package dev.offcut.internal;

import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;

/**
 * Linear memory over a segment the caller owns; it cannot grow.
 *
 * <pre>
 *   caller's segment (native, heap or mapped file)
 *   |&lt;---------------- byteSize = segment.byteSize() ----------------&gt;|
 *   pageCount = byteSize / 64 KiB (rounded down); grow(n &gt; 0) = -1
 * </pre>
 *
 * <p>The segment's size need not be a whole number of pages: allocators use every byte of it. Its contents are the
 * caller's, so allocators treat it as dirty (not known to be zero). Closing the memory only detaches it; the caller
 * closes the segment's arena. Thread-safe: the only mutable state is the volatile view.
 */
public final class FixedLinearMemory implements LinearMemory {

    private final long byteSize;
    private volatile MemorySegment view;

    /**
     * Wraps {@code segment}.
     *
     * @param segment a read-write segment
     */
    public FixedLinearMemory(MemorySegment segment) {
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException("segment must be writable, was read-only");
        }
        this.view = segment;
        this.byteSize = segment.byteSize();
    }

    @Override
    public long pageCount() {
        segment(); // throws once closed, as the interface promises
        return byteSize >>> PAGE_SHIFT;
    }

    @Override
    public long maxPageCount() {
        return byteSize >>> PAGE_SHIFT;
    }

    @Override
    public long byteSize() {
        segment();
        return byteSize;
    }

    @Override
    public long maxByteSize() {
        return byteSize;
    }

    @Override
    public long grow(long deltaPages) {
        Checks.checkInRange("deltaPages", deltaPages, 0, Long.MAX_VALUE);
        if (view == null) {
            return -1;
        }
        return deltaPages == 0 ? pageCount() : -1;
    }

    @Override
    public MemorySegment segment() {
        MemorySegment v = view;
        if (v == null) {
            throw new IllegalStateException("the memory is closed");
        }
        return v;
    }

    @Override
    public boolean growsInPlace() {
        return true;
    }

    @Override
    public void close() {
        view = null;
    }

    @Override
    public String toString() {
        return "LinearMemory.of[" + (view == null ? "closed" : byteSize + " bytes") + "]";
    }
}
