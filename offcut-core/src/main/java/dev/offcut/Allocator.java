package dev.offcut;

import dev.offcut.internal.concurrent.ConfinedAllocator;
import dev.offcut.internal.simple.FailingAllocator;
import dev.offcut.internal.concurrent.LockedAllocator;
import dev.offcut.internal.Checks;
import dev.offcut.internal.MemorySegments;
import dev.offcut.internal.debug.UnsyncCheckedAllocator;
import dev.offcut.internal.simple.UnsyncBumpAllocator;
import dev.offcut.internal.simple.UnsyncFreeListAllocator;
import dev.offcut.internal.simple.UnsyncPageAllocator;

/**
 * An allocator of blocks inside one {@link LinearMemory}, addressed by {@code long} offsets.
 *
 * <h2>Offsets</h2>
 * A block is named by the offset of its first byte in {@link #memory()}; read and write it through
 * {@code memory().segment()}, or use {@link OffcutArena} for bounds-checked {@link java.lang.foreign.MemorySegment}s.
 * Offset {@value #NULL} is never handed out, so it means "no block", as a null pointer does in C and WebAssembly.
 * Alignment is of offsets: a block allocated with {@code byteAlignment} {@code a} satisfies {@code offset % a == 0}.
 * Native memories ({@link LinearMemory#ofNative(long)}) start on a 2 MiB boundary, so there the address is aligned
 * too for alignments up to 2 MiB ({@link LinearMemory#addressAlignment()}); beyond that only the offset is sure to be
 * aligned.
 *
 * <h2>Contract shared by every implementation</h2>
 * <ul>
 *   <li>The offset API allocates no Java objects per call (the statistics snapshot aside), except when the memory
 *       grows (the memory makes a new segment view; {@link #pages(LinearMemory)} grows on every allocation past the
 *       memory's existing pages) and in {@link #checked(Allocator)}, which keeps a map entry per block and copies a
 *       block's bytes to check a reallocation.</li>
 *   <li>Arguments are checked first: a {@code byteSize} outside {@code [0, }{@value #MAX_BYTE_SIZE}{@code ]}, or a
 *       {@code byteAlignment} that is not a power of two in {@code [1, }{@value #MAX_BYTE_ALIGNMENT}{@code ]}, gets an
 *       {@link IllegalArgumentException} that names the argument and the range, and nothing changes.</li>
 *   <li>Running out of memory is reported two ways, never by corrupting anything: {@link #allocate} and
 *       {@link #reallocate} throw {@link OutOfMemoryError}; {@link #tryAllocate} and {@link #tryReallocate}
 *       return {@value #NULL}. Either way every live block is untouched.</li>
 *   <li>A block of size 0 is a real, distinct block: it has a non-zero offset and must be freed.</li>
 *   <li>Blocks never overlap, and a block's contents change only through writes to it.</li>
 *   <li>Freeing an offset that is not a live block is refused with an {@link IllegalArgumentException} where the
 *       allocator can tell (each implementation documents what it can tell), and the heap is left as it was.</li>
 *   <li>Closing the memory ({@link LinearMemory#close()}) ends the allocator; using it afterwards is a programming
 *       error, reported where it is cheap to: a call that reaches the memory throws {@link IllegalStateException}
 *       (an allocation that would grow the memory too: it says the memory is closed, not exhausted), and no call
 *       throws anything else. Checking on every call would cost the hot paths, so a call that needs only the
 *       allocator's own state may still return: the bump allocator hands out offsets below its last page, and the
 *       failing allocator keeps failing. Over {@link LinearMemory#of(java.lang.foreign.MemorySegment) a fixed
 *       segment}, the caller's segment outlives the memory, and an allocator that holds a view of it keeps working
 *       in it.</li>
 * </ul>
 *
 * <h2>Thread safety</h2>
 * Allocators are not thread-safe unless their factory says so. Wrap one in {@link #locked(Allocator)} to share it
 * between threads, or in {@link #confined(Allocator)} to have any use from another thread refused.
 *
 * <h2>The family</h2>
 * <ul>
 *   <li>{@link #failing()}: every allocation fails.</li>
 *   <li>{@link #pages(LinearMemory)}: whole 64 KiB pages per block, never freed.</li>
 *   <li>{@link #bump(LinearMemory)}: a bump pointer, with mark and reset; zeroed allocation of fresh memory is
 *       free.</li>
 *   <li>{@link #freeList(LinearMemory)}: an address-ordered first-fit free list that coalesces.</li>
 *   <li>{@link #binned(LinearMemory)}: the general-purpose allocator, binned boundary tags (dlmalloc, TLSF, talc);
 *       near-constant-time allocation, O(1) free, several heaps, pluggable memory sources.</li>
 * </ul>
 *
 * <h2>Evolution</h2>
 * Users implement this interface (to wrap an allocator with metrics, say), so it is not sealed, and it grows only
 * by {@code default} methods whose default is correct for every implementation: written in terms of the methods
 * above (as {@link #allocate(long, long)} is over {@link #tryAllocate(long, long)}), or answering conservatively
 * (for example "not known" or "nothing released") where an implementation can do better by overriding. Abstract
 * methods are never added within a major version. {@link LinearMemory} and {@link MemorySource}, which only Offcut
 * implements, are sealed instead, so they may gain abstract methods. {@link AllocatorStats} is a record: new
 * statistics come as new components with a release note, and code that reads components by name is unaffected.
 */
