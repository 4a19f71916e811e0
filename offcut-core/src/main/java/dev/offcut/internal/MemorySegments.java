package dev.offcut.internal;

import java.lang.foreign.MemorySegment;

/**
 * Bulk operations on offsets of one segment, shared by the allocators.
 */
public final class MemorySegments {

    /**
     * A source of zeros to copy from. Why copy instead of {@code asSlice(offset, n).fill(0)}: a slice is a new object
     * on every call, and the offset API promises to allocate none; {@link MemorySegment#copy} takes offsets.
     */
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new long[4096]).asReadOnly();

    private MemorySegments() {
    }

    /**
     * Copies {@code byteCount} bytes inside {@code segment}; overlapping ranges are handled as {@code memmove}.
     *
     * @param segment    the memory
     * @param fromOffset the source offset
     * @param toOffset   the destination offset
     * @param byteCount  the number of bytes
     */
    public static void copy(MemorySegment segment, long fromOffset, long toOffset, long byteCount) {
        if (byteCount > 0) {
            MemorySegment.copy(segment, fromOffset, segment, toOffset, byteCount);
        }
    }

    /**
     * Sets {@code byteCount} bytes at {@code offset} to zero.
     *
     * @param segment   the memory
     * @param offset    the first byte
     * @param byteCount the number of bytes
     */
    public static void zero(MemorySegment segment, long offset, long byteCount) {
        long zeroBytes = ZEROS.byteSize();
        for (long done = 0; done < byteCount; done += zeroBytes) {
            MemorySegment.copy(ZEROS, 0, segment, offset + done, Math.min(zeroBytes, byteCount - done));
        }
    }
}
