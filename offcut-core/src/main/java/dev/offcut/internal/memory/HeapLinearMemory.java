package dev.offcut.internal.memory;

import dev.offcut.internal.Checks;
import java.lang.foreign.MemorySegment;

/**
 * Linear memory on a Java {@code long[]}, grown by copying into a larger array.
 *
 * <pre>
 *   long[] words  (8 bytes each; a segment over it has maxByteAlignment 8)
 *   |&lt;------------- byteSize = pageCount * 64 KiB -------------&gt;|&lt;--- spare capacity (zero) ---&gt;|
 *   grow(n) within capacity: a longer view of the same array, O(1)
 *   grow(n) past capacity:   a new array of max(needed, 1.5 x capacity) bytes, capped at the maximum; copy
 * </pre>
 *
 * <p>The initial size is allocated at once, so it must fit the Java heap's maximum ({@code Runtime.maxMemory()}):
 * a larger one is refused with IllegalArgumentException rather than left to fail with {@code OutOfMemoryError}. The
 * maximum size is only a limit: a grow the Java heap cannot hold is refused ({@code grow} returns -1).
 *
 * <p>Why geometric capacity: allocators grow by exactly the pages they lack, so copying on every grow would make
 * filling the memory quadratic. The spare capacity is never reachable through a view, so it stays zero until a grow
 * exposes it, as WebAssembly promises.
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

    /** The most a heap memory may hold: 2^33 bytes (2^30 longs), this implementation's limit, well within one array. */
    public static final long MAX_HEAP_BYTE_SIZE = 1L << 33;

    /** The array behind the view; may be longer than the view. Written only under the monitor. */
    private long[] words;

    /**
     * Creates the memory and grows it to its initial size.
     *
     * @param maxByteSize     the maximum, rounded up to whole pages
     * @param initialByteSize the initial size, rounded up to whole pages
     */
    public HeapLinearMemory(long maxByteSize, long initialByteSize) {
        Checks.checkInRange("maxByteSize", maxByteSize, 1, MAX_HEAP_BYTE_SIZE);
        Checks.checkInRange("initialByteSize", initialByteSize, 0, maxByteSize);
        // An initial size the Java heap can never hold would fail below with OutOfMemoryError: Java heap space,
        // whose cause depends on -Xmx; it is the caller's argument that is out of range, so say so instead.
        long javaHeap = Runtime.getRuntime().maxMemory();
        if (Checks.alignUp(initialByteSize, PAGE_BYTE_SIZE) > javaHeap) {
            throw Checks.outOfRange("initialByteSize", initialByteSize, "in [0, " + Math.min(maxByteSize, javaHeap)
                    + "] (the Java heap's maximum, Runtime.maxMemory(), caps a heap memory's initial size)");
        }
        long[] initialWords = new long[Math.toIntExact(Checks.alignUp(initialByteSize, PAGE_BYTE_SIZE) >>> 3)];
        this.words = initialWords;
        super(MemorySegment.ofArray(initialWords), Checks.alignUp(maxByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT);
    }

    /** {@return 8: a segment over a {@code long[]} is 8-byte aligned} */
    @Override
    public long addressAlignment() {
        return Long.BYTES;
    }

    @Override
    MemorySegment tryGrow(MemorySegment old, long newByteSize) {
        long capacity = (long) words.length << 3;
        if (newByteSize > capacity) {
            long grownCapacity = Math.min(maxByteSize(),
                    Checks.alignUp(Math.max(newByteSize, capacity + (capacity >>> 1)), PAGE_BYTE_SIZE));
            long[] grown;
            try {
                grown = new long[Math.toIntExact(grownCapacity >>> 3)];
            } catch (OutOfMemoryError e) {
                return null; // the Java heap is full: report it as a refused grow, as memory.grow would
            }
            MemorySegment.ofArray(grown).copyFrom(old);
            words = grown;
        }
        return MemorySegment.ofArray(words).asSlice(0, newByteSize);
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
