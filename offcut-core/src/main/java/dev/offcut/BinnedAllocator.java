package dev.offcut;

import dev.offcut.internal.binned.BinnedLayout;
import dev.offcut.internal.binned.BinnedOpener;
import dev.offcut.internal.binned.UnsyncBinnedAllocator;

import java.util.Objects;

/**
 * Offcut's general-purpose allocator: a binned boundary-tag allocator in the line of dlmalloc, TLSF and talc.
 *
 * <p>Free chunks are kept in size bins with a bitmap of the non-empty ones, so allocation is near-constant time;
 * free, grow-in-place and shrink are O(1), and freed chunks merge with free neighbours at once. Each block costs one
 * 8-byte header word; chunks are multiples of 16 bytes and the smallest is 32. Every block is 16-aligned, as malloc's
 * are, whatever alignment up to 16 is asked for; every power-of-two alignment up to
 * {@link Allocator#MAX_BYTE_ALIGNMENT} is supported; the gap below a highly aligned block is returned to the free
 * lists. {@link #tryReallocate} grows in place when the next chunk allows, or, with
 * {@link MemorySource#growAndExtend()}, when the block (or the free chunk above it) ends the heap at the memory's end:
 * then the memory grows by the pages the block lacks, as malloc extends its top chunk; it moves only otherwise. It
 * shrinks in place, except that a block shrinking to at most half its chunk moves to a smaller free chunk if one
 * holds it (as mimalloc does), so that the large chunk is freed whole rather than kept split. A shrink that keeps the
 * block's alignment never fails and never grows the memory. Near-constant time is the fast path's: when no bin is
 * sure to hold a request (the memory is nearly full, or the request is large for it), the bins that may hold it are
 * searched chunk by chunk before the source is asked, which is O(free chunks). That cost is paid once per change of
 * the free space: a failed search is remembered, and a request at least as hard (as large, as aligned) then skips
 * it until an allocation, free, resize or heap change. A request that the memory cannot hold even at its
 * {@linkplain LinearMemory#maxByteSize() maximum} fails at once, with no search and no grow.
 *
 * <h2>State in memory</h2>
 * All state (bin heads, the bitmap, the list of heaps, the counters) lives in the linear memory, in a metadata
 * superblock at {@link #metadataOffset()} (0 unless {@link Builder#metadataOffset} placed it, the allocator borrows
 * from a parent, or someone else grew the memory before its first allocation or claim). The Java object only caches
 * constants, so {@link #open(LinearMemory)} reopens an allocator over the same memory with every live block intact.
 *
 * <h2>Heaps and sources</h2>
 * The allocator manages one or more disjoint heaps inside its memory. A {@link MemorySource} decides what happens when
 * no heap has room (grow the memory and extend the last heap by default). The heap-management methods ({@link #claim},
 * {@link #extend}, {@link #truncate}, {@link #resize}, {@link #reserved}) name a heap by its offset, as returned by
 * {@link #claim} or {@link #heaps()}.
 *
 * <h2>Bad frees</h2>
 * {@code free}, sized {@code free} and {@code tryReallocate} refuse, with {@link IllegalArgumentException} and the heap
 * left exactly as it was: an offset that is not 16-aligned, outside the heaps' span, inside the metadata, the start of
 * a free chunk (a double free), or whose header word does not carry the check bits of an allocated chunk followed by
 * a valid next header (an interior or foreign offset, or one in a gap between heaps; a random or stale word passes
 * with probability about 2<sup>-20</sup>, and the salt in the check bits is random per build, so this holds for
 * offsets of an earlier allocator built over the same bytes too). The check bits are keyed by the word's position and
 * by the size it holds, so a header with one flipped size bit never passes; and a sized free whose size is not
 * the block's requested size. The checks guard against mistakes, not attacks: code that can write the memory can
 * forge a header that passes them.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe. {@link Allocator#locked(Allocator)} makes the {@link Allocator} methods thread-safe, but not the
 * heap-management methods of this interface: call those only when no other thread uses the allocator.
 */
public sealed interface BinnedAllocator extends Allocator permits UnsyncBinnedAllocator {

