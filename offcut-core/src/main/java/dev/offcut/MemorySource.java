package dev.offcut;

import dev.offcut.internal.binned.MemorySources;

import java.util.Objects;

/**
 * What a {@link BinnedAllocator} does when no free chunk fits a request: talc's {@code Source}s, as a closed set.
 *
 * <p>The allocator consults its source at most once per failed request, and then retries that request once: a source
 * asks for enough memory for the request in one step and never loops (talc issue #47 grew to 4 GiB in a loop). If the
 * source cannot help, {@code tryAllocate} returns {@link Allocator#NULL} with every live block, its contents and every
 * count of blocks, bytes and heaps as they were. Before asking the source, {@link Binning#DEFAULT} merges the small
 * freed chunks it keeps aside for quick reuse into the bins, so {@code availableBytes} and {@code fragmentCount} may
 * change. One exception, for memories that several allocators grow: if another's grow lands between this
 * allocator's look at the memory's end and its own grow, the pages it got are not next to its last heap, so they
 * become a heap of their own; should a second grow, for a heap that holds the request, then be refused, the request
 * fails but that heap stays (with its bytes in {@code heapCount}, {@code claimedBytes} and {@code availableBytes}):
 * the pages are this allocator's and a memory never shrinks, so dropping them would lose them to everyone. Live
 * blocks and their contents are untouched then too. A source is configuration, not state: it is not stored in the
 * memory, so pass the same one to {@link BinnedAllocator.Builder#open()} when reopening (what little state a source
 * has, such as whether a claim source has claimed its region, is in the memory).
 *
 * <p>Heaps the allocator uses without asking its source: {@link BinnedAllocator.Builder#build()} makes the memory's
 * bytes after the metadata its first heap for {@link #growAndExtend()} and {@link #growAndClaim()} (so over a fixed
 * segment or a file, the existing bytes are used before anything grows), and leaves heap creation to the caller or
 * the source for {@link #manual()}, {@link #claim(long, long)} and {@link #fromParent(Allocator)}.
 *
 * <p>Sources compare by value: {@code claim(o, n)} equals every other {@code claim(o, n)}, {@code fromParent(p)}
 * every other {@code fromParent(p)} with the same parent (by the parent's own {@code equals}, identity for Offcut's
 * allocators); the other three factories return one shared instance each. {@code hashCode} agrees. (Before issue
 * 11, a claim or parent source equalled only itself.)
 */
public sealed interface MemorySource permits MemorySources.Manual, MemorySources.Claim, MemorySources.GrowAndExtend,
        MemorySources.GrowAndClaim, MemorySources.FromParent {

    /**
     * Returns the source that never adds memory (talc's {@code Manual}): the allocator uses only the heaps given to it
     * with {@link BinnedAllocator#claim(long, long)}, and requests that do not fit fail.
     *
     * @return the manual source
     */
    static MemorySource manual() {
        return MemorySources.MANUAL;
    }

    /**
     * Returns a source that claims one given region as a heap the first time memory runs out (talc's {@code Claim}),
     * and fails every later time. The region must lie inside the memory when it is claimed and must not overlap the
     * metadata or any heap; if it does not, the claim is skipped and the request fails.
     *
     * @param offset   the first byte of the region
     * @param byteSize the region's size in bytes, {@code >= 0}
     * @return a claim source
     * @throws IllegalArgumentException if {@code offset} or {@code byteSize} is negative or they overflow together
     */
    static MemorySource claim(long offset, long byteSize) {
        if (offset < 0 || byteSize < 0 || offset + byteSize < 0) {
            throw new IllegalArgumentException("claim region must be non-negative and not overflow, was offset "
                    + offset + ", byteSize " + byteSize);
        }
        return new MemorySources.Claim(offset, byteSize);
    }

    /**
     * Returns the default source (talc's {@code WasmGrowAndExtend}): grow the memory by the pages the failed request
     * needs, in one {@link LinearMemory#grow(long)} call, and extend the heap that ends at the memory's old end; if no
     * heap ends there, the new pages become a new heap. Extending keeps free space in one piece, which avoids the
     * 2-10x memory use of claiming every growth as a new heap (talc issue #51).
     *
     * @return the grow-and-extend source
     */
    static MemorySource growAndExtend() {
        return MemorySources.GROW_AND_EXTEND;
    }

    /**
     * Returns the source that grows the memory by the pages the failed request needs and claims them as a new heap
     * every time (talc's {@code WasmGrowAndClaim}). Simpler heaps, but free space ends up split at heap boundaries.
     *
     * @return the grow-and-claim source
     */
    static MemorySource growAndClaim() {
        return MemorySources.GROW_AND_CLAIM;
    }

    /**
     * Returns a source that borrows chunks from another allocator over the same memory (talc's
     * {@code AllocatorSource}): when memory runs out, a block of at least 16 KiB (more if the request needs it) is
     * allocated from {@code parent} and claimed as a new heap; when a free leaves such a heap with no live block, the
     * heap is dropped and its block freed back to the parent. The allocator's metadata is also a block of the
     * parent. The parent must not be used from another thread at the same time unless it is thread-safe.
     *
     * @param parent the allocator to borrow from; its {@link Allocator#memory()} must be the child's memory
     * @return a source backed by {@code parent}
     * @throws NullPointerException if {@code parent} is {@code null}
     */
    static MemorySource fromParent(Allocator parent) {
        return new MemorySources.FromParent(Objects.requireNonNull(parent, "parent"));
    }
}
