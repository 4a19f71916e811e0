package dev.offcut;

import dev.offcut.internal.memory.AbstractLinearMemory;
import dev.offcut.internal.memory.FaultInjectingLinearMemory;
import dev.offcut.internal.memory.FixedLinearMemory;
import dev.offcut.internal.memory.HeapLinearMemory;
import dev.offcut.internal.memory.NativeLinearMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * One contiguous byte range addressed by {@code long} offsets from 0, grown in 64 KiB pages, with the semantics of a
 * WebAssembly memory: it starts with some pages, {@link #grow(long)} adds pages at the end up to a maximum, it never
 * shrinks, and pages are zero when first grown into.
 *
 * <h2>Backings</h2>
 * <ul>
 *   <li>{@link #ofNative(long)}: native memory. Address space for the maximum is reserved up front and pages are
 *       committed as the memory grows, so growing never copies and untouched pages cost no RAM. The base address is
 *       2 MiB aligned (the reservation is 2 MiB larger to allow it, in address space only), so offsets aligned to
 *       anything up to 2 MiB, huge pages included, are aligned addresses too.</li>
 *   <li>{@link #ofHeap(long)}: a Java {@code long[]} that grows by copying into a larger array. Offsets stay valid
 *       across a grow; segments taken before it do not (see {@link #growsInPlace()}).</li>
 *   <li>{@link #of(MemorySegment)}: a fixed segment the caller supplies (native, heap or a mapped file). It cannot
 *       grow.</li>
 *   <li>{@link #ofFaultInjecting(LinearMemory, LongPredicate)}: for tests, a memory that refuses chosen grows.</li>
 * </ul>
 *
 * <h2>Thread safety</h2>
 * Every method is thread-safe. {@link #grow(long)} is atomic, as {@code memory.grow} is in WebAssembly: two threads
 * growing at once get distinct, adjacent ranges. One caveat for {@link #ofHeap(long) heap memory}: a grow copies the
 * array, so a write through a segment taken before another thread's grow lands in the old array and is lost. Share a
 * growable heap memory between threads only under a lock that covers writes to blocks too (not only
 * {@link Allocator#locked(Allocator)}, which covers allocator calls), or use native memory.
 *
 * <h2>Evolution</h2>
 * The interface is sealed: every backing is Offcut's own, made by the factories below, so later releases may add
 * methods to it (as {@link #releasePages(long, long)}, {@link #addressAlignment()} and {@link #segment(Arena)} were
 * added) without breaking anyone. A new kind of backing arrives as a new factory. {@link Allocator}, which users do
 * implement (to wrap one), grows only by default methods instead: see its "Evolution" section.
 */
public sealed interface LinearMemory extends AutoCloseable permits AbstractLinearMemory, FaultInjectingLinearMemory {

    /** The size of one page, as in WebAssembly: 64 KiB. */
    long PAGE_BYTE_SIZE = 1L << 16;

    /** {@code log2(PAGE_BYTE_SIZE)}. */
    int PAGE_SHIFT = 16;

    /**
     * Returns the number of whole pages the memory has now.
     *
     * @return the page count, {@code byteSize() / PAGE_BYTE_SIZE}
     * @throws IllegalStateException if the memory is closed
     */
    long pageCount();

    /**
     * Returns the most pages this memory can ever have.
     *
     * @return the maximum page count; equal to {@link #pageCount()} for a memory that cannot grow
     */
    long maxPageCount();

    /**
     * Returns the size of the memory now. This is {@code pageCount() * PAGE_BYTE_SIZE}, except for a fixed segment
     * whose size is not a whole number of pages: then it is the segment's size.
     *
     * @return the number of addressable bytes, offsets {@code [0, byteSize())}
     * @throws IllegalStateException if the memory is closed
     */
    long byteSize();

    /**
     * Returns the most bytes this memory can ever have.
     *
     * @return the maximum size in bytes
     */
    long maxByteSize();

    /**
     * Adds {@code pageCount} zeroed pages at the end of the memory, as WebAssembly's {@code memory.grow} does.
     *
     * <p>{@code grow(0)} returns the current page count and changes nothing.
     *
     * @param pageCount the number of pages to add, {@code >= 0}
     * @return the page count before the grow, or {@code -1} if the memory cannot grow that far (past its maximum,
     *         refused by the system, or closed); it never throws for that
     * @throws IllegalArgumentException if {@code pageCount} is negative
     */
    long grow(long pageCount);

    /**
     * Returns a segment over the whole memory now, offsets {@code [0, byteSize())}.
     *
     * <p>The segment may be a new object after a {@link #grow(long)}. Whether earlier segments still reach the same
     * bytes is told by {@link #growsInPlace()}.
     *
     * @return the current view of the memory
     * @throws IllegalStateException if the memory is closed
     */
    MemorySegment segment();

    /**
     * Returns a segment over the whole memory now, offsets {@code [0, byteSize())}, as {@link #segment()} does, but
     * in {@code arena}'s scope instead of the memory's: for an arena that hands out the memory's bytes under a scope
     * of its own, as a confined or automatic {@link OffcutArena} does.
     *
     * <p>The pages stay mapped while either scope is alive. Closing this memory ends its allocators and the segments of
     * its own scope; segments of {@code arena}'s scope stay accessible until {@code arena} closes (an automatic arena:
     * until the garbage collector finds it unreachable), and the address space is given back only then. The segment
     * does not follow later grows: call again to see them (a later call for the same arena holds nothing more).
     *
     * @param arena the arena whose scope the segment gets
     * @return the memory's bytes now, in {@code arena}'s scope
     * @throws NullPointerException          if {@code arena} is {@code null}
     * @throws UnsupportedOperationException if the memory's bytes are not its own to give another scope: only
     *                                       {@link #ofNative(long) native memory} does (heap memory moves when it
     *                                       grows, and a fixed segment lives as long as its caller's scope)
     * @throws IllegalStateException         if this memory or {@code arena} is closed
     * @throws WrongThreadException          if {@code arena} is confined to another thread
     */
    MemorySegment segment(Arena arena);

    /**
     * Tells whether growing keeps the memory at the same place, so that segments taken earlier still reach the same
     * bytes. True for native and fixed memories; false for heap memory, which grows by copying into a new array.
     *
     * @return {@code true} if segments from {@link #segment()} stay valid across grows
     */
    boolean growsInPlace();

    /**
     * Returns the alignment of the memory's base address: an offset aligned to any power of two up to this value is
     * an address aligned to it too. 2 MiB for {@link #ofNative(long) native memory}, 8 for
     * {@link #ofHeap(long) heap memory}, and for {@link #of(MemorySegment) a fixed segment} the segment's own
     * ({@link MemorySegment#maxByteAlignment()}, at most 2<sup>32</sup>).
     *
     * @return a power of two
     */
    long addressAlignment();

    /**
     * Gives the RAM behind whole pages back to the operating system while keeping them part of the memory: its
     * size, its offsets and every other page stay as they are. Allocators call it for pages that hold no live block.
     *
     * <p>What the pages read afterwards depends on the backing, and the answer says which:
     * <ul>
     *   <li>{@link #ofNative(long) Native memory} on Linux: {@code madvise(MADV_DONTNEED)} frees the RAM and the
     *       pages read as zero, as freshly grown pages do (the answer is {@code true}).</li>
     *   <li>Native memory elsewhere, {@link #ofHeap(long) heap memory} and {@link #of(MemorySegment) fixed
     *       segments}: nothing is released (a Java array, or a segment that may map a file, cannot give back part
     *       of itself) and the contents stay (the answer is {@code false}). An allocator must then not assume the
     *       pages are zero.</li>
     * </ul>
     * The caller must own the pages: another thread's writes to them may be lost.
     *
     * @param offset   the first byte, a multiple of {@link #PAGE_BYTE_SIZE}
     * @param byteSize the number of bytes, a multiple of {@link #PAGE_BYTE_SIZE}; {@code 0} does nothing
     * @return {@code true} if the pages were released and now read as zero, {@code false} if nothing changed
     * @throws IllegalArgumentException if the range is not whole pages inside {@code [0, byteSize())}
     * @throws IllegalStateException    if the memory is closed
     */
    boolean releasePages(long offset, long byteSize);

    /**
     * Releases the memory. A native memory is unmapped and every segment over it becomes inaccessible; heap
     * segments cannot be revoked, so they merely stop being this memory's. A fixed memory leaves the caller's
     * segment alone. Closing a closed memory does nothing. Allocators over the memory end with it: see
     * {@link Allocator}'s contract for what their calls do afterwards.
     *
     * @throws IllegalStateException if a native memory cannot be unmapped yet because one of its segments is in use by
     *                               a native call on another thread; the memory then stays open and usable, and may be
     *                               closed again later
     */
    @Override
    void close();

    /**
     * Reserves native memory for up to {@code maxByteSize} bytes, starting empty.
     *
     * <p>On Linux and macOS the whole range is reserved with {@code mmap(PROT_NONE)} and pages are committed by
     * {@code mprotect} as the memory grows. Elsewhere the maximum is allocated up front.
     *
     * @param maxByteSize the most the memory may grow to, rounded up to whole pages; {@code > 0}
     * @return a new native memory with 0 pages
     * @throws IllegalArgumentException if {@code maxByteSize} is not positive or exceeds 2<sup>47</sup>
     * @throws OutOfMemoryError         if the address space cannot be reserved
     */
    static LinearMemory ofNative(long maxByteSize) {
        return ofNative(maxByteSize, 0);
    }

    /**
     * Reserves native memory for up to {@code maxByteSize} bytes and grows it to {@code initialByteSize}.
     *
     * @param maxByteSize     the most the memory may grow to, rounded up to whole pages; {@code > 0}
     * @param initialByteSize the size to start with, rounded up to whole pages; in {@code [0, maxByteSize]}
     * @return a new native memory
     * @throws IllegalArgumentException if an argument is out of range
     * @throws OutOfMemoryError         if the address space cannot be reserved or the initial pages committed
     */
    static LinearMemory ofNative(long maxByteSize, long initialByteSize) {
        return NativeLinearMemory.reserve(maxByteSize, initialByteSize);
    }

    /**
     * Creates heap memory for up to {@code maxByteSize} bytes on a Java {@code long[]}, starting empty.
     *
     * @param maxByteSize the most the memory may grow to, rounded up to whole pages; in {@code [1, 2^33]} (8 GiB:
     *                    this implementation's limit; one {@code long[]} could hold nearly 16 GiB)
     * @return a new heap memory with 0 pages
     * @throws IllegalArgumentException if {@code maxByteSize} is out of range
     */
    static LinearMemory ofHeap(long maxByteSize) {
        return ofHeap(maxByteSize, 0);
    }

    /**
     * Creates heap memory for up to {@code maxByteSize} bytes and grows it to {@code initialByteSize}.
     *
     * @param maxByteSize     the most the memory may grow to, rounded up to whole pages; in {@code [1, 2^33]} (8 GiB,
     *                        this implementation's limit)
     * @param initialByteSize the size to start with, rounded up to whole pages; in {@code [0, maxByteSize]} and at
     *                        most the Java heap's maximum ({@link Runtime#maxMemory()}), as it is allocated at once
     * @return a new heap memory
     * @throws IllegalArgumentException if an argument is out of range
     * @throws OutOfMemoryError         if the Java heap, though large enough at its maximum, cannot hold the initial
     *                                  size now
     */
    static LinearMemory ofHeap(long maxByteSize, long initialByteSize) {
        return new HeapLinearMemory(maxByteSize, initialByteSize);
    }

    /**
     * Wraps a segment the caller owns as a memory that cannot grow. Its contents are left as they are: allocators
     * over it do not assume it is zero. Closing the memory does not close the segment.
     *
     * <p>Offsets are aligned relative to the segment's start; to have addresses aligned too, pass a segment
     * allocated with the largest alignment you will ask for.
     *
     * @param segment the bytes to manage, read-write
     * @return a fixed memory over {@code segment}
     * @throws NullPointerException     if {@code segment} is {@code null}
     * @throws IllegalArgumentException if {@code segment} is read-only
     */
    static LinearMemory of(MemorySegment segment) {
        return new FixedLinearMemory(Objects.requireNonNull(segment, "segment"));
    }

    /**
     * Wraps a memory so that chosen grows are refused, as lol_alloc's test {@code MemoryGrower} does. For tests of
     * behaviour at exhaustion.
     *
     * @param delegate   the memory that does the real work
     * @param refuseGrow given the 0-based index of each non-zero grow call, returns {@code true} to make that call
     *                   return {@code -1} without growing
     * @return the fault-injecting memory; closing it closes {@code delegate}
     * @throws NullPointerException if {@code delegate} or {@code refuseGrow} is {@code null}
     */
    static LinearMemory ofFaultInjecting(LinearMemory delegate, LongPredicate refuseGrow) {
        return new FaultInjectingLinearMemory(delegate, refuseGrow);
    }
}
