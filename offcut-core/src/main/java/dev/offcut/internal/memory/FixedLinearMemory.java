package dev.offcut.internal.memory;

import dev.offcut.internal.Checks;

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
 * closes the segment's arena. Thread-safe, as every {@code AbstractLinearMemory}.
 */
public final class FixedLinearMemory extends AbstractLinearMemory {

    private final long fixedByteSize;
    private final long addressAlignment;

    /**
     * Wraps {@code segment}.
     *
     * @param segment a read-write segment
     */
    public FixedLinearMemory(MemorySegment segment) {
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException("segment must be writable, was read-only");
        }
        this.fixedByteSize = segment.byteSize();
        this.addressAlignment = Math.min(segment.maxByteAlignment(), Checks.MAX_BYTE_ALIGNMENT);
        super(segment, segment.byteSize() >>> PAGE_SHIFT);
    }

    @Override
    public long maxByteSize() {
        return fixedByteSize;
    }

    /** {@return the segment's own address alignment (the lowest set bit of a native address), at most 2^32} */
    @Override
    public long addressAlignment() {
        return addressAlignment;
    }

    @Override
    MemorySegment tryGrow(MemorySegment old, long newByteSize) {
        // maxPageCount == pageCount, so AbstractLinearMemory.grow refuses every real grow before getting here.
        throw new AssertionError("a fixed memory cannot grow");
    }

    @Override
    public boolean growsInPlace() {
        return true;
    }

    @Override
    void release() {
        // The segment is the caller's: closing the memory only detaches it.
    }

    @Override
    String name() {
        return "LinearMemory.of";
    }
}
