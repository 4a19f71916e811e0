package dev.offcut.internal.memory;

import dev.offcut.internal.Checks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native linear memory: the address space for the maximum is reserved once and pages are committed as it grows.
 *
 * <pre>
 *   reservation (PROT_NONE, MAP_NORESERVE)                                  maxByteSize
 *   |&lt;-------------------------------------------------------------------------&gt;|
 *   | committed: PROT_READ|PROT_WRITE | reserved, not accessible               |
 *   |&lt;--------- byteSize ----------&gt;|                                          |
 *   ^ base, 2 MiB aligned           ^ grow() mprotects the next pages here
 * </pre>
 *
 * <p>Why reserve-and-commit: growing never moves the memory, so segments and raw addresses handed out stay valid, and
 * pages that were never touched cost no RAM. The kernel hands out anonymous pages zeroed, which gives WebAssembly's
 * "zero when first grown into" for free. The raw mapping is over-reserved by {@link #BASE_BYTE_ALIGNMENT} so that the
 * base can be rounded up to it: then an offset aligned to any power of two up to 2 MiB is an address aligned to it
 * too, which is what lets an {@code Arena} over this memory honour large alignments. Why 2 MiB: it is the huge-page
 * size of x86-64 and of arm64 with 4 KiB pages (the largest alignment ordinary code asks for, for buffers meant to sit
 * on one huge page), and the extra reservation is address space only, never committed, which a 47-bit address space
 * has to spare (2 MiB per memory). A larger bound would cost more address space per memory for alignments hardly
 * anyone asks of a general-purpose allocator.
 *
 * <p>The reservation belongs to a shared {@link Arena}; {@link #close()} closes it, which unmaps the range and makes
 * every segment over it (slices handed out by allocators included) inaccessible. The view returned by
 * {@link #segment()} is a slice {@code [0, byteSize)} of the reservation, so no code can reach an uncommitted page
 * through it: a stray access past the committed end throws {@link IndexOutOfBoundsException} instead of crashing the
 * JVM with SIGSEGV.
 *
 * <p>On systems other than Linux and macOS the whole maximum is allocated and zeroed up front instead.
 *
 * <p>Thread-safe, as every {@code AbstractLinearMemory}.
 */
public final class NativeLinearMemory extends AbstractLinearMemory {

    /** The most a native memory may reserve: 2^47 bytes, the user half of a 48-bit address space. */
    public static final long MAX_NATIVE_BYTE_SIZE = 1L << 47;

    /** The alignment of every native memory's base address: 2 MiB (see the class comment for why). */
    public static final long BASE_BYTE_ALIGNMENT = 1L << 21;

    private final Arena arena;
    private final MemorySegment reservation;
    private final boolean commitOnGrow;

    private NativeLinearMemory(Arena arena, MemorySegment reservation, long maxPageCount, boolean commitOnGrow) {
        super(reservation.asSlice(0, 0), maxPageCount);
        this.arena = arena;
        this.reservation = reservation;
        this.commitOnGrow = commitOnGrow;
    }

    /**
     * Reserves the address space and commits the initial pages.
     *
     * @param maxByteSize     the maximum, rounded up to pages
     * @param initialByteSize the initial size, rounded up to pages
     * @return the memory
     */
    public static NativeLinearMemory reserve(long maxByteSize, long initialByteSize) {
        Checks.checkInRange("maxByteSize", maxByteSize, 1, MAX_NATIVE_BYTE_SIZE);
        Checks.checkInRange("initialByteSize", initialByteSize, 0, maxByteSize);
        long maxPages = Checks.alignUp(maxByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT;
        long initialPages = Checks.alignUp(initialByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT;
        long reserveBytes = maxPages << PAGE_SHIFT;

        Arena arena = Arena.ofShared();
        NativeLinearMemory memory;
        try {
            if (Posix.AVAILABLE) {
                MemorySegment reservation = Posix.reserve(reserveBytes, BASE_BYTE_ALIGNMENT, arena);
                memory = new NativeLinearMemory(arena, reservation, maxPages, true);
            } else {
                memory = new NativeLinearMemory(arena, arena.allocate(reserveBytes, BASE_BYTE_ALIGNMENT), maxPages, false);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        if (initialPages > 0 && memory.grow(initialPages) < 0) {
            memory.close();
            throw new OutOfMemoryError("cannot commit " + (initialPages << PAGE_SHIFT) + " initial bytes");
        }
        return memory;
    }

    @Override
    MemorySegment tryGrow(MemorySegment old, long newByteSize) {
        long oldByteSize = old.byteSize();
        if (commitOnGrow && !Posix.commit(reservation.asSlice(oldByteSize, newByteSize - oldByteSize))) {
            return null;
        }
        return reservation.asSlice(0, newByteSize);
    }

    @Override
    public boolean growsInPlace() {
        return true;
    }

    /** {@return 2 MiB: the reservation's base is rounded up to {@link #BASE_BYTE_ALIGNMENT}} */
    @Override
    public long addressAlignment() {
        return BASE_BYTE_ALIGNMENT;
    }

    /**
     * Gives the pages back with {@code madvise(MADV_DONTNEED)} on Linux, where private anonymous pages then read as
     * zero and cost no RAM until written again. Elsewhere (macOS's {@code MADV_DONTNEED} does not promise zeroes, and
     * without POSIX the memory was allocated up front) nothing is released and the contents stay.
     */
    @Override
    boolean tryRelease(MemorySegment range) {
        return commitOnGrow && Posix.DISCARD_ZEROES && Posix.discard(range);
    }

    @Override
    void release() {
        arena.close();
    }

    @Override
    String name() {
        return "LinearMemory.ofNative";
    }
}
