package dev.offcut.internal.concurrent;

/**
 * The size classes of the concurrent allocator: which block size serves a request, how many pages a span of each
 * class has, and the arithmetic that turns an offset inside a span into a block index without a division.
 *
 * <h2>The classes</h2>
 * <ul>
 *   <li>Classes 0 to 7: 16, 32, ..., 128 bytes (16-byte steps; waste below 16 bytes a block).</li>
 *   <li>Classes 8 to 39: four per power of two from 128 to 32 KiB: {@code p + p/4, p + p/2, p + 3p/4, 2p} for
 *       {@code p = 128, 256, ..., 16384}. A request above 128 bytes gets a block of at most 1.25 times its size
 *       (strictly less: {@code (p + (k+1)p/4) / (p + kp/4 + 1) < 1.25}).</li>
 * </ul>
 * Every block size is a multiple of 16, so every block is 16-aligned. Spans start on a 64 KiB page boundary and
 * block {@code i} sits at {@code spanBase + i * blockSize}, so a block's alignment is the largest power of two that
 * divides its block size (at most 64 KiB). A request with a larger alignment takes the smallest class at or above its
 * size whose block size is a multiple of the alignment; the power-of-two classes always are, so every alignment up
 * to 32 KiB is served by a class.
 *
 * <h2>Spans</h2>
 * Blocks up to 8 KiB live in one-page spans (64 KiB, at least 8 blocks), up to 16 KiB in two-page spans, up to
 * 32 KiB in four-page spans (at least 8 blocks each). The three span lengths are the span <em>kinds</em> 0, 1, 2.
 */
final class SizeClasses {

    /** Number of classes. */
    static final int COUNT = 40;

    /** The largest block size the classes serve. */
    static final int MAX_BLOCK_SIZE = 32 << 10;

    /** The largest alignment a class serves. */
    static final long MAX_ALIGNMENT = 32 << 10;

    /** Number of span kinds (lengths in pages 1, 2, 4). */
    static final int KINDS = 3;

    /** The most blocks any span holds: a one-page span of 16-byte blocks. */
    static final int MAX_BLOCKS = 4096;

    private static final int[] BLOCK_SIZE = new int[COUNT];
    private static final int[] BLOCKS = new int[COUNT];
    private static final int[] KIND = new int[COUNT];
    private static final long[] RECIPROCAL = new long[COUNT];
    /** Class of {@code (byteSize + 15) >>> 4} for sizes up to 1 KiB. */
    private static final byte[] SMALL = new byte[65];

    static {
        for (int c = 0; c < 8; c++) {
            BLOCK_SIZE[c] = 16 * (c + 1);
        }
        int c = 8;
        for (int p = 128; p <= 16384; p <<= 1) {
            for (int k = 1; k <= 4; k++) {
                BLOCK_SIZE[c++] = p + k * (p >>> 2);
            }
        }
        for (c = 0; c < COUNT; c++) {
            int size = BLOCK_SIZE[c];
            KIND[c] = size <= 8192 ? 0 : size <= 16384 ? 1 : 2;
            BLOCKS[c] = (int) (spanBytes(KIND[c]) / size);
            // ceil(2^40 / size): with offsets below 2^18 the error stays below 2^-22 < 1 / size, so the quotient is
            // exact for every offset inside a span (and the tests check every one)
            RECIPROCAL[c] = ((1L << 40) + size - 1) / size;
        }
        for (int i = 0; i <= 64; i++) {
            SMALL[i] = (byte) arithmeticClassOf(i << 4);
        }
    }

    private SizeClasses() {
    }

    /**
     * Returns the class of a request without alignment beyond 16.
     *
     * @param byteSize a size in {@code [0, MAX_BLOCK_SIZE]}
     * @return the smallest class whose block size is {@code >= byteSize}
     */
    static int classOf(long byteSize) {
        if (byteSize <= 1024) {
            return SMALL[(int) ((byteSize + 15) >>> 4)];
        }
        return arithmeticClassOf(byteSize);
    }

    /** The class of a size computed without the table, for sizes up to {@link #MAX_BLOCK_SIZE}. */
    static int arithmeticClassOf(long byteSize) {
        if (byteSize <= 128) {
            return byteSize == 0 ? 0 : (int) ((byteSize - 1) >>> 4);
        }
        long s = byteSize - 1;
        int log = 63 - Long.numberOfLeadingZeros(s);
        return 8 + (log - 7) * 4 + (int) ((s >>> (log - 2)) & 3);
    }

    /**
     * Returns the class that serves a request, or -1 if no class does (the back end must).
     *
     * @param byteSize      the size, {@code >= 0}
     * @param byteAlignment a power of two
     * @return the smallest class whose blocks are at least {@code byteSize} long and aligned to {@code byteAlignment},
     *         or -1
     */
    static int classFor(long byteSize, long byteAlignment) {
        if (byteSize > MAX_BLOCK_SIZE || byteAlignment > MAX_ALIGNMENT) {
            return -1;
        }
        if (byteAlignment <= 16) {
            return classOf(byteSize);
        }
        int c = classOf(Math.max(byteSize, byteAlignment));
        while ((BLOCK_SIZE[c] & (byteAlignment - 1)) != 0) {
            c++;
        }
        return c;
    }

    /**
     * Returns a class's block size.
     *
     * @param c a class
     * @return its block size in bytes
     */
    static int blockSize(int c) {
        return BLOCK_SIZE[c];
    }

    /**
     * Returns how many blocks a span of the class holds.
     *
     * @param c a class
     * @return the block count
     */
    static int blocks(int c) {
        return BLOCKS[c];
    }

    /**
     * Returns the span kind of a class.
     *
     * @param c a class
     * @return 0, 1 or 2 for spans of 1, 2 or 4 pages
     */
    static int kind(int c) {
        return KIND[c];
    }

    /**
     * Returns the reciprocal used by {@link #index(long, long)}.
     *
     * @param c a class
     * @return {@code ceil(2^40 / blockSize)}
     */
    static long reciprocal(int c) {
        return RECIPROCAL[c];
    }

    /**
     * Divides an offset inside a span by the block size with a multiply.
     *
     * @param relative   the offset from the span's base, in {@code [0, 256 KiB)}
     * @param reciprocal the class's {@link #reciprocal(int)}
     * @return {@code relative / blockSize}
     */
    static int index(long relative, long reciprocal) {
        return (int) ((relative * reciprocal) >>> 40);
    }

    /**
     * Returns the pages of a span kind.
     *
     * @param kind 0, 1 or 2
     * @return 1, 2 or 4
     */
    static int spanPages(int kind) {
        return 1 << kind;
    }

    /**
     * Returns the bytes of a span kind.
     *
     * @param kind 0, 1 or 2
     * @return 64, 128 or 256 KiB
     */
    static long spanBytes(int kind) {
        return (long) spanPages(kind) << 16;
    }

    /**
     * Tells whether the class records a block's slack (block size minus requested size) in two bytes.
     *
     * @param c a class
     * @return {@code true} for block sizes above 1 KiB (a narrow class's slack is below 255 for any request without
     *         a larger alignment: at most 128, for 897 bytes in 1 KiB)
     */
    static boolean wideSlack(int c) {
        return BLOCK_SIZE[c] > 1024;
    }
}