public interface Allocator {

    /** The offset that names no block. */
    long NULL = 0L;

    /** The largest {@code byteSize} any method accepts: 2<sup>62</sup> - 1. */
    long MAX_BYTE_SIZE = Checks.MAX_BYTE_SIZE;

    /** The largest {@code byteAlignment} any method accepts: 2<sup>32</sup>. */
    long MAX_BYTE_ALIGNMENT = Checks.MAX_BYTE_ALIGNMENT;

    /**
     * The alignment the two-argument forms use: 8 bytes, enough for every Java primitive and for
     * {@link java.lang.foreign.ValueLayout#JAVA_LONG}.
     */
    long DEFAULT_BYTE_ALIGNMENT = 8L;

    /**
     * Returns the memory this allocator hands out blocks of.
     *
     * @return the linear memory; never {@code null}
     */
    LinearMemory memory();

    /**
     * Allocates a block, or returns {@value #NULL} when memory is exhausted.
     *
     * <p>The block's contents are unspecified.
     *
     * @param byteSize      the block's size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @param byteAlignment the alignment of the block's offset, a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}
     * @return the block's offset, a multiple of {@code byteAlignment}; or {@value #NULL} if memory is exhausted
     * @throws IllegalArgumentException if an argument is out of range
     */
    long tryAllocate(long byteSize, long byteAlignment);

    /**
     * Allocates a block whose contents are all zero, or returns {@value #NULL} when memory is exhausted.
     *
     * <p>The default allocates and then zeroes the block. Allocators that know a block was never handed out before
     * override it to skip the zeroing (the bump and page allocators do, for memory they grew).
     *
     * @param byteSize      the block's size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @param byteAlignment the alignment of the block's offset, a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}
     * @return the block's offset; or {@value #NULL} if memory is exhausted
     * @throws IllegalArgumentException if an argument is out of range
     */
    default long tryAllocateZeroed(long byteSize, long byteAlignment) {
        long offset = tryAllocate(byteSize, byteAlignment);
        if (offset != NULL) {
            MemorySegments.zero(memory().segment(), offset, byteSize);
        }
        return offset;
    }

    /**
     * Allocates a block, throwing when memory is exhausted.
     *
     * @param byteSize      the block's size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @param byteAlignment the alignment of the block's offset, a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}
     * @return the block's offset, never {@value #NULL}
     * @throws IllegalArgumentException if an argument is out of range
     * @throws OutOfMemoryError         if memory is exhausted; every live block and its contents are untouched and
     *                                  the allocator is still usable (the memory may have grown, and the statistics
     *                                  may show it)
     */
    default long allocate(long byteSize, long byteAlignment) {
        long offset = tryAllocate(byteSize, byteAlignment);
        if (offset == NULL) {
            throw outOfMemory(this, byteSize, byteAlignment);
        }
        return offset;
    }

