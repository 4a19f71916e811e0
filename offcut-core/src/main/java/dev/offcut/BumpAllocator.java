package dev.offcut;

import dev.offcut.internal.simple.UnsyncBumpAllocator;

/**
 * A bump allocator: allocation moves a pointer up, single blocks are never freed, and everything allocated after a
 * {@linkplain #mark() mark} can be dropped at once with {@link #reset(long)} (an arena-style use).
 *
 * <p>{@link #tryAllocateZeroed} costs nothing for memory that was never handed out before and was grown by this
 * allocator: WebAssembly-style pages are zero when first grown into, as mini-alloc exploits. Memory handed out
 * again after a reset, or pages the memory already had, are zeroed explicitly.
 *
 * <p>{@link #free(long)} checks that the offset lies among the live blocks and then does nothing; it cannot tell a
 * block start from an interior offset. {@link #tryReallocate} grows the last block in place and otherwise copies;
 * the old block cannot be freed, so it still counts in {@link #stats()} until a reset drops it.
 *
 * <p>Not thread-safe: wrap in {@link Allocator#locked(Allocator)} to share (marks are then not available).
 */
public sealed interface BumpAllocator extends Allocator permits UnsyncBumpAllocator {

    /**
     * Returns a mark that names the current top of the allocator.
     *
     * @return an opaque mark for {@link #reset(long)}
     */
    long mark();

    /**
     * Drops every block allocated after {@code mark} was taken. Offsets of those blocks must no longer be used.
     * Blocks allocated before the mark are untouched.
     *
     * @param mark a value returned by {@link #mark()} on this allocator that is not above the current top
     * @throws IllegalArgumentException if {@code mark} is not a mark of this allocator at or below the current top
     */
    void reset(long mark);

    /** Drops every block: the same as {@code reset} to a mark taken when the allocator was new. */
    void reset();
}
