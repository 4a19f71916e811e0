package dev.offcut.bench.subject;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes native memory by absolute address, for the subjects whose handles are addresses.
 *
 * <p>One segment spanning the whole address space, so a touch costs one bounds check and one store, the same
 * for every native subject. {@code reinterpret} is a restricted method: run with
 * {@code --enable-native-access=ALL-UNNAMED} (see {@code Catalog.JVM_FLAGS}).
 */
public final class RawMemory {

    /** The distance between the bytes {@link #touch} writes: one per 4 KiB page. */
    public static final long TOUCH_STRIDE = 4096;

    /** The distance between the bytes {@link #preTouch} writes: talc touches every 1024th byte of its arena. */
    public static final long PRE_TOUCH_STRIDE = 1024;

    @SuppressWarnings("restricted")
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final java.lang.invoke.VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();

    private RawMemory() {
    }

    /**
     * Writes the first and last byte of a block and one byte per 4 KiB between them.
     *
     * @param address  the block's address
     * @param byteSize its size, {@code >= 1}
     */
    public static void touch(long address, long byteSize) {
        EVERYTHING.set(ValueLayout.JAVA_BYTE, address, (byte) 1);
        for (long at = TOUCH_STRIDE; at < byteSize; at += TOUCH_STRIDE) {
            EVERYTHING.set(ValueLayout.JAVA_BYTE, address + at, (byte) 1);
        }
        EVERYTHING.set(ValueLayout.JAVA_BYTE, address + byteSize - 1, (byte) 1);
    }

    /**
     * Pre-touches a fixed heap before timing, as talc's benchmarks pre-touch their arena: writes one byte in every
     * {@value #PRE_TOUCH_STRIDE}, so that the measurement does not pay the first-touch page faults.
     *
     * @param address  the heap's address
     * @param byteSize its size
     */
    public static void preTouch(long address, long byteSize) {
        for (long at = 0; at < byteSize; at += PRE_TOUCH_STRIDE) {
            EVERYTHING.set(ValueLayout.JAVA_BYTE, address + at, (byte) 0);
        }
    }

    /**
     * Copies bytes between two blocks (for subjects that emulate realloc).
     *
     * @param fromAddress the source
     * @param toAddress   the destination
     * @param byteSize    how many bytes
     */
    public static void copy(long fromAddress, long toAddress, long byteSize) {
        MemorySegment.copy(EVERYTHING, fromAddress, EVERYTHING, toAddress, byteSize);
    }

    /**
     * Writes {@code byteSize} copies of a byte.
     *
     * @param address  the block's address
     * @param byteSize how many bytes
     * @param value    the byte
     */
    public static void fill(long address, long byteSize, byte value) {
        if (byteSize > SMALL_FILL) {
            EVERYTHING.asSlice(address, byteSize).fill(value);
            return;
        }
        // Small blocks (most of the workloads'): plain 8-byte stores, cheaper than a slice and a bulk fill.
        long word = (value & 0xFFL) * 0x0101010101010101L;
        long at = 0;
        for (; at + 8 <= byteSize; at += 8) {
            EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, address + at, word);
        }
        for (; at < byteSize; at++) {
            EVERYTHING.set(ValueLayout.JAVA_BYTE, address + at, value);
        }
    }

    private static final long SMALL_FILL = 256;

    /**
     * Counts the bytes of a block that differ from a value (the check of {@link #fill}).
     *
     * @param address  the block's address
     * @param byteSize how many bytes
     * @param value    the expected byte
     * @return how many differ
     */
    public static long mismatches(long address, long byteSize, byte value) {
        long bad = 0;
        for (long at = 0; at < byteSize; at++) {
            bad += EVERYTHING.get(ValueLayout.JAVA_BYTE, address + at) != value ? 1 : 0;
        }
        return bad;
    }

    /**
     * Writes a byte that the JIT may not drop or merge with the next write (opaque access: a plain store on x86).
     *
     * @param address the byte's address
     * @param value   the value
     */
    public static void setOpaque(long address, byte value) {
        BYTE.setOpaque(EVERYTHING, address, value);
    }

    /**
     * Reads a byte that the JIT may not fold into an earlier write (opaque access: a plain load on x86).
     *
     * @param address the byte's address
     * @return the value
     */
    public static byte getOpaque(long address) {
        return (byte) BYTE.getOpaque(EVERYTHING, address);
    }

    /**
     * Writes one 8-byte word (unaligned allowed).
     *
     * @param address the word's address
     * @param value   the value
     */
    public static void setLong(long address, long value) {
        EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, address, value);
    }

    /**
     * Reads one 8-byte word (unaligned allowed).
     *
     * @param address the word's address
     * @return the value
     */
    public static long getLong(long address) {
        return EVERYTHING.get(ValueLayout.JAVA_LONG_UNALIGNED, address);
    }

    /**
     * Writes one byte.
     *
     * @param address the byte's address
     * @param value   the value
     */
    public static void set(long address, byte value) {
        EVERYTHING.set(ValueLayout.JAVA_BYTE, address, value);
    }

    /**
     * Reads one byte (tests use it to check that a block is real memory).
     *
     * @param address the byte's address
     * @return its value
     */
    public static byte get(long address) {
        return EVERYTHING.get(ValueLayout.JAVA_BYTE, address);
    }
}