    /**
     * Allocates a block with the {@linkplain #DEFAULT_BYTE_ALIGNMENT default alignment}.
     *
     * @param byteSize the block's size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @return the block's offset, never {@value #NULL}
     * @throws IllegalArgumentException if {@code byteSize} is out of range
     * @throws OutOfMemoryError         if memory is exhausted
     */
    default long allocate(long byteSize) {
        return allocate(byteSize, DEFAULT_BYTE_ALIGNMENT);
    }

    /**
     * Allocates a zeroed block, throwing when memory is exhausted.
     *
     * @param byteSize      the block's size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @param byteAlignment the alignment of the block's offset, a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}
     * @return the block's offset, never {@value #NULL}; every byte of the block is zero
     * @throws IllegalArgumentException if an argument is out of range
     * @throws OutOfMemoryError         if memory is exhausted
     */
    default long allocateZeroed(long byteSize, long byteAlignment) {
        long offset = tryAllocateZeroed(byteSize, byteAlignment);
        if (offset == NULL) {
            throw outOfMemory(this, byteSize, byteAlignment);
        }
        return offset;
    }

    /**
     * Frees a block. Freeing {@value #NULL} does nothing.
     *
     * @param offset the offset of a live block of this allocator, or {@value #NULL}
     * @throws IllegalArgumentException if the allocator can tell that {@code offset} is not a live block; the
     *                                  allocator is then unchanged
     */
    void free(long offset);

    /**
     * Frees a block whose size the caller knows, as C23's {@code free_sized} and Rust's {@code dealloc} do.
     *
     * <p>An allocator may use the size to skip a lookup. Where it can tell, it refuses a size other than the one
     * the block was allocated or last reallocated with.
     *
     * @param offset   the offset of a live block of this allocator, or {@value #NULL}
     * @param byteSize the size the block was allocated or last reallocated with
     * @throws IllegalArgumentException if {@code byteSize} is out of range, or the allocator can tell that
     *                                  {@code offset} is not a live block or {@code byteSize} is not its size;
     *                                  the allocator is then unchanged
     */
    void free(long offset, long byteSize);

    /**
     * Resizes a block, moving it if it cannot be resized in place, or returns {@value #NULL} and leaves the block
     * untouched when memory is exhausted. An allocator may also move a block it could resize in place, where that
     * keeps its memory less fragmented: the binned allocator moves a block that shrinks to at most half its chunk
     * into a smaller free chunk when one is free, and its shrinks that keep the block's alignment never fail.
     *
     * <p>The first {@code min(old size, newByteSize)} bytes are kept. A moved block has at least
     * {@code byteAlignment}; the old offset is then freed. {@code tryReallocate(NULL, n, a)} is
     * {@code tryAllocate(n, a)}.
     *
     * @param offset        a live block of this allocator, or {@value #NULL}
     * @param newByteSize   the new size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @param byteAlignment the alignment the block needs, a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}; pass
     *                      the one it was allocated with to keep it
     * @return the block's offset, which may differ from {@code offset}; or {@value #NULL} if memory is exhausted,
     *         in which case {@code offset} is still live and unchanged
     * @throws IllegalArgumentException if an argument is out of range or, where the allocator can tell,
     *                                  {@code offset} is not a live block
     */
    long tryReallocate(long offset, long newByteSize, long byteAlignment);

    /**
     * Resizes a block as {@link #tryReallocate} does, throwing when memory is exhausted.
     *
     * @param offset        a live block of this allocator, or {@value #NULL}
     * @param newByteSize   the new size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @param byteAlignment the alignment the block needs, a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}
     * @return the block's offset, never {@value #NULL}
     * @throws IllegalArgumentException if an argument is out of range or, where the allocator can tell,
     *                                  {@code offset} is not a live block
     * @throws OutOfMemoryError         if memory is exhausted; the block is still live and unchanged
     */
    default long reallocate(long offset, long newByteSize, long byteAlignment) {
        long moved = tryReallocate(offset, newByteSize, byteAlignment);
        if (moved == NULL) {
            throw outOfMemory(this, newByteSize, byteAlignment);
        }
        return moved;
    }

