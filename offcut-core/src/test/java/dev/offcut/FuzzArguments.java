package dev.offcut;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * Argument values for the Jazzer fuzz targets ({@code *FuzzTest}), drawn from the fuzzer's bytes: mostly the sizes
 * and alignments real callers pass, some at the edges of the documented ranges, and hostile ones just outside them.
 *
 * <p>Why a helper: a fuzzer mutating raw longs almost never lands on {@code MAX_BYTE_SIZE + 1} or a power of two
 * above {@code MAX_BYTE_ALIGNMENT}; choosing a class of value first (one byte) and then the value makes every edge
 * reachable by a one-byte mutation.
 */
// Public members reached by fuzz targets in other packages; their signatures use Jazzer types.
@SuppressWarnings("exports")
public final class FuzzArguments {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    /** Sizes just inside the documented range that no small memory can hold: they must fail as out of memory. */
    private static final long[] HUGE_BYTE_SIZES = {Allocator.MAX_BYTE_SIZE, Allocator.MAX_BYTE_SIZE - 15, 1L << 40,
            1L << 32, Integer.MAX_VALUE, 64L << 20};

    /** Sizes at the edges of pages and granules, where rounding goes wrong. */
    private static final long[] EDGE_BYTE_SIZES = {0, 1, 7, 8, 15, 16, 17, 24, 31, 32, 33, 4096, PAGE - 16, PAGE - 8,
            PAGE - 1, PAGE, PAGE + 1, 2 * PAGE};

    /** Sizes outside {@code [0, MAX_BYTE_SIZE]}. */
    private static final long[] BAD_BYTE_SIZES = {-1, -8, Long.MIN_VALUE, Long.MAX_VALUE, Allocator.MAX_BYTE_SIZE + 1,
            Long.MIN_VALUE + 1, -PAGE};

    /** Alignments that are not a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}. */
    private static final long[] BAD_BYTE_ALIGNMENTS = {0, -1, -8, 3, 6, 24, 1L << 33, Allocator.MAX_BYTE_ALIGNMENT + 1,
            Long.MIN_VALUE, Long.MAX_VALUE, (1L << 62) + 1, 1L << 62};

    private FuzzArguments() {
    }

    /**
     * A size a caller may pass: small most often, sometimes medium or at an edge; never out of range.
     *
     * @param data        the fuzzer's bytes
     * @param maxByteSize the largest medium size to draw (huge ones are drawn from a fixed list regardless)
     * @return a size in {@code [0, MAX_BYTE_SIZE]}
     */
    public static long byteSize(FuzzedDataProvider data, long maxByteSize) {
        return switch (data.consumeInt(0, 7)) {
            case 0, 1, 2 -> data.consumeLong(0, 64);
            case 3, 4 -> data.consumeLong(0, Math.min(4096, maxByteSize));
            case 5 -> data.consumeLong(0, maxByteSize);
            case 6 -> pick(data, EDGE_BYTE_SIZES);
            default -> pick(data, HUGE_BYTE_SIZES);
        };
    }

    /**
     * An alignment a caller may pass: up to 64 most often, sometimes any power of two up to the maximum.
     *
     * @param data the fuzzer's bytes
     * @return a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}
     */
    public static long byteAlignment(FuzzedDataProvider data) {
        int log2 = data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 32) : data.consumeInt(0, 6);
        return 1L << log2;
    }

    /**
     * A size outside the documented range.
     *
     * @param data the fuzzer's bytes
     * @return a negative size or one above {@code MAX_BYTE_SIZE}
     */
    public static long badByteSize(FuzzedDataProvider data) {
        if (data.consumeBoolean()) {
            return pick(data, BAD_BYTE_SIZES);
        }
        long any = data.consumeLong();
        return any < 0 ? any : any | (Allocator.MAX_BYTE_SIZE + 1);
    }

    /**
     * An alignment outside the documented range: not a power of two, or above the maximum.
     *
     * @param data the fuzzer's bytes
     * @return a bad alignment
     */
    public static long badByteAlignment(FuzzedDataProvider data) {
        if (data.consumeBoolean()) {
            return pick(data, BAD_BYTE_ALIGNMENTS);
        }
        long any = data.consumeLong();
        boolean powerOfTwoInRange = any > 0 && Long.bitCount(any) == 1 && any <= Allocator.MAX_BYTE_ALIGNMENT;
        return powerOfTwoInRange ? any + 1 + (any == 1 ? 1 : 0) : any;
    }

    /**
     * Any long, with the edges of the long range and of the memory (its size, maximum and page boundaries) likely.
     *
     * @param data   the fuzzer's bytes
     * @param memory the memory whose edges are interesting, or {@code null}
     * @return a long
     */
    public static long anyLong(FuzzedDataProvider data, LinearMemory memory) {
        long memoryByteSize = memory == null ? PAGE : memory.byteSize();
        long maxByteSize = memory == null ? 2 * PAGE : memory.maxByteSize();
        return switch (data.consumeInt(0, 9)) {
            case 0 -> data.consumeLong();
            case 1 -> data.consumeLong(-64, 64);
            case 2 -> memoryByteSize + data.consumeLong(-64, 64);
            case 3 -> maxByteSize + data.consumeLong(-64, 64);
            case 4 -> data.consumeLong(0, Math.max(0, memoryByteSize));
            case 5 -> PAGE * data.consumeLong(-2, 70);
            case 6 -> Long.MAX_VALUE - data.consumeLong(0, 64);
            case 7 -> Long.MIN_VALUE + data.consumeLong(0, 64);
            case 8 -> 1L << data.consumeInt(0, 63);
            default -> pick(data, BAD_BYTE_ALIGNMENTS);
        };
    }

    /**
     * One of {@code values}.
     *
     * @param data   the fuzzer's bytes
     * @param values the choices, at least one
     * @return an element of {@code values}
     */
    public static long pick(FuzzedDataProvider data, long[] values) {
        return values[data.consumeInt(0, values.length - 1)];
    }
}
