package dev.offcut.internal.memory;

import dev.offcut.internal.Checks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.WeakHashMap;

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
 * <p>The memory's segments belong to a shared {@link Arena}; {@link #close()} closes it, which makes every segment
 * of the memory's scope (slices handed out by allocators included) inaccessible and unmaps the range, unless the
 * memory lent its pages to another arena ({@link #segment(Arena)}, for a confined or automatic {@code OffcutArena}):
 * then the range is unmapped when the last such arena closes too (see {@link Mapping}). The view returned by
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

    /** The memory's own scope: closing it ends every segment of the memory's and lets go of its hold. */
    private final Arena arena;
    private final Mapping mapping;
    /** The whole reservation in the memory's own scope; views are slices of it. */
    private final MemorySegment reservation;
    private final boolean commitOnGrow;
    /**
     * The scopes the memory lent its bytes to, each holding the mapping once: a later lend to the same scope (to see
     * pages grown since) takes no second hold. Weak, so that the memory never keeps an automatic arena's scope
     * reachable (its cleanup would never run). Guarded by the monitor.
     */
    private final Map<MemorySegment.Scope, Boolean> lentTo = new WeakHashMap<>();

    private NativeLinearMemory(Arena arena, Mapping mapping, MemorySegment reservation, long maxPageCount,
            boolean commitOnGrow) {
        super(reservation.asSlice(0, 0), maxPageCount);
        this.arena = arena;
        this.mapping = mapping;
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

        Mapping mapping;
        if (Posix.AVAILABLE) {
            long rawByteSize = reserveBytes + BASE_BYTE_ALIGNMENT;
            long rawAddress = Posix.map(rawByteSize);
            mapping = new Mapping(Checks.alignUp(rawAddress, BASE_BYTE_ALIGNMENT), reserveBytes,
                    () -> Posix.unmap(rawAddress, rawByteSize));
        } else {
            Arena backing = Arena.ofShared();
            try {
                mapping = new Mapping(backing.allocate(reserveBytes, BASE_BYTE_ALIGNMENT).address(), reserveBytes,
                        backing::close);
            } catch (RuntimeException | Error e) {
                backing.close();
                throw e;
            }
        }
        Arena arena = Arena.ofShared();
        NativeLinearMemory memory;
        try {
            memory = new NativeLinearMemory(arena, mapping, mapping.view(reserveBytes, arena, true), maxPages,
                    Posix.AVAILABLE);
        } catch (RuntimeException | Error e) {
            arena.close(); // lets go of the memory's hold, if it was taken, and so releases the range
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

    /**
     * Lends the committed pages: the first lend to a scope takes a hold on the mapping, so the pages stay mapped until
     * that scope closes even if this memory closes first.
     */
    @Override
    MemorySegment lend(MemorySegment view, Arena borrower) {
        boolean holds = lentTo.containsKey(borrower.scope());
        MemorySegment lent = mapping.view(view.byteSize(), borrower, !holds);
        lentTo.put(borrower.scope(), Boolean.TRUE);
        return lent;
    }

    @Override
    void release() {
        arena.close(); // lets go of the memory's own hold: the range is unmapped now unless a borrower still holds it
    }

    @Override
    String name() {
        return "LinearMemory.ofNative";
    }
}