    /**
     * Resizes a block as C's {@code realloc} does: the {@linkplain #DEFAULT_BYTE_ALIGNMENT default alignment} is
     * kept if it moves.
     *
     * @param offset      a live block of this allocator, or {@value #NULL}
     * @param newByteSize the new size in bytes, in {@code [0, MAX_BYTE_SIZE]}
     * @return the block's offset, never {@value #NULL}
     * @throws IllegalArgumentException if an argument is out of range or, where the allocator can tell,
     *                                  {@code offset} is not a live block
     * @throws OutOfMemoryError         if memory is exhausted; the block is still live and unchanged
     */
    default long reallocate(long offset, long newByteSize) {
        return reallocate(offset, newByteSize, DEFAULT_BYTE_ALIGNMENT);
    }

    /**
     * Returns a snapshot of this allocator's counters.
     *
     * @return an immutable snapshot; later activity does not change it
     */
    AllocatorStats stats();

    /**
     * Checks this allocator's own invariants, walking its metadata.
     *
     * <p>Costs time linear in the heap's metadata: meant for tests and debugging, not hot paths.
     *
     * @throws IllegalStateException naming the broken invariant and the offset where it broke
     */
    void verify();

    // ---------------------------------------------------------------------------------------------------------------
    // The family

    /**
     * Returns an allocator that fails every allocation (lol_alloc's {@code FailAllocator}): {@code tryAllocate}
     * returns {@value #NULL}, {@code allocate} throws {@link OutOfMemoryError}. Thread-safe: it has no state.
     *
     * <p>Use it as a placeholder where allocation must not happen.
     *
     * @return a new failing allocator, over its own empty fixed memory
     */
    static Allocator failing() {
        return new FailingAllocator();
    }

    /**
     * Returns an allocator that gives every block whole 64 KiB pages and never frees (lol_alloc's
     * {@code LeakingPageAllocator}). Pages the memory already has are handed out first (page 0 excepted), then
     * fresh pages are grown, one grow per block (two for the first block on an empty memory: page 0 is grown and
     * burnt first, since offset 0 means "no block"). Blocks are page-aligned (or more, as asked: for an alignment
     * above 64 KiB, up to {@code byteAlignment / 64 KiB - 1} pages are left unused to reach it). {@code free} checks
     * the offset and then does nothing. Not thread-safe.
     *
     * @param memory the memory to allocate pages from
     * @return a new page allocator
     * @throws NullPointerException if {@code memory} is {@code null}
     */
    static Allocator pages(LinearMemory memory) {
        return new UnsyncPageAllocator(memory);
    }

    /**
     * Returns a bump allocator over {@code memory}: it never frees a single block, but can drop everything
     * allocated after a {@linkplain BumpAllocator#mark() mark}. Uses the memory's existing pages first, then grows.
     * Not thread-safe.
     *
     * @param memory the memory to allocate from
     * @return a new bump allocator
     * @throws NullPointerException if {@code memory} is {@code null}
     */
    static BumpAllocator bump(LinearMemory memory) {
        return new UnsyncBumpAllocator(memory);
    }

    /**
     * Returns lol_alloc's free-list allocator over {@code memory}: an address-ordered free list searched first-fit,
     * coalescing with both neighbours on free. Allocation is O(free chunks); free and reallocation are O(chunks), as
     * they walk the chunks below the block to refuse a forged header; prefer the binned allocator for anything but
     * small heaps. Uses the memory's existing pages first, then grows. Not thread-safe.
     *
     * @param memory the memory to allocate from
     * @return a new free-list allocator
     * @throws NullPointerException if {@code memory} is {@code null}
     */
    static Allocator freeList(LinearMemory memory) {
        return new UnsyncFreeListAllocator(memory);
    }

    /**
     * Returns Offcut's general-purpose allocator over {@code memory}: a binned boundary-tag allocator in the line of
     * dlmalloc, TLSF and talc, with {@link Binning#DEFAULT} and {@link MemorySource#growAndExtend()}. Its metadata
     * takes the first bytes of the memory (an empty memory gets them with the first allocation); the memory's
     * remaining bytes are its first heap, used before anything grows. Use
     * {@link BinnedAllocator#builder(LinearMemory)} for other binnings or sources and
     * {@link BinnedAllocator#open(LinearMemory)} to reopen. Not thread-safe.
     *
     * @param memory the memory to allocate from; the allocator owns its bytes from then on
     * @return a new binned allocator
     * @throws NullPointerException if {@code memory} is {@code null}
     */
    static BinnedAllocator binned(LinearMemory memory) {
        return BinnedAllocator.builder(memory).build();
    }

