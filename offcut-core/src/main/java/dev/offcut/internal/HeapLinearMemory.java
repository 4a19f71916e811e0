package dev.offcut.internal;

import dev.offcut.LinearMemory;

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
 * <p>Thread-safe: {@link #grow(long)} and {@link #close()} are synchronized; the view is published through a volatile
 * field. A write made through an old view while another thread grows may be lost: share a growable heap memory only
 * behind a lock that also covers writes, or use native memory.
 */
public final class HeapLinearMemory implements LinearMemory {

    /** The most a heap memory may hold: 2^33 bytes, 2^30 longs, within one Java array. */
    public static final long MAX_HEAP_BYTE_SIZE = 1L << 33;

    private final long maxPageCount;
    /** The current view over the current array, or {@code null} once closed. */
    private volatile MemorySegment view;

    /**
     * Creates the memory and grows it to its initial size.
     *
     * @param maxByteSize     the maximum, rounded up to whole pages
     * @param initialByteSize the initial size, rounded up to whole pages
     */
    public HeapLinearMemory(long maxByteSize, long initialByteSize) {
        Checks.checkInRange("maxByteSize", maxByteSize, 1, MAX_HEAP_BYTE_SIZE);
        Checks.checkInRange("initialByteSize", initialByteSize, 0, maxByteSize);
        this.maxPageCount = Checks.alignUp(maxByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT;
        long initialPages = Checks.alignUp(initialByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT;
        this.view = MemorySegment.ofArray(new long[Math.toIntExact((initialPages << PAGE_SHIFT) >>> 3)]);
    }

    @Override
    public long pageCount() {
        return segment().byteSize() >>> PAGE_SHIFT;
    }

    @Override
    public long maxPageCount() {
        return maxPageCount;
    }

    @Override
    public long byteSize() {
        return segment().byteSize();
    }

    @Override
    public long maxByteSize() {
        return maxPageCount << PAGE_SHIFT;
    }

    @Override
    public synchronized long grow(long deltaPages) {
        Checks.checkInRange("deltaPages", deltaPages, 0, Long.MAX_VALUE);
        MemorySegment old = view;
        if (old == null) {
            return -1;
        }
        long oldPages = old.byteSize() >>> PAGE_SHIFT;
        if (deltaPages > maxPageCount - oldPages) {
            return -1;
        }
        if (deltaPages == 0) {
            return oldPages;
        }
        long[] words;
        try {
            words = new long[Math.toIntExact(((oldPages + deltaPages) << PAGE_SHIFT) >>> 3)];
        } catch (OutOfMemoryError e) {
            return -1; // the Java heap is full: report it as a refused grow, as memory.grow would
        }
        MemorySegment grown = MemorySegment.ofArray(words);
        grown.copyFrom(old);
        view = grown;
        return oldPages;
    }

    @Override
    public MemorySegment segment() {
        MemorySegment v = view;
        if (v == null) {
            throw new IllegalStateException("the memory is closed");
        }
        return v;
    }

    @Override
    public boolean growsInPlace() {
        return false;
    }

    @Override
    public synchronized void close() {
        view = null;
    }

    @Override
    public String toString() {
        MemorySegment v = view;
        return "LinearMemory.ofHeap[" + (v == null ? "closed" : v.byteSize() + " of " + maxByteSize() + " bytes")
                + "]";
    }
}
