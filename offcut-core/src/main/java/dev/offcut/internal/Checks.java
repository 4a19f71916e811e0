package dev.offcut.internal;

/**
 * Argument checks shared by every allocator, so that every one words its exceptions the same way.
 *
 * <p>Each {@code check*} method throws {@link IllegalArgumentException} naming the argument, the expected range and
 * the value received ({@code "byteSize must be in [0, 4611686018427387903], was -1"}), and otherwise returns the
 * value. They are tiny so that the JIT inlines them into the callers'
 * hot paths; the message is built only on the failing, out-of-line path.
 */
public final class Checks {

    /**
     * The largest block size any allocator accepts: 2<sup>62</sup> - 1, so that a size plus any alignment gap and
     * header stays a positive {@code long}. {@code MAX_BYTE_SIZE} is this value; it is owned here so that
     * the memory layer, which uses these checks, does not depend on the allocator API.
     */
    public static final long MAX_BYTE_SIZE = (1L << 62) - 1;

    /** The largest alignment any allocator accepts: 2<sup>32</sup>. {@code MAX_BYTE_ALIGNMENT} is this. */
    public static final long MAX_BYTE_ALIGNMENT = 1L << 32;

    private Checks() {
    }

    /**
     * Checks a block size.
     *
     * @param byteSize the size to check
     * @return {@code byteSize}
     * @throws IllegalArgumentException if {@code byteSize} is not in {@code [0, MAX_BYTE_SIZE]}
     */
    public static long checkByteSize(long byteSize) {
        return checkByteSize("byteSize", byteSize);
    }

    /**
     * Checks a block size passed under another name (e.g. {@code newByteSize}).
     *
     * @param name     the argument's name, for the message
     * @param byteSize the size to check
     * @return {@code byteSize}
     * @throws IllegalArgumentException if {@code byteSize} is not in {@code [0, MAX_BYTE_SIZE]}
     */
    public static long checkByteSize(String name, long byteSize) {
        if (byteSize < 0 || byteSize > MAX_BYTE_SIZE) {
            throw outOfRange(name, byteSize, "in [0, " + MAX_BYTE_SIZE + "]");
        }
        return byteSize;
    }

    /**
     * Checks an alignment.
     *
     * @param byteAlignment the alignment to check
     * @return {@code byteAlignment}
     * @throws IllegalArgumentException if {@code byteAlignment} is not a power of two in
     *                                  {@code [1, MAX_BYTE_ALIGNMENT]}
     */
    public static long checkByteAlignment(long byteAlignment) {
        if (byteAlignment <= 0 || byteAlignment > MAX_BYTE_ALIGNMENT
                || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw outOfRange("byteAlignment", byteAlignment,
                    "a power of two in [1, " + MAX_BYTE_ALIGNMENT + "]");
        }
        return byteAlignment;
    }

    /**
     * Checks that a value lies in {@code [min, max]}.
     *
     * @param name  the argument's name, for the message
     * @param value the value to check
     * @param min   the smallest allowed value
     * @param max   the largest allowed value
     * @return {@code value}
     * @throws IllegalArgumentException if {@code value} is outside {@code [min, max]}
     */
    public static long checkInRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw outOfRange(name, value, "in [" + min + ", " + max + "]");
        }
        return value;
    }

    /**
     * Builds the exception for an argument out of range: {@code "<name> must be <expected>, was <value>"}.
     *
     * @param name     the argument's name
     * @param value    the value received
     * @param expected the expected range, in words that follow "must be", e.g. {@code "in [0, 5]"} or
     *                 {@code "a power of two in [1, 64]"}
     * @return the exception, not thrown
     */
    public static IllegalArgumentException outOfRange(String name, long value, String expected) {
        return new IllegalArgumentException(name + " must be " + expected + ", was " + value);
    }

    /**
     * Builds the exception for an offset that is not a live block.
     *
     * @param offset the offset received
     * @param why    what is wrong with it
     * @return the exception, not thrown
     */
    public static IllegalArgumentException notABlock(long offset, String why) {
        return new IllegalArgumentException("offset " + offset + " is not a live block: " + why);
    }

    /**
     * Builds the exception for a sized free whose size is not the block's, worded the same by every allocator:
     * {@code "byteSize 25 is not the size of the block at offset 2848 (24)"}.
     *
     * @param offset        the block's offset
     * @param byteSize      the size the caller passed
     * @param blockByteSize the size the block was allocated or last reallocated with
     * @return the exception, not thrown
     */
    public static IllegalArgumentException wrongBlockSize(long offset, long byteSize, long blockByteSize) {
        return new IllegalArgumentException("byteSize " + byteSize + " is not the size of the block at offset " + offset
                + " (" + blockByteSize + ")");
    }

    /**
     * Rounds {@code value} up to a multiple of {@code powerOfTwo}. The caller ensures no overflow.
     *
     * @param value      a non-negative value
     * @param powerOfTwo a power of two
     * @return the smallest multiple of {@code powerOfTwo} that is {@code >= value}
     */
    public static long alignUp(long value, long powerOfTwo) {
        return (value + powerOfTwo - 1) & -powerOfTwo;
    }
}