    /**
     * Reopens the allocator whose metadata is at offset 0 of {@code memory} or, if there is none there, at the one
     * page start that holds it (where an allocator built over an empty memory puts it when someone else grew the
     * memory first; see {@link #metadataOffset()}), with the stored binning and the
     * {@linkplain MemorySource#growAndExtend() default source}. Live blocks, heaps and counters are as the previous
     * allocator left them. An allocator that borrows from a parent keeps its metadata in a block of the parent:
     * reopen it with {@link Builder#metadataOffset(long)}.
     *
     * <p>Reopening walks every chunk and every free list once (O(chunks), allocating nothing per chunk) and refuses
     * metadata that is corrupt in the ways that would otherwise surface later as damage: a heap list out of order or
     * out of the memory, heap bounds, a heap count or claimed bytes that disagree with the list, chunks that do not
     * tile their heap, a chunk header without its check bits, a PREV_FREE flag that disagrees with the chunk below,
     * a slack out of range, a free chunk's footer that differs from its size, two adjacent free chunks, a wrong end
     * sentinel, and bin or quick-list links that do not lead to tagged chunks of their list's kind or do not hold
     * exactly the heaps' free and parked chunks. Whatever it accepts, {@link #verify()} accepts too.
     *
     * @param memory a memory an allocator built by {@link Builder#build()} used
     * @return an allocator over the same state
     * @throws IllegalArgumentException if neither offset 0 nor any page start holds binned-allocator metadata of
     *                                  this layout version, or several page starts do, or the metadata is corrupt as
     *                                  above
     */
    static BinnedAllocator open(LinearMemory memory) {
        return builder(memory).open();
    }

    /**
     * Starts configuring an allocator over {@code memory}.
     *
     * @param memory the memory to allocate from
     * @return a builder with {@link Binning#DEFAULT}, {@link MemorySource#growAndExtend()} and metadata offset 0
     * @throws NullPointerException if {@code memory} is {@code null}
     */
    static Builder builder(LinearMemory memory) {
        return new Builder(memory);
    }

    /**
     * Returns the binning this allocator was built with.
     *
     * @return the binning stored in its metadata
     */
    Binning binning();

    /**
     * Returns the source this allocator consults when it runs out of memory.
     *
     * @return the source
     */
    MemorySource source();

    /**
     * Returns where the allocator's metadata superblock starts in the memory: 0, the one set when building, the start
     * of the allocator's first page if someone else grew the memory before its first allocation, or a block of the
     * parent. Pass it to {@link Builder#metadataOffset(long)} to reopen an allocator that borrows from a parent.
     *
     * @return the metadata offset
     */
    long metadataOffset();

    /**
     * Makes {@code [offset, offset + byteSize)}, shrunk inward (its start to a multiple of 8 and at least 8, as offset
     * 0 names no heap; its end to a multiple of 16), a new heap (talc's {@code claim}). The region's bytes become the
     * allocator's; their contents need not be zero.
     *
     * <p>Before the first allocation, a claim also writes the metadata, after the region passed every check: at
     * {@link #metadataOffset()}, or, if someone else grew the memory since the build and no metadata offset was set,
     * at the first page start in the region (where {@link #open(LinearMemory)} finds it), the heap taking the rest of
     * the region after it (and the bytes before it become a heap too if they make one of the minimum size; the
     * offset returned is the heap after the metadata). It never takes the rest of the memory as a heap, as a first
     * allocation does.
     *
     * @param offset   the first byte of the region
     * @param byteSize the region's size in bytes
     * @return the heap's offset (its name for the other heap methods)
     * @throws IllegalArgumentException      if the region is negative, outside the memory, smaller than a heap's
     *                                       minimum (56 bytes; 64 at a multiple of 16, where the first chunk needs a
     *                                       pad word), or overlaps the metadata or an existing heap; nothing changes
     *                                       then
     * @throws UnsupportedOperationException if the allocator borrows from a parent ({@link MemorySource#fromParent}):
     *                                       its heaps are the parent's blocks, each handed back when it empties, and a
     *                                       claimed heap would be handed to a parent that never lent it
     */
    long claim(long offset, long byteSize);

    /**
     * Grows a heap upward to {@code newByteSize} from its offset (talc's {@code extend}), with the heap's end
     * rounded down to a multiple of 16. The new bytes join the heap's free space, merged with a free chunk at its top. A growth of
     * less than 32 bytes that cannot merge is skipped.
     *
     * @param heap        a heap's offset
     * @param newByteSize the size wanted, {@code >=} the heap's current size
     * @return the heap's byte size afterwards
     * @throws IllegalArgumentException      if {@code heap} is not a heap, {@code newByteSize} is below its size, or
     *                                       the grown heap would leave the memory or overlap the metadata or the next
     *                                       heap
     * @throws UnsupportedOperationException if the allocator borrows from a parent and the heap would grow: the
     *                                       heap is a block of the parent, and the bytes above it may be another
     */
    long extend(long heap, long newByteSize);

    /**
     * Shrinks a heap toward {@code newByteSize} from its offset, cutting free space at its top only (talc's
     * {@code truncate}): it never cuts below a live block, so the result may be larger than asked, and the heap's end
     * is rounded down to a multiple of 16, so it may be up to 15 bytes smaller. If the heap holds no live block and
     * {@code newByteSize} is below a heap's minimum (56 bytes; 64 for a heap at a multiple of 16, whose first chunk
     * needs a pad word), the heap is removed.
     *
     * @param heap        a heap's offset
     * @param newByteSize the size wanted, {@code >= 0} and {@code <=} the heap's current size
     * @return the heap's byte size afterwards, 0 if it was removed
     * @throws IllegalArgumentException if {@code heap} is not a heap or {@code newByteSize} is out of range
     */
    long truncate(long heap, long newByteSize);

