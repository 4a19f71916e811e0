package dev.offcut.internal.binned;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Every binary layout constant of the binned allocator ({@link UnsyncBinnedAllocator}): the metadata superblock, the
 * heap header, the chunk header word and its tag bits, in the style of Agrona's {@code RecordDescriptor}. Offsets are
 * in bytes; every word is a native-order {@code long} read and written whole (never a byte of it: talc #49).
 *
 * <h2>Superblock (at the metadata offset {@code M}; 0 for an allocator that owns its memory)</h2>
 * <pre>
 *   M +   0  MAGIC                   "OFFCUTB0"; its low three bits are 0, so it never reads as an allocated chunk
 *   M +   8  VERSION_BINNING         LAYOUT_VERSION &lt;&lt; 32 | binning id
 *   M +  16  SALT                    mixed into every chunk's check bits; random per build, so that nested
 *                                    allocators, and one built again over the same bytes, do not share tags
 *   M +  24  SUPERBLOCK_BYTE_SIZE    the byte size of this superblock
 *   M +  32  FIRST_HEAP              offset of the lowest heap, 0 if none; heaps form a list ordered by offset
 *   M +  40  SOURCE_STATE            1 once a claim source has claimed its region
 *   M +  48  HEAPS_LOW               lowest heap offset (or Long.MAX_VALUE without heaps); the allocator object
 *                                    keeps a copy of both bounds for the bad-free range check
 *   M +  56  HEAPS_HIGH              highest heap end (or 0 without heaps)
 *   M +  64  (reserved, 0)            \  the counters a walk of the heaps cannot rebuild, as AllocatorStats names
 *   M +  72  TOTAL_ALLOCATION_COUNT   |  them. Only the two totals change per operation (allocation, growing
 *   M +  80  (reserved, 0)            |  reallocation); the counters a walk CAN rebuild (freed count and bytes,
 *   M +  88  TOTAL_ALLOCATED_BYTES    |  free chunk bytes, fragments) live in the allocator object and open()
 *   M +  96  (reserved, 0)            |  rebuilds them with one walk: a free writes no counter word at all.
 *   M + 104  (reserved, 0)            |  (allocationCount = TOTAL_ALLOCATION_COUNT - the object's freed count)
 *   M + 112  HEAP_COUNT               |
 *   M + 120  TOTAL_HEAP_COUNT         |
 *   M + 128  CLAIMED_BYTES            |  superblock + every heap
 *   M + 136  TOTAL_CLAIMED_BYTES     /
 *   M + 192  BITMAP                  binCount / 64 words: bit b set iff bin b is non-empty
 *   M + 192 + 8 * words  BIN_HEADS   binCount words: offset of the first free chunk of each bin, 0 if empty
 *   then QUICK_HEADS                  quickClassCount words: count &lt;&lt; 48 | first chunk of the quick list of
 *                                     chunk size 32 + 16 * i (0 if empty); at most QUICK_LIMIT chunks each
 *   size rounded up to 64 bytes
 * </pre>
 *
 * <h2>Heap (at heap offset {@code H}, a multiple of 8; end {@code E}, a multiple of 16)</h2>
 * <pre>
 *   H + 0   HEAP_END    E
 *   H + 8   HEAP_NEXT   offset of the next heap up, 0 for the last
 *   H + 16  (one pad word if H is a multiple of 16, so that the first chunk F = firstChunk(H) is 8 mod 16)
 *   F       first chunk ... chunks tile [F, E - 8) exactly ...
 *   E - 8   sentinel    H | SENTINEL | ALLOCATED | (PREV_FREE) | check(E - 8, H)
 *                       (it looks allocated, so nothing merges past it)
 * </pre>
 *
 * <h2>Chunk header word (at chunk offset {@code c = 8 mod 16}; the block starts at {@code c + 8}, 16-aligned)</h2>
 * Chunk sizes are multiples of {@link #CHUNK_UNIT} (16), so every chunk starts at 8 mod 16 and every block is
 * 16-aligned, as malloc's are: 16-byte requests take the ordinary path, and their blocks need no gap.
 * <pre>
 *   63        54 53    48 47                                   3   2          1           0
 *   +-----------+--------+--------------------------------------+---+----------+-----------+
 *   | check     | slack  | size (bits 3..47)                    | S | PREV_FREE| ALLOCATED |
 *   +-----------+--------+--------------------------------------+---+----------+-----------+
 *   size     = a multiple of 16 in a chunk header; a sentinel's size bits hold its heap's offset H instead
 *   check    = check(c, size) = top 10 bits of (c ^ size ^ salt) * 0x9E3779B97F4A7C15 (size: the word's size
 *              bits, a sentinel's heap offset): keyed by position, so a stale or forged word fails, and by size, so
 *              that a flipped size bit fails too (every single-bit flip of bits 3..47 changes the check bits, for
 *              every c and salt: BinnedHardeningTest); since layout version 5
 *   slack    = size - 8 - requested byte size (allocated chunks only; always &lt;= 40: at most 24 of rounding
 *              and a 16-byte remainder too small to split off);
 *              63 (QUICK_SLACK) marks a freed chunk parked in a quick list, still ALLOCATED to its neighbours
 *   S        = SENTINEL (only the word at a heap's end)
 * </pre>
 * <pre>
 *   allocated chunk:  [header][block ........................................ slack]
 *   free chunk:       [header][next free][prev free][ ... ][footer = size]
 *                     header = size | check(c, size), ALLOCATED = 0, PREV_FREE = 0 (no two free chunks touch)
 *   quick chunk:      [header | ALLOCATED | QUICK_SLACK][next quick][ ... ]   (not merged until consolidated)
 * </pre>
 */
public final class BinnedLayout {

    private BinnedLayout() {
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Words

    /** A word of the layout: a native-order {@code long}, at any offset (heap offsets are only 8-aligned). */
    public static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    /** The offset that names no chunk, heap or block: offset 0 always holds metadata or nothing. */
    public static final long NULL = 0;

    /**
     * Reads a word.
     *
     * @param s      the memory's segment
     * @param offset the word's offset
     * @return the word
     */
    public static long get(MemorySegment s, long offset) {
        return s.get(WORD, offset);
    }

    /**
     * Writes a word.
     *
     * @param s      the memory's segment
     * @param offset the word's offset
     * @param value  the word
     */
    public static void put(MemorySegment s, long offset, long value) {
        s.set(WORD, offset, value);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Superblock

    /**
     * "OFFCUTB0" in ASCII, most significant byte first (so a little-endian dump shows "0BTUCFFO"); low three bits zero
     * so the word never passes as an allocated chunk header.
     */
    public static final long MAGIC = 0x4F46_4643_5554_4230L;
    /**
     * The version of this layout, stored in the superblock; {@code open} refuses any other. 5: the check bits cover
     * the chunk's size (issue 13), so a version 4 memory's tags do not pass; 4: the layout of issue 11's split.
     */
    public static final int LAYOUT_VERSION = 5;

    /** Offset of the magic word in the superblock. */
    public static final int SB_MAGIC = 0;
    /** Offset of {@code LAYOUT_VERSION << 32 | binning id}. */
    public static final int SB_VERSION_BINNING = 8;
    /** Offset of the check salt. */
    public static final int SB_SALT = 16;
    /** Offset of the superblock's own byte size. */
    public static final int SB_BYTE_SIZE = 24;
    /** Offset of the first (lowest) heap's offset, 0 if there is none. */
    public static final int SB_FIRST_HEAP = 32;
    /** Offset of the source state word (claim source: 1 once used). */
    public static final int SB_SOURCE_STATE = 40;
    /** Offset of the lowest heap offset. */
    public static final int SB_HEAPS_LOW = 48;
    /** Offset of the highest heap end. */
    public static final int SB_HEAPS_HIGH = 56;
    /** Offset of the count of blocks ever allocated. */
    public static final int SB_TOTAL_ALLOCATION_COUNT = 72;
    /** Offset of the requested bytes ever allocated. */
    public static final int SB_TOTAL_ALLOCATED_BYTES = 88;
    /** Offset of the number of heaps. */
    public static final int SB_HEAP_COUNT = 112;
    /** Offset of the number of heaps ever claimed. */
    public static final int SB_TOTAL_HEAP_COUNT = 120;
    /** Offset of the bytes of all heaps plus the superblock. */
    public static final int SB_CLAIMED_BYTES = 128;
    /** Offset of the bytes ever claimed. */
    public static final int SB_TOTAL_CLAIMED_BYTES = 136;
    /** Offset of the first bitmap word; a second cache line from the counters. */
    public static final int SB_BITMAP = 192;

    /**
     * Returns the offset of the bin heads in a superblock.
     *
     * @param binCount the number of bins, a multiple of 64
     * @return the offset of bin 0's head word
     */
    public static int binHeadsOffset(int binCount) {
        return SB_BITMAP + 8 * (binCount >>> 6);
    }

    /**
     * Returns the offset of the quick list heads in a superblock.
     *
     * @param binCount the number of bins, a multiple of 64
     * @return the offset of quick class 0's head word
     */
    public static int quickHeadsOffset(int binCount) {
        return binHeadsOffset(binCount) + 8 * binCount;
    }

    /**
     * Returns the byte size of a superblock.
     *
     * @param binCount        the number of bins, a multiple of 64
     * @param quickClassCount the number of quick lists
     * @return the byte size, a multiple of 64
     */
    public static int superblockByteSize(int binCount, int quickClassCount) {
        return (quickHeadsOffset(binCount) + 8 * quickClassCount + SUPERBLOCK_ALIGNMENT - 1) & -SUPERBLOCK_ALIGNMENT;
    }

    /**
     * The alignment of a superblock's offset and size: a cache line, so that the counters share none with a block.
     * {@code BinnedAllocator.Builder.metadataOffset} requires it, and a parent source's metadata block has it.
     */
    public static final int SUPERBLOCK_ALIGNMENT = 64;

    /**
     * Returns the offset of a bin's head word.
     *
     * @param headsBase the offset of bin 0's head word ({@code M + binHeadsOffset(binCount)})
     * @param bin       a bin in {@code [0, binCount - 1]}
     * @return the head word's offset
     */
    public static long binHeadAt(long headsBase, int bin) {
        return headsBase + 8L * bin;
    }

    /**
     * Returns the offset of the bitmap word that holds a bin's bit (bit {@code bin & 63}, as {@code 1L << bin}).
     *
     * @param bitmapBase the offset of the first bitmap word ({@code M + SB_BITMAP})
     * @param bin        a bin in {@code [0, binCount - 1]}
     * @return the bitmap word's offset
     */
    public static long bitmapWordAt(long bitmapBase, int bin) {
        return bitmapBase + 8L * (bin >>> 6);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Heap

    /** Offset in a heap's header of the heap's end. */
    public static final int HEAP_END = 0;
    /** Offset in a heap's header of the next heap's offset. */
    public static final int HEAP_NEXT = 8;
    /** The byte size of the heap header's two words; the first chunk follows, after a pad word if needed. */
    public static final int HEAP_HEADER_BYTE_SIZE = 16;
    /** The byte size of the sentinel word at a heap's end. */
    public static final int SENTINEL_BYTE_SIZE = 8;
    /** Heap header, the largest pad and the sentinel together: a heap's overhead at most. */
    public static final int HEAP_OVERHEAD_BYTE_SIZE = HEAP_HEADER_BYTE_SIZE + 8 + SENTINEL_BYTE_SIZE;

    /**
     * Returns the offset of a heap's first chunk: the first offset at or after the header's two words that is 8 mod
     * 16, so that its block is 16-aligned.
     *
     * @param heap the heap's offset, a multiple of 8
     * @return {@code heap + 16} or {@code heap + 24}
     */
    public static long firstChunk(long heap) {
        return ((heap + HEAP_HEADER_BYTE_SIZE + HEADER_BYTE_SIZE + CHUNK_UNIT - 1) & -CHUNK_UNIT) - HEADER_BYTE_SIZE;
    }

    /**
     * Returns the smallest end a heap at {@code heap} can have: room for one smallest chunk and the sentinel.
     *
     * @param heap the heap's offset, a multiple of 8
     * @return the smallest end, a multiple of 16
     */
    public static long minHeapEnd(long heap) {
        return firstChunk(heap) + MIN_CHUNK_BYTE_SIZE + SENTINEL_BYTE_SIZE;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Chunks

    /** Chunk sizes are multiples of this, and chunk offsets are 8 more than a multiple of it. */
    public static final int CHUNK_UNIT = 16;
    /** The header word in front of every block: the only per-block overhead. */
    public static final int HEADER_BYTE_SIZE = 8;
    /** The smallest chunk: header, two links, footer. */
    public static final int MIN_CHUNK_BYTE_SIZE = 32;
    /** The smallest heap at any offset: header, pad, one minimal chunk, sentinel. */
    public static final int MIN_HEAP_BYTE_SIZE = HEAP_OVERHEAD_BYTE_SIZE + MIN_CHUNK_BYTE_SIZE;
    /** The smallest heap of all, at 8 mod 16 (no pad): so a memory holds at most {@code byteSize / 56} heaps. */
    public static final int SMALLEST_HEAP_BYTE_SIZE = HEAP_HEADER_BYTE_SIZE + MIN_CHUNK_BYTE_SIZE + SENTINEL_BYTE_SIZE;
    /** The largest chunk the size field can hold (exclusive bound): 2^48. */
    public static final long MAX_CHUNK_BYTE_SIZE = 1L << 48;

    /** Offset in a free chunk of the next free chunk in its bin (0 = last). */
    public static final int FREE_NEXT = 8;
    /** Offset in a free chunk of the previous free chunk in its bin (0 = first). */
    public static final int FREE_PREV = 16;

    /** Header flag: the chunk is allocated (also set in sentinels). */
    public static final long ALLOCATED = 1L;
    /** Header flag: the chunk just below is free, so its footer is at {@code c - 8}. */
    public static final long PREV_FREE = 2L;
    /** Header flag: this word is a heap's end sentinel; its size bits hold the heap's offset. */
    public static final long SENTINEL = 4L;
    /** The size bits. */
    public static final long SIZE_MASK = 0x0000_FFFF_FFFF_FFF8L;
    /** Position of the slack field. */
    public static final int SLACK_SHIFT = 48;
    /** The slack field, unshifted: 6 bits. */
    public static final long SLACK_MASK = 0x3FL;
    /**
     * The most slack an allocated chunk holds: 24 bytes of rounding (a 0-byte request in a 32-byte chunk) plus a
     * 16-byte remainder too small to split off. Every value above it, QUICK_SLACK included, is not an allocated
     * chunk's.
     */
    public static final long MAX_SLACK = 40;
    /** The slack value that marks a chunk parked in a quick list. */
    public static final long QUICK_SLACK = 0x3FL;
    /** {@link #QUICK_SLACK} in place. */
    public static final long QUICK_MARK = QUICK_SLACK << 48;
    /** A quick list head word: the first parked chunk's offset in its low 48 bits ... */
    public static final long QUICK_LINK_MASK = (1L << 48) - 1;
    /** ... and, from this bit up, how many chunks the list holds, so that pushes can be bounded for free. */
    public static final int QUICK_COUNT_SHIFT = 48;
    /**
     * Returns the offset of a chunk size's quick list head from the first one (8 bytes per 16-byte size step).
     *
     * @param chunkSize a chunk size, a multiple of 16, {@code >= 32}
     * @return the head's offset from quick list 0's head
     */
    public static long quickHeadOffset(long chunkSize) {
        return (chunkSize - MIN_CHUNK_BYTE_SIZE) >>> 1;
    }

    /** The most chunks one quick list holds; further frees of that size merge into the bins at once. */
    public static final long QUICK_LIMIT = 16;
    /** Position of the check field. */
    public static final int CHECK_SHIFT = 54;
    /** The check field, in place: the top 10 bits. */
    public static final long CHECK_MASK = -1L << CHECK_SHIFT;
    /** The multiplier of the check hash (the 64-bit golden ratio). */
    public static final long CHECK_MULTIPLIER = 0x9E37_79B9_7F4A_7C15L;

    /** The byte size of a free chunk's footer, its last word, which repeats its size for the chunk above. */
    public static final int FOOTER_BYTE_SIZE = 8;

    /**
     * Returns the chunk size that holds a block of {@code byteSize} bytes: the header plus the block, rounded up to
     * {@link #CHUNK_UNIT}, at least {@link #MIN_CHUNK_BYTE_SIZE}.
     *
     * @param byteSize a requested byte size, {@code <= Allocator.MAX_BYTE_SIZE}
     * @return the chunk size
     */
    public static long chunkSizeFor(long byteSize) {
        return Math.max(MIN_CHUNK_BYTE_SIZE, (byteSize + HEADER_BYTE_SIZE + CHUNK_UNIT - 1) & -CHUNK_UNIT);
    }

    /**
     * Returns the header word of an allocated chunk: its size, ALLOCATED, the PREV_FREE flag given, the slack
     * ({@code size - 8 - requestedByteSize}) and the check bits.
     *
     * @param size              the chunk's size, a multiple of 16
     * @param prevFree          {@link #PREV_FREE} if the chunk below is free, else 0
     * @param requestedByteSize the block's requested size, with {@code size - 8 - requestedByteSize <= MAX_SLACK}
     * @param checkBits         {@code checkBits(chunk, size, salt)}
     * @return the header word
     */
    public static long allocatedHeader(long size, long prevFree, long requestedByteSize, long checkBits) {
        return size | ALLOCATED | prevFree | ((size - HEADER_BYTE_SIZE - requestedByteSize) << SLACK_SHIFT) | checkBits;
    }

    /**
     * Returns the header word of a free chunk: its size and check bits (no flag: no free chunk has a free chunk
     * below it).
     *
     * @param size      the chunk's size, a multiple of 16
     * @param checkBits {@code checkBits(chunk, size, salt)}
     * @return the header word
     */
    public static long freeHeader(long size, long checkBits) {
        return size | checkBits;
    }

    /**
     * Returns the sentinel word at a heap's end.
     *
     * @param heap      the heap's offset
     * @param prevFree  {@link #PREV_FREE} if the heap's top chunk is free, else 0
     * @param checkBits {@code checkBits(end - 8, heap, salt)}
     * @return the sentinel word
     */
    public static long sentinel(long heap, long prevFree, long checkBits) {
        return heap | SENTINEL | ALLOCATED | prevFree | checkBits;
    }

    /**
     * Returns the slack field of an allocated chunk's header.
     *
     * @param header an allocated chunk's header word
     * @return {@code size - 8 - requested byte size}
     */
    public static long slack(long header) {
        return (header >>> SLACK_SHIFT) & SLACK_MASK;
    }

    /**
     * Returns the requested byte size of the block an allocated chunk's header describes.
     *
     * @param header an allocated chunk's header word
     * @return the chunk's size - 8 - its slack
     */
    public static long requestedByteSize(long header) {
        return (header & SIZE_MASK) - HEADER_BYTE_SIZE - ((header >>> SLACK_SHIFT) & SLACK_MASK);
    }

    /**
     * Returns the offset of a free chunk's footer.
     *
     * @param chunk the chunk's offset
     * @param size  its size
     * @return {@code chunk + size - 8}
     */
    public static long footerAt(long chunk, long size) {
        return chunk + size - FOOTER_BYTE_SIZE;
    }

    /**
     * Returns the offset of the footer of the free chunk just below {@code chunk} (valid when {@code chunk}'s header,
     * or a sentinel at {@code chunk}, has PREV_FREE).
     *
     * @param chunk a chunk's (or a sentinel's) offset
     * @return {@code chunk - 8}
     */
    public static long footerBelow(long chunk) {
        return chunk - FOOTER_BYTE_SIZE;
    }

    /**
     * Returns the check bits, in place, for a header word at {@code chunkOffset} whose size bits hold {@code size}.
     * The size is XORed into the multiplier's input beside the position: one XOR more than a position-only check.
     * Flipping any one input bit {@code j} in 3..47 adds or subtracts {@code CHECK_MULTIPLIER << j} to the product,
     * whose top 10 bits are neither all zeros nor all ones for any such {@code j}, so the check field always changes
     * (a carry from below can cancel at most one unit): a single flipped size bit is always caught; more flips, or a
     * word from another position, pass with probability about 2<sup>-10</sup>.
     *
     * @param chunkOffset the offset of the header word
     * @param size        the word's size bits ({@code header & SIZE_MASK}): a chunk's size, a sentinel's heap offset
     * @param salt        the allocator's salt
     * @return the check field, already shifted into bits 54..63
     */
    public static long checkBits(long chunkOffset, long size, long salt) {
        return ((chunkOffset ^ size ^ salt) * CHECK_MULTIPLIER) & CHECK_MASK;
    }
}
