package dev.offcut.internal;

import java.lang.foreign.MemorySegment;

/**
 * Linear memory on a Java {@code long[]}, grown by copying into a larger array.
 *
 * <pre>
 *   long[] words  (8 bytes each; a segment over it has maxByteAlignment 8)
 *   |&lt;------------- byteSize = pageCount * 64 KiB -------------&gt;|
 *   grow(n): words = Arrays.copyOf(words, (pageCount + n) * 8192)
 * </pre>
 *
 * <p>Why {@code long[]} and not {@code byte[]}: a segment over a {@code long[]} is 8-byte aligned, so the allocators'
 * 8-byte metadata words and {@code JAVA_LONG} values in blocks can be accessed aligned. Offsets stay valid across a
 * grow, but a segment taken before the grow still points at the old array, so {@link #growsInPlace()} is false and
 * callers must re-read {@link #segment()} after any grow. The GC reclaims the memory; {@link #close()} only drops the
 * reference.
 *
 * <p>Thread-safe, as every {@code AbstractLinearMemory}. A write made through an old view while another thread grows
 * may be lost: share a growable heap memory only behind a lock that also covers writes, or use native memory.
 */
public final class HeapLinearMemory extends AbstractLinearMemory {

    /** The most a heap memory may hold: 2^33 bytes, 2^30 longs, within one Java array. */
    public static final long MAX_HEAP_BYTE_SIZE = 1L << 33;

    /**
     * Creates the memory and grows it to its initial size.
     *
     * @param maxByteSize     the maximum, rounded up to whole pages
     * @param initialByteSize the initial size, rounded up to whole pages
     */
    public HeapLinearMemory(long maxByteSize, long initialByteSize) {
        Checks.checkInRange("maxByteSize", maxByteSize, 1, MAX_HEAP_BYTE_SIZE);
        Checks.checkInRange("initialByteSize", initialByteSize, 0, maxByteSize);
        long initialWords = Checks.alignUp(initialByteSize, PAGE_BYTE_SIZE) >>> 3;
        super(MemorySegment.ofArray(new long[Math.toIntExact(initialWords)]),
                Checks.alignUp(maxByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT);
    }

    @Override
    MemorySegment tryGrow(MemorySegment old, long newByteSize) {
        long[] words;
        try {
            words = new long[Math.toIntExact(newByteSize >>> 3)];
        } catch (OutOfMemoryError e) {
            return null; // the Java heap is full: report it as a refused grow, as memory.grow would
        }
        MemorySegment grown = MemorySegment.ofArray(words);
        grown.copyFrom(old);
        return grown;
    }

    @Override
    public boolean growsInPlace() {
        return false;
    }

    @Override
    void release() {
        // Nothing to release: the GC reclaims the array once no segment refers to it.
    }

    @Override
    String name() {
        return "LinearMemory.ofHeap";
    }
}
