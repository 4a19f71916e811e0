package dev.offcut.internal.simple;

/**
 * The binary layout of {@link UnsyncFreeListAllocator}'s chunks: every offset, tag and mask in one place.
 *
 * <pre>
 *   chunk start = 8 (mod 16)                                      payload = 0 (mod 16)
 *   |                                                             |
 *   v                                                             v
 *   +---------------------------+----------------------------------------------------+
 *   | header: tag(16) | size(48)| allocated: the caller's bytes                      |
 *   +---------------------------+----------------------------------------------------+
 *   | header: tag(16) | size(48)| next free chunk (0 = none) | unused ...            |  free
 *   +---------------------------+----------------------------+-----------------------+
 *
 *   header bits 63..48: TAG_ALLOCATED (0xA10C), TAG_FREE (0xF4EE) or TAG_FENCE (0xFE4C); any other value is
 *                       not a chunk
 *   header bits 47..0 : allocated -> the size the caller asked for (the chunk size follows from it)
 *                       free      -> the chunk size
 *                       fence     -> the chunk size: bytes someone else grew the memory by, never a block
 * </pre>
 *
 * <p>Why the requested size and not the chunk size in an allocated header: the chunk size is a function of it
 * ({@link #chunkByteSize(long)}), so one word gives both the exact {@code allocatedBytes} statistic and the sized-free
 * check, with no second word. That works because every split leaves a remainder that is 0 or a whole chunk: chunk
 * sizes and alignment gaps are all multiples of {@link #GRANULE}, and the smallest chunk is one granule.
 */
public final class FreeListLayout {

    private FreeListLayout() {
    }

    /** Bytes of the header word in front of every payload. */
    public static final long HEADER_BYTE_SIZE = 8;
    /** Chunk sizes and gaps are multiples of this; chunk starts are {@code 8 (mod GRANULE)}. */
    public static final long GRANULE = 16;
    /** The smallest chunk: a header and one word, the next link when free. */
    public static final long MIN_CHUNK_BYTE_SIZE = GRANULE;
    /** Offset of the next-free link inside a free chunk. */
    public static final long NEXT_OFFSET = 8;
    /** The first chunk of the heap: offset 8, so the first payload is 16 and offset 0 is never a block. */
    public static final long HEAP_START = 8;

    /** Where the tag sits in a header. */
    public static final int TAG_SHIFT = 48;
    /** The size bits of a header. */
    public static final long SIZE_MASK = (1L << TAG_SHIFT) - 1;
    /** Tag of an allocated chunk's header. */
    public static final long TAG_ALLOCATED = 0xA10CL;
    /** Tag of a free chunk's header. */
    public static final long TAG_FREE = 0xF4EEL;
    /**
     * Tag of a fence: a chunk that covers bytes someone else grew the memory by. It keeps the heap tileable and is
     * never free and never a block, so no call can hand out or free another owner's bytes.
     */
    public static final long TAG_FENCE = 0xFE4CL;

    /**
     * Returns the header of an allocated chunk.
     *
     * @param requestedByteSize the size the caller asked for, {@code < 2^48}
     * @return the header word
     */
    public static long allocatedHeader(long requestedByteSize) {
        return TAG_ALLOCATED << TAG_SHIFT | requestedByteSize;
    }

    /**
     * Returns the header of a free chunk.
     *
     * @param chunkByteSize the chunk's size
     * @return the header word
     */
    public static long freeHeader(long chunkByteSize) {
        return TAG_FREE << TAG_SHIFT | chunkByteSize;
    }

    /**
     * Returns the header of a fence chunk.
     *
     * @param chunkByteSize the fence's size
     * @return the header word
     */
    public static long fenceHeader(long chunkByteSize) {
        return TAG_FENCE << TAG_SHIFT | chunkByteSize;
    }

    /**
     * Returns the size of the chunk a header starts: the chunk size for free chunks and fences, the size derived from
     * the requested size for allocated chunks.
     *
     * @param header a header word with a valid tag
     * @return the chunk's size
     */
    public static long chunkByteSizeOf(long header) {
        return tag(header) == TAG_ALLOCATED ? chunkByteSize(size(header)) : size(header);
    }

    /**
     * Returns the tag of a header.
     *
     * @param header a header word
     * @return its top 16 bits
     */
    public static long tag(long header) {
        return header >>> TAG_SHIFT;
    }

    /**
     * Returns the size field of a header.
     *
     * @param header a header word
     * @return its low 48 bits
     */
    public static long size(long header) {
        return header & SIZE_MASK;
    }

    /**
     * Returns the chunk size that holds {@code requestedByteSize} bytes: header plus payload, rounded up to a granule.
     *
     * @param requestedByteSize the size the caller asked for, {@code < 2^61}
     * @return the chunk size, a multiple of {@link #GRANULE}, at least {@link #MIN_CHUNK_BYTE_SIZE}
     */
    public static long chunkByteSize(long requestedByteSize) {
        return Math.max(MIN_CHUNK_BYTE_SIZE, (requestedByteSize + HEADER_BYTE_SIZE + GRANULE - 1) & -GRANULE);
    }

    /**
     * Returns the end of the heap for a memory of {@code memoryByteSize} bytes: the largest offset that is
     * {@code 8 (mod 16)} and leaves room for a whole number of granules after {@link #HEAP_START}.
     *
     * @param memoryByteSize the memory's size
     * @return the heap's end, {@code >= HEAP_START}
     */
    public static long heapEnd(long memoryByteSize) {
        return memoryByteSize < HEAP_START + GRANULE ? HEAP_START : ((memoryByteSize - HEAP_START) & -GRANULE) + HEAP_START;
    }
}