    /**
     * Extends or truncates a heap to {@code newByteSize}, whichever applies (talc's {@code resize}).
     *
     * @param heap        a heap's offset
     * @param newByteSize the size wanted, {@code >= 0}
     * @return the heap's byte size afterwards, 0 if it was removed
     * @throws IllegalArgumentException      as {@link #extend} or {@link #truncate} would
     * @throws UnsupportedOperationException as {@link #extend} would
     */
    long resize(long heap, long newByteSize);

    /**
     * Returns how many bytes from the heap's offset its live blocks (and the heap's own header and sentinel) occupy:
     * the smallest size {@link #truncate} can reach (talc's {@code reserved}). Like {@code truncate}, it first merges
     * the small freed chunks {@link Binning#DEFAULT} keeps aside for quick reuse, so that only live blocks count.
     *
     * @param heap a heap's offset
     * @return the reserved byte size, 0 if the heap holds no live block
     * @throws IllegalArgumentException if {@code heap} is not a heap
     */
    long reserved(long heap);

    /**
     * Returns the offsets of the heaps, in ascending order.
     *
     * @return a new array of heap offsets
     */
    long[] heaps();

    /**
     * Returns the byte size of a heap.
     *
     * @param heap a heap's offset
     * @return its byte size, from its offset to its end
     * @throws IllegalArgumentException if {@code heap} is not a heap
     */
    long heapByteSize(long heap);

    /**
     * Configures and builds, or reopens, a {@link BinnedAllocator}. Not thread-safe; use once.
     */
    final class Builder {

        private final LinearMemory memory;
        private Binning binning;
        private MemorySource source = MemorySource.growAndExtend();
        private long metadataOffset = -1;

        private Builder(LinearMemory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
        }

        /**
         * Sets the binning; when reopening, it must match the stored one.
         *
         * @param binning the binning, {@link Binning#DEFAULT} unless set
         * @return this builder
         * @throws NullPointerException if {@code binning} is {@code null}
         */
        public Builder binning(Binning binning) {
            this.binning = Objects.requireNonNull(binning, "binning");
            return this;
        }

        /**
         * Sets the source consulted when memory runs out.
         *
         * @param source the source, {@link MemorySource#growAndExtend()} unless set
         * @return this builder
         * @throws NullPointerException if {@code source} is {@code null}
         */
        public Builder source(MemorySource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Sets where the metadata superblock is (when reopening) or goes (when building; the bytes below it are left
         * alone). Not allowed when building with {@link MemorySource#fromParent(Allocator)}, whose metadata is a block
         * of the parent.
         *
         * @param metadataOffset a multiple of 64, {@code >= 0}; 0 unless set
         * @return this builder
         * @throws IllegalArgumentException if {@code metadataOffset} is negative or not a multiple of 64
         */
        public Builder metadataOffset(long metadataOffset) {
            if (metadataOffset < 0 || (metadataOffset & (BinnedLayout.SUPERBLOCK_ALIGNMENT - 1)) != 0) {
                throw new IllegalArgumentException("metadataOffset must be a non-negative multiple of 64, was "
                        + metadataOffset);
            }
            this.metadataOffset = metadataOffset;
            return this;
        }

        /**
         * Builds a new, empty allocator: writes fresh metadata at the metadata offset, then, for the growing sources,
         * makes the memory's remaining bytes its first heap. If the memory is too small for the metadata (an empty
         * memory), a growing source leaves it to the first allocation, which grows the memory for the metadata and the
         * request in one step; until then the allocator has no heap and cannot be reopened.
         *
         * @return the new allocator
         * @throws IllegalArgumentException if a parent source's parent is over another memory, or a metadata offset
         *                                  was set for a parent source, or the metadata at the metadata offset would
         *                                  not fit the memory even at its {@link LinearMemory#maxByteSize() maximum}
         * @throws IllegalStateException    if the memory is too small for the metadata and the source never grows it,
         *                                  or the parent cannot give a block for it
         */
        public BinnedAllocator build() {
            return BinnedOpener.create(memory, binning == null ? Binning.DEFAULT : binning, source,
                    metadataOffset);
        }

        /**
         * Reopens the allocator whose metadata is at the metadata offset (if none was set: at offset 0, or else at the
         * one page start that holds it, as {@link BinnedAllocator#open(LinearMemory)} finds it), keeping every live
         * block.
         *
         * @return the reopened allocator
         * @throws IllegalArgumentException if no metadata of this layout version is there, or its binning differs
         *                                  from one set on this builder, or the source is a parent and no metadata
         *                                  offset was set (the child's metadata is a block of the parent)
         */
        public BinnedAllocator open() {
            return BinnedOpener.open(memory, binning, source, metadataOffset);
        }
    }
}
