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
     * Reads one byte (tests use it to check that a block is real memory).
     *
     * @param address the byte's address
     * @return its value
     */
    public static byte get(long address) {
        return EVERYTHING.get(ValueLayout.JAVA_BYTE, address);
    }
}