    /**
     * Returns Offcut's allocator for multi-threaded programs over {@code memory}, with the default settings: size
     * classes up to 32 KiB in spans on the Java heap, a heap per platform thread, stripe heaps shared by virtual
     * threads, frees from any thread, and a binned back end for larger blocks. Thread-safe. Use
     * {@link ConcurrentAllocator#builder(LinearMemory)} for other settings.
     *
     * @param memory the memory to allocate from; the allocator owns its bytes from then on
     * @return a new concurrent allocator
     * @throws NullPointerException if {@code memory} is {@code null}
     */
    static ConcurrentAllocator concurrent(LinearMemory memory) {
        return ConcurrentAllocator.builder(memory).build();
    }

    /**
     * Returns a thread-safe view of {@code allocator} that holds a lock around every call (lol_alloc's
     * {@code LockedAllocator}, talc's {@code TalcLock}). All access must then go through the returned allocator.
     * The view has only {@code Allocator}'s methods: a bump allocator's marks or a binned allocator's heap
     * management stay on the original object, outside the lock, so use them only while no other thread allocates.
     * The lock covers allocator calls, not writes to blocks: over {@link LinearMemory#ofHeap(long) heap memory}, a
     * grow copies the array, so a write made during another thread's allocation can be lost (see
     * {@link LinearMemory}); share heap memory only under a lock of your own that also covers writes.
     *
     * @param allocator the allocator to guard
     * @return a thread-safe allocator over the same memory
     * @throws NullPointerException if {@code allocator} is {@code null}
     */
    static Allocator locked(Allocator allocator) {
        return new LockedAllocator(allocator);
    }

    /**
     * Returns a view of {@code allocator} bound to the calling thread: a call from any other thread throws
     * {@link WrongThreadException}, as {@link java.lang.foreign.Arena#ofConfined()} does.
     *
     * @param allocator the allocator to confine
     * @return an allocator usable only from the thread that called this method
     * @throws NullPointerException if {@code allocator} is {@code null}
     */
    static Allocator confined(Allocator allocator) {
        return new ConfinedAllocator(allocator, Thread.currentThread());
    }

    /**
     * Returns {@code allocator} in checked debug mode: a wrapper that keeps an exact record of live blocks, refuses
     * every free or reallocation of an offset that is not a live block (or a sized free of the wrong size) with an
     * {@link IllegalArgumentException} before the allocator sees it, and checks every answer (alignment, bounds, no
     * overlap, zeroing, contents kept by reallocation), the allocator's {@link #verify()} and its counters against
     * the record after every call, throwing {@link IllegalStateException} at the first call that breaks a promise.
     *
     * <p>It costs a map entry per block and a full verify walk per call: for tests and debugging. Wrap a fresh
     * allocator (blocks allocated before wrapping are unknown to the record). Not thread-safe.
     *
     * @param allocator the allocator to check
     * @return the checking wrapper
     * @throws NullPointerException if {@code allocator} is {@code null}
     */
    static Allocator checked(Allocator allocator) {
        return new UnsyncCheckedAllocator(allocator);
    }

    /**
     * Builds the {@link OutOfMemoryError} thrown by the throwing forms.
     *
     * @param allocator     the allocator that ran out
     * @param byteSize      the size asked for
     * @param byteAlignment the alignment asked for
     * @return the error, not thrown
     */
    private static OutOfMemoryError outOfMemory(Allocator allocator, long byteSize, long byteAlignment) {
        LinearMemory memory = allocator.memory();
        return new OutOfMemoryError("cannot allocate " + byteSize + " bytes aligned to " + byteAlignment
                + ": memory has " + memory.pageCount() + " of at most " + memory.maxPageCount() + " pages");
    }
}
