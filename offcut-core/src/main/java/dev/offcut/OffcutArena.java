package dev.offcut;

import dev.offcut.internal.Checks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Locale;
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
 * <h2>Kinds</h2>
 * Each factory gives the kind of arena its name says, with the JDK's exceptions where the JDK's arena of that kind
 * throws them:
 * <table>
 *   <caption>The three kinds</caption>
 *   <tr><th>factory</th><th>like</th><th>segments accessible from</th><th>allocate, free</th>
 *       <th>{@link #close()}</th><th>memory released</th></tr>
 *   <tr><td>{@link #of(Allocator)}</td><td>{@link Arena#ofShared()}</td><td>every thread</td>
 *       <td>any thread, as thread-safe as the allocator</td><td>any thread</td><td>by {@code close()}</td></tr>
 *   <tr><td>{@link #ofConfined(Allocator)}</td><td>{@link Arena#ofConfined()}</td><td>the owner thread only</td>
 *       <td>the owner thread only</td><td>the owner thread only</td><td>by {@code close()}</td></tr>
 *   <tr><td>{@link #ofAuto(Allocator)}</td><td>{@link Arena#ofAuto()}</td><td>every thread</td>
 *       <td>any thread, as thread-safe as the allocator</td>
 *       <td>never ({@link UnsupportedOperationException})</td><td>by the garbage collector</td></tr>
 * </table>
 * A confined arena's owner is the thread that called {@link #ofConfined(Allocator)}; from any other thread, segment
 * access, allocation, {@code free}, {@code reallocate} and {@code close} throw {@link WrongThreadException}. Its
 * allocator needs no lock then: an unsynchronized one such as {@link Allocator#binned(LinearMemory)} is right.
 *
 * <h2>Segments</h2>
 * Every segment is a bounds-checked slice of the allocator's memory of exactly the requested size: code holding one
 * block cannot reach its neighbour through it. Its {@linkplain MemorySegment#scope() scope} is this arena's
 * {@link #scope()}: for {@link #of(Allocator)} the memory's own scope, for {@link #ofConfined(Allocator)} and
 * {@link #ofAuto(Allocator)} a confined or automatic scope of the arena's own, to which the memory lends its bytes
 * ({@link LinearMemory#segment(Arena)}: the pages stay mapped until that scope ends, even if the memory is closed
 * first).
 * <ul>
 *   <li>Over {@link LinearMemory#ofNative(long)}, {@link #close()} unmaps the memory: every segment handed out
 *       becomes inaccessible and {@code scope().isAlive()} turns false, as with any arena.</li>
 *   <li>Over {@link LinearMemory#of(MemorySegment) a fixed segment} (only {@link #of(Allocator)} takes one), the
 *       segment and its scope belong to the caller: closing this arena stops it allocating, but the caller's scope
 *       stays alive until the caller closes it, and segments stay accessible until then. (Re-scoping them to this
 *       arena would let them outlive the caller's memory.) This is the one place where this class departs from
 *       {@link Arena#close()}'s specification, which says {@code scope().isAlive()} is false once {@code close}
 *       returns. A confined caller's segment already gives confined slices.</li>
 * </ul>
 *
 * <h2>Freed segments</h2>
 * {@link #free(MemorySegment)} cannot revoke the freed segment: unlike a closed arena's segments it stays accessible
 * and reaches memory that the next allocation may hand out. Using a segment after freeing it is a bug this class
 * cannot detect, as {@code free} after {@code malloc} is in C. For checking, wrap the allocator in
 * {@link Allocator#checked(Allocator)}, which at least refuses double and foreign frees exactly.
 *
 * <h2>Memory</h2>
 * The allocator's memory must be native ({@link LinearMemory#ofNative(long)}, or, for {@link #of(Allocator)},
 * {@link LinearMemory#of(MemorySegment)} over a native segment): {@link Arena#allocate(long, long)} promises native
 * segments, which native code can be given. Heap memory is refused: {@link LinearMemory#ofHeap(long)} moves to a new
 * array when it grows, which would leave earlier segments pointing at a stale copy, and a fixed heap segment's slices
 * could not be passed to native code.
 *
 * <p>Two things about its memory that no {@code Arena} method shows:
 * <ul>
 *   <li><b>Not direct memory.</b> Nothing of an {@code OffcutArena} counts against {@code -XX:MaxDirectMemorySize}
 *       (nor shows in the {@code direct} buffer pool's statistics): the memory reserves its own address space with
 *       {@code mmap}. Its limit is the memory's maximum ({@link LinearMemory#ofNative(long)}'s
 *       {@code maxByteSize}), and RAM is used only by pages the allocator has grown into.</li>
 *   <li><b>No garbage collection unless asked.</b> An arena from {@link #of(Allocator)} or
 *       {@link #ofConfined(Allocator)} that becomes unreachable without {@link #close()} keeps its reservation and
 *       every page it grew until the process ends, as an unclosed {@link Arena#ofShared()} or
 *       {@link Arena#ofConfined()} keeps its memory: close it, with try-with-resources where the lifetime is a block.
 *       {@link #ofAuto(Allocator)} is the exception: the garbage collector releases its memory once the arena and
 *       every segment it handed out are unreachable, at the cost of one cleaner registration per arena (nothing per
 *       allocation).</li>
 * </ul>
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
 * A shared or automatic arena is as thread-safe as its allocator: wrap it in {@link Allocator#locked(Allocator)}, or
 * use {@link Allocator#concurrent(LinearMemory)}, to allocate from several threads. A shared arena's
 * {@link #close()} must not race with other calls. A confined arena is used by its owner thread only, and says so.
 */
public final class OffcutArena implements Arena {

    /** Which JDK arena this one behaves as: see the class comment's table. */
    private enum Kind {
        SHARED, CONFINED, AUTOMATIC
    }

    private final Allocator allocator;
    private final LinearMemory memory;
    private final Kind kind;
    /** The thread a confined arena is bound to; {@code null} for the other kinds. */
    private final Thread owner;
    /**
     * The confined or automatic arena whose scope the segments get, lent the memory's bytes; {@code null} for a
     * shared arena, whose segments are the memory's own.
     */
    private final Arena borrower;
    private final MemorySegment.Scope scope;
    /** The largest {@code byteAlignment} served; larger powers of two are out of memory: see the class comment. */
    private final long maxByteAlignment;
    /**
     * The memory's bytes in {@link #borrower}'s scope as last lent; lent again when a block ends past it (the memory
     * grew since). Racing threads of an automatic arena may both lend again: harmless, a later lend holds nothing
     * more.
     */
    private volatile MemorySegment lentView;
    private volatile boolean closed;

    private OffcutArena(Allocator allocator, Kind kind) {
        this.allocator = allocator;
        this.memory = allocator.memory();
        this.kind = kind;
        this.owner = kind == Kind.CONFINED ? Thread.currentThread() : null;
        // An offset aligned beyond the memory's base alignment is not an aligned address, and an Arena promises
        // address alignment: the memory says how far its offsets carry over (2 MiB for ofNative, whatever the
        // segment has for a fixed one).
        this.maxByteAlignment = Math.min(memory.addressAlignment(), Allocator.MAX_BYTE_ALIGNMENT);
        if (kind == Kind.SHARED) {
            this.borrower = null;
            this.scope = memory.segment().scope();
            return;
        }
        Arena ownArena = kind == Kind.CONFINED ? Arena.ofConfined() : Arena.ofAuto();
        try {
            this.lentView = memory.segment(ownArena);
        } catch (UnsupportedOperationException e) {
            if (kind == Kind.CONFINED) {
                ownArena.close();
            }
            throw new IllegalArgumentException("a confined or automatic OffcutArena needs the allocator's memory to"
                    + " be LinearMemory.ofNative, was " + memory + " (over a fixed segment, use OffcutArena.of: its"
                    + " slices have the caller's scope, confined if the caller's arena is)", e);
        }
        this.borrower = ownArena;
        this.scope = ownArena.scope();
        if (kind == Kind.AUTOMATIC) {
            // Once no segment and not this arena reach the scope, nothing can reach the memory's blocks: close it.
            // The action holds the memory, never the scope (or it would keep the scope reachable forever).
            AutomaticRelease.CLEANER.register(scope, memory::close);
        }
    }

    /** The cleaner of automatic arenas, started with the first one. */
    private static final class AutomaticRelease {
        static final Cleaner CLEANER = Cleaner.create();
    }

    /**
     * Returns a <b>shared</b> arena, like {@link Arena#ofShared()}: its segments are accessible from every thread and
     * it may be closed from any thread; allocation is as thread-safe as {@code allocator}. Closing it closes the
     * memory.
     *
     * @param allocator the allocator; the arena takes ownership of its memory
     * @return a new shared arena
     * @throws NullPointerException     if {@code allocator} is {@code null}
     * @throws IllegalArgumentException if the allocator's memory is not native or does not grow in place (heap memory)
     * @throws IllegalStateException    if the memory is closed
     */
    public static OffcutArena of(Allocator allocator) {
        return new OffcutArena(checkMemory(allocator), Kind.SHARED);
    }

    /**
     * Returns a <b>confined</b> arena, like {@link Arena#ofConfined()}, owned by the calling thread: its segments are
     * accessible from that thread only, and allocation, {@code free}, {@code reallocate} and {@code close} from any
     * other thread throw {@link WrongThreadException}, as do accesses to its segments. Closing it makes every segment
     * inaccessible and closes the memory.
     *
     * @param allocator the allocator, which need not be thread-safe; the arena takes ownership of its memory, which
     *                  must be {@link LinearMemory#ofNative(long)}
     * @return a new confined arena
     * @throws NullPointerException     if {@code allocator} is {@code null}
     * @throws IllegalArgumentException if the allocator's memory is not {@link LinearMemory#ofNative(long)}
     * @throws IllegalStateException    if the memory is closed
     */
    public static OffcutArena ofConfined(Allocator allocator) {
        return new OffcutArena(checkMemory(allocator), Kind.CONFINED);
    }

    /**
     * Returns an <b>automatic</b> arena, like {@link Arena#ofAuto()}: its segments are accessible from every thread,
     * allocation is as thread-safe as {@code allocator}, it cannot be closed, and the garbage collector closes its
     * memory (unmapping it) some time after the arena and every segment it handed out have become unreachable.
     * {@link #free(MemorySegment)} and {@link #reallocate} work as in the other kinds.
     *
     * @param allocator the allocator; the arena takes ownership of its memory, which must be
     *                  {@link LinearMemory#ofNative(long)}; keeping a reference to the allocator or the memory does not
     *                  keep the segments' scope alive
     * @return a new automatic arena
     * @throws NullPointerException     if {@code allocator} is {@code null}
     * @throws IllegalArgumentException if the allocator's memory is not {@link LinearMemory#ofNative(long)}
     * @throws IllegalStateException    if the memory is closed
     */
    public static OffcutArena ofAuto(Allocator allocator) {
        return new OffcutArena(checkMemory(allocator), Kind.AUTOMATIC);
    }

    private static Allocator checkMemory(Allocator allocator) {
        Objects.requireNonNull(allocator, "allocator");
        LinearMemory memory = allocator.memory();
        if (!memory.segment().isNative() || !memory.growsInPlace()) {
            throw new IllegalArgumentException("allocator's memory must be native and grow in place (LinearMemory"
                    + ".ofNative, or LinearMemory.of over a native segment), was " + memory + ": an arena hands out"
                    + " native segments, and heap memory moves when it grows, which would strand segments");
        }
        return allocator;
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
     * @throws WrongThreadException     if the arena is confined and this is not its owner thread
     * @throws OutOfMemoryError         if the allocator cannot find the memory, {@code byteSize} is larger than
     *                                  {@link Allocator#MAX_BYTE_SIZE} or {@code byteAlignment} larger than this arena
     *                                  serves (see the class comment)
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        requireUsable();
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
     * @throws WrongThreadException     if the arena is confined and this is not its owner thread
     */
    public MemorySegment tryAllocate(long byteSize, long byteAlignment) {
        requireUsable();
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
     * @throws WrongThreadException     if the arena is confined and this is not its owner thread
     * @throws OutOfMemoryError         if the allocator cannot find the memory, {@code byteSize} is larger than
     *                                  {@link Allocator#MAX_BYTE_SIZE} or {@code byteAlignment} larger than this arena
     *                                  serves (see the class comment)
     */
    public MemorySegment allocateUninitialized(long byteSize, long byteAlignment) {
        requireUsable();
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
     * @throws WrongThreadException     if the arena is confined and this is not its owner thread
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
     * @throws WrongThreadException     if the arena is confined and this is not its owner thread
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
     * @throws WrongThreadException     if the arena is confined and this is not its owner thread
     * @throws OutOfMemoryError         if there is no room (or {@code newByteSize} or {@code byteAlignment} is
     *                                  beyond the bounds); the segment is then still live and unchanged
     */
    public MemorySegment reallocate(MemorySegment segment, long newByteSize, long byteAlignment) {
        requireUsable();
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
     * Returns the scope of every segment this arena allocates: for {@link #of(Allocator)} the memory's scope, which
     * over native memory stops being alive when the arena closes; for {@link #ofConfined(Allocator)} a confined scope
     * of the arena's own, owned by its owner thread, that ends when the arena closes; for {@link #ofAuto(Allocator)}
     * an automatic scope of its own, alive as long as the arena or one of its segments is reachable.
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
     * @throws IllegalStateException         if the arena is already closed, as {@link Arena#close()} requires, or if
     *                                       a segment is in use by a native call; the arena then stays open (a
     *                                       confined arena: unless only the memory's own scope was in use, through
     *                                       {@code allocator().memory()}; the arena is then closed and the memory
     *                                       can be closed again later)
     * @throws WrongThreadException          if the arena is confined and this is not its owner thread
     * @throws UnsupportedOperationException if the arena is automatic ({@link #ofAuto(Allocator)})
     */
    @Override
    public void close() {
        if (kind == Kind.AUTOMATIC) {
            throw new UnsupportedOperationException("an automatic OffcutArena (OffcutArena.ofAuto) cannot be closed:"
                    + " the garbage collector releases its memory");
        }
        requireUsable();
        if (kind == Kind.CONFINED) {
            borrower.close(); // first: if a downcall still uses a segment it throws, and nothing has changed
            closed = true;
            memory.close(); // the pages are unmapped now: the memory's hold was the last one left
        } else {
            memory.close(); // first: if it throws, the arena stays open and can be closed again later
            closed = true;
        }
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

    /**
     * Refuses a call from a confined arena's other threads, and any call once the arena is closed, with the exceptions
     * the JDK's arenas throw.
     */
    private void requireUsable() {
        if (owner != null && Thread.currentThread() != owner) {
            throw new WrongThreadException("this OffcutArena is confined to thread " + owner.threadId()
                    + " (" + owner.getName() + "), called from thread " + Thread.currentThread().threadId());
        }
        if (closed) {
            throw new IllegalStateException("the arena is closed");
        }
    }

    private MemorySegment slice(long offset, long byteSize) {
        if (borrower == null) {
            return memory.segment().asSlice(offset, byteSize);
        }
        MemorySegment view = lentView;
        if (offset + byteSize > view.byteSize()) {
            view = memory.segment(borrower); // the memory grew since the last lend: see its new pages
            lentView = view;
        }
        return view.asSlice(offset, byteSize);
    }

    /**
     * Returns the offset of a segment this arena handed out.
     *
     * @throws IllegalArgumentException if the segment lies outside this arena's memory
     */
    private long offsetOf(MemorySegment segment) {
        requireUsable();
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
        return "OffcutArena[" + kind.name().toLowerCase(Locale.ROOT) + ", " + allocator + (closed ? ", closed" : "")
                + "]";
    }
}
