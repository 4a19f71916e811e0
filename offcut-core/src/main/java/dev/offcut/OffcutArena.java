package dev.offcut;

import dev.offcut.internal.Checks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An {@link Arena} over any Offcut {@link Allocator}, so that FFM code gets segments it can also free one at a time.
 *
 * <pre>{@code
 * try (OffcutArena arena = OffcutArena.of(Allocator.binned(LinearMemory.ofNative(1L << 30)))) {
 *     MemorySegment name = arena.allocateFrom("offcut");        // SegmentAllocator's defaults work
 *     MemorySegment buf = arena.allocate(4096, 64);             // zeroed, as Arena promises
 *     buf = arena.reallocate(buf, 8192);                        // contents kept
 *     arena.free(buf);                                          // what Arena alone cannot do
 * }                                                             // close() releases the memory
 * }</pre>
 *
 * <h2>Segments</h2>
 * Every segment is a bounds-checked slice of the allocator's memory of exactly the requested size: code holding one
 * block cannot reach its neighbour through it. Its {@linkplain MemorySegment#scope() scope} is this arena's
 * {@link #scope()}, the memory's scope.
 * <ul>
 *   <li>Over {@link LinearMemory#ofNative(long)}, {@link #close()} unmaps the memory: every segment handed out
 *       becomes inaccessible and {@code scope().isAlive()} turns false, as with any arena.</li>
 *   <li>Over {@link LinearMemory#of(MemorySegment) a fixed segment}, the segment and its scope belong to the caller:
 *       closing this arena stops it allocating, but the caller's scope stays alive until the caller closes it, and
 *       segments stay accessible until then. (Re-scoping them to this arena would let them outlive the caller's
 *       memory.) This is the one place where this class departs from {@link Arena#close()}'s specification, which
 *       says {@code scope().isAlive()} is false once {@code close} returns.</li>
 * </ul>
 *
 * <h2>Freed segments</h2>
 * {@link #free(MemorySegment)} cannot revoke the freed segment: unlike a closed arena's segments it stays accessible
 * and reaches memory that the next allocation may hand out. Using a segment after freeing it is a bug this class
 * cannot detect, as {@code free} after {@code malloc} is in C. For checking, wrap the allocator in
 * {@link Allocator#checked(Allocator)}, which at least refuses double and foreign frees exactly.
 *
 * <h2>Memory</h2>
 * The allocator's memory must be native ({@link LinearMemory#ofNative(long)}, or {@link LinearMemory#of(MemorySegment)}
 * over a native segment): {@link Arena#allocate(long, long)} promises native segments, which native code can be given.
 * Heap memory is refused: {@link LinearMemory#ofHeap(long)} moves to a new array when it grows, which would leave
 * earlier segments pointing at a stale copy, and a fixed heap segment's slices could not be passed to native code.
 *
 * <h2>Alignment</h2>
 * A {@code byteAlignment} aligns the segment's address, and an allocator aligns offsets, so an arena serves alignments
 * up to the alignment of its memory's base address ({@link LinearMemory#addressAlignment()}): <b>2 MiB</b> over
 * {@link LinearMemory#ofNative(long)}, whose reservation is placed on a 2 MiB boundary for this (whether {@code mmap}
 * happened to return a more aligned base varies from run to run, so it is not relied on), and over
 * {@link LinearMemory#of(MemorySegment) a fixed segment} its address's own alignment, the caller's to choose. Every
 * allocator accepts these ({@link Allocator#MAX_BYTE_ALIGNMENT} is 2<sup>32</sup>; the concurrent allocator hands
 * alignments above its size classes' to its binned back end). A larger power of two is out of memory, as it would be
 * for the JDK's arenas, which can only over-allocate by the alignment: {@link OutOfMemoryError}, or
 * {@link MemorySegment#NULL} from {@link #tryAllocate}. An alignment that is not a positive power of two is refused
 * with an {@link IllegalArgumentException}, as {@link Arena#allocate(long, long)} documents.
 *
 * <h2>Out of memory</h2>
 * {@link IllegalArgumentException} is kept for what {@link Arena#allocate(long, long)} reserves it for, a negative size
 * or an alignment that is not a positive power of two. Whatever else cannot be served is out of memory: the allocator
 * finding no room, a size above {@link Allocator#MAX_BYTE_SIZE}, an alignment above the bound. The segment allocator
 * defaults ({@code allocate(MemoryLayout)}, {@code allocateFrom}, ...) go through {@link #allocate(long, long)} and
 * report it the same way.
 *
 * <h2>Thread safety</h2>
 * As thread-safe as the allocator: wrap it in {@link Allocator#locked(Allocator)} to share the arena between threads.
 * {@link #close()} must not race with other calls.
 */
public final class OffcutArena implements Arena {

    private final Allocator allocator;
    private final LinearMemory memory;
    private final MemorySegment.Scope scope;
    /** The largest {@code byteAlignment} served; larger powers of two are out of memory: see the class comment. */
    private final long maxByteAlignment;
    private volatile boolean closed;

    private OffcutArena(Allocator allocator) {
        this.allocator = allocator;
        this.memory = allocator.memory();
        this.scope = memory.segment().scope();
        // An offset aligned beyond the memory's base alignment is not an aligned address, and an Arena promises
        // address alignment: the memory says how far its offsets carry over (64 KiB for ofNative, whatever the
        // segment has for a fixed one).
        this.maxByteAlignment = Math.min(memory.addressAlignment(), Allocator.MAX_BYTE_ALIGNMENT);
    }

    /**
     * Returns an arena that allocates with {@code allocator} and, when closed, closes its memory.
     *
     * @param allocator the allocator; the arena takes ownership of its memory
     * @return a new arena
     * @throws NullPointerException     if {@code allocator} is {@code null}
     * @throws IllegalArgumentException if the allocator's memory is not native or does not grow in place (heap memory)
     * @throws IllegalStateException    if the memory is closed
     */
    public static OffcutArena of(Allocator allocator) {
        Objects.requireNonNull(allocator, "allocator");
        LinearMemory memory = allocator.memory();
        if (!memory.segment().isNative() || !memory.growsInPlace()) {
            throw new IllegalArgumentException("allocator's memory must be native and grow in place (LinearMemory"
                    + ".ofNative, or LinearMemory.of over a native segment), was " + memory + ": an arena hands out"
                    + " native segments, and heap memory moves when it grows, which would strand segments");
        }
        return new OffcutArena(allocator);
    }

    /**
     * Returns the allocator behind this arena.
     *
     * @return the allocator
     */
    public Allocator allocator() {
        return allocator;
    }

    /**
     * Allocates a zeroed segment of exactly {@code byteSize} bytes, as {@link Arena#allocate(long, long)} promises.
     *
     * @param byteSize      the segment's size, {@code >= 0}
     * @param byteAlignment the address alignment, a power of two; up to 2 MiB over native memory (see the class
     *                      comment)
     * @return a new zeroed segment in this arena's scope
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is not a positive
     *                                  power of two
     * @throws IllegalStateException    if the arena is closed
     * @throws OutOfMemoryError         if the allocator cannot find the memory, {@code byteSize} is larger than
     *                                  {@link Allocator#MAX_BYTE_SIZE} or {@code byteAlignment} larger than this arena
     *                                  serves (see the class comment)
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        requireOpen();
        if (!checkRequest(byteSize, byteAlignment)) {
            throw outOfMemory(byteSize, byteAlignment);
        }
        return slice(allocator.allocateZeroed(byteSize, byteAlignment), byteSize);
    }

    /**
     * Allocates a <b>zeroed</b> segment, or returns {@link MemorySegment#NULL} when memory is exhausted, for callers
     * that handle exhaustion without an exception.
     *
     * <p><b>It zeroes every byte</b>, as {@link #allocate(long, long)} and {@link Arena#allocate(long, long)} do, and
     * unlike {@link Allocator#tryAllocate(long, long)}, whose block's contents are unspecified: it is the
     * non-throwing form of {@link #allocate(long, long)}, not of {@link #allocateUninitialized(long, long)}.
     *
     * @param byteSize      the segment's size, {@code >= 0}
     * @param byteAlignment the address alignment, a power of two; up to 2 MiB over native memory (see the class
     *                      comment)
     * @return a new segment in this arena's scope whose every byte is zero, or {@link MemorySegment#NULL} (also for a
     *         {@code byteSize} or {@code byteAlignment} beyond the bounds, as {@link #allocate(long, long)})
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is not a positive
     *                                  power of two
     * @throws IllegalStateException    if the arena is closed
     */
    public MemorySegment tryAllocate(long byteSize, long byteAlignment) {
        requireOpen();
        if (!checkRequest(byteSize, byteAlignment)) {
            return MemorySegment.NULL;
        }
        long offset = allocator.tryAllocateZeroed(byteSize, byteAlignment);
        return offset == Allocator.NULL ? MemorySegment.NULL : slice(offset, byteSize);
    }

    /**
     * Allocates a segment without zeroing it, for callers that overwrite every byte anyway.
     *
     * @param byteSize      the segment's size, {@code >= 0}
     * @param byteAlignment the address alignment, a power of two; up to 2 MiB over native memory (see the class
     *                      comment)
     * @return a new segment whose contents are unspecified
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is not a positive
     *                                  power of two
     * @throws IllegalStateException    if the arena is closed
     * @throws OutOfMemoryError         if the allocator cannot find the memory, {@code byteSize} is larger than
     *                                  {@link Allocator#MAX_BYTE_SIZE} or {@code byteAlignment} larger than this arena
     *                                  serves (see the class comment)
     */
    public MemorySegment allocateUninitialized(long byteSize, long byteAlignment) {
        requireOpen();
        if (!checkRequest(byteSize, byteAlignment)) {
            throw outOfMemory(byteSize, byteAlignment);
        }
        return slice(allocator.allocate(byteSize, byteAlignment), byteSize);
    }

    /**
     * Frees a segment this arena allocated. Its size is passed to the allocator's sized free, so an allocator that
     * tracks sizes refuses a slice of another size.
     *
     * @param segment a segment returned by this arena and not yet freed
     * @throws IllegalArgumentException if the segment was not handed out by this arena, or the allocator can tell it
     *                                  is not a live block; nothing is freed then
     * @throws IllegalStateException    if the arena is closed
     */
    public void free(MemorySegment segment) {
        allocator.free(offsetOf(segment), segment.byteSize());
    }

    /**
     * Resizes a segment this arena allocated, as C's {@code realloc} does: the first {@code min(old, new)} bytes are
     * kept and any bytes past the old size are zero. The old segment must no longer be used (it may still reach the
     * same memory if the block stayed in place).
     *
     * @param segment     a segment returned by this arena and not yet freed
     * @param newByteSize the new size, {@code >= 0}
     * @return the resized segment, with the {@linkplain Allocator#DEFAULT_BYTE_ALIGNMENT default alignment}
     * @throws IllegalArgumentException if the segment was not handed out by this arena or the allocator can tell it
     *                                  is not a live block, or the size is out of range
     * @throws IllegalStateException    if the arena is closed
     * @throws OutOfMemoryError         if there is no room (or {@code newByteSize} or {@code byteAlignment} is
     *                                  beyond the bounds); the segment is then still live and unchanged
     */
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        return reallocate(segment, newByteSize, Allocator.DEFAULT_BYTE_ALIGNMENT);
    }

    /**
     * Resizes a segment this arena allocated, keeping {@code byteAlignment} if it moves; otherwise as
     * {@link #reallocate(MemorySegment, long)}.
     *
     * @param segment       a segment returned by this arena and not yet freed
     * @param newByteSize   the new size, {@code >= 0}
     * @param byteAlignment the address alignment the segment needs, a power of two; up to 2 MiB over native memory
     *                      (see the class comment); pass the one it was allocated with to keep it
     * @return the resized segment
     * @throws IllegalArgumentException if the segment was not handed out by this arena or the allocator can tell it
     *                                  is not a live block, or an argument is out of range
     * @throws IllegalStateException    if the arena is closed
     * @throws OutOfMemoryError         if there is no room (or {@code newByteSize} or {@code byteAlignment} is
     *                                  beyond the bounds); the segment is then still live and unchanged
     */
    public MemorySegment reallocate(MemorySegment segment, long newByteSize, long byteAlignment) {
        requireOpen();
        boolean servable = checkRequest("newByteSize", newByteSize, byteAlignment);
        long offset = offsetOf(segment);
        if (!servable) {
            throw outOfMemory(newByteSize, byteAlignment);
        }
        long oldByteSize = segment.byteSize();
        MemorySegment resized = slice(allocator.reallocate(offset, newByteSize, byteAlignment), newByteSize);
        if (newByteSize > oldByteSize) {
            resized.asSlice(oldByteSize).fill((byte) 0);
        }
        return resized;
    }

    /**
     * Returns the scope of every segment this arena allocates: the memory's scope. Over native memory it stops being
     * alive when the arena closes.
     *
     * @return the scope
     */
    @Override
    public MemorySegment.Scope scope() {
        return scope;
    }

    /**
     * Closes the memory behind the allocator. Over {@link LinearMemory#ofNative(long)} every segment this arena handed
     * out becomes inaccessible and {@code scope().isAlive()} turns false. Over {@link LinearMemory#of(MemorySegment) a
     * fixed segment}, unlike {@link Arena#close()}'s specification, the scope is the caller's and stays alive: this
     * arena stops allocating, and its segments stay accessible until the caller closes the segment's own arena.
     *
     * @throws IllegalStateException if the arena is already closed, as {@link Arena#close()} requires, or if the
     *                               memory cannot be closed yet because a segment is in use by a native call; the
     *                               arena then stays open
     */
    @Override
    public void close() {
        requireOpen();
        memory.close(); // first: if it throws, the arena stays open and can be closed again later
        closed = true;
    }

    private boolean checkRequest(long byteSize, long byteAlignment) {
        return checkRequest("byteSize", byteSize, byteAlignment);
    }

    /**
     * Checks a request's arguments as {@link Arena#allocate(long, long)} does, and tells whether an allocator can be
     * asked at all. {@code Arena} reserves {@link IllegalArgumentException} for a negative size and a bad alignment; a
     * size past {@link Allocator#MAX_BYTE_SIZE}, which every allocator refuses as an argument, or an alignment past the
     * memory's base alignment, is for an arena simply more memory than there is, as it is for the JDK's arenas.
     *
     * @param name          the size argument's name, for the message
     * @param byteSize      the size asked for
     * @param byteAlignment the alignment asked for
     * @return {@code true} if the allocator can be asked; {@code false} if the request is out of memory before any
     *         allocator sees it
     * @throws IllegalArgumentException if {@code byteSize} is negative or {@code byteAlignment} is not a positive
     *                                  power of two
     */
    private boolean checkRequest(String name, long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw Checks.outOfRange(name, byteSize, ">= 0");
        }
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw Checks.outOfRange("byteAlignment", byteAlignment, "a power of two");
        }
        return byteSize <= Allocator.MAX_BYTE_SIZE && byteAlignment <= maxByteAlignment;
    }

    /** Builds the error for a request {@link #checkRequest} found beyond every allocator's or this arena's bounds. */
    private OutOfMemoryError outOfMemory(long byteSize, long byteAlignment) {
        String why = byteSize > Allocator.MAX_BYTE_SIZE
                ? "more than any Offcut allocator hands out (" + Allocator.MAX_BYTE_SIZE + " bytes)"
                : "this arena aligns addresses to at most " + maxByteAlignment + " (its memory's base alignment)";
        return new OutOfMemoryError("cannot allocate " + byteSize + " bytes aligned to " + byteAlignment + ": " + why);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the arena is closed");
        }
    }

    private MemorySegment slice(long offset, long byteSize) {
        return memory.segment().asSlice(offset, byteSize);
    }

    /**
     * Returns the offset of a segment this arena handed out.
     *
     * @throws IllegalArgumentException if the segment lies outside this arena's memory
     */
    private long offsetOf(MemorySegment segment) {
        requireOpen();
        MemorySegment base = memory.segment();
        boolean sameMemory = segment.isNative() && segment.scope().equals(scope); // the memory is native: see of()
        long offset = segment.address() - base.address();
        if (!sameMemory || offset <= 0 || offset > base.byteSize() - segment.byteSize()) {
            throw new IllegalArgumentException("segment must be one this arena allocated, was " + segment);
        }
        return offset;
    }

    @Override
    public String toString() {
        return "OffcutArena[" + allocator + (closed ? ", closed" : "") + "]";
    }
}
