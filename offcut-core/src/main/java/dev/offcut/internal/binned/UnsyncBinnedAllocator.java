package dev.offcut.internal.binned;

import dev.offcut.internal.Checks;
import dev.offcut.internal.MemorySegments;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import static dev.offcut.internal.binned.BinnedLayout.ALLOCATED;
import static dev.offcut.internal.binned.BinnedLayout.allocatedHeader;
import static dev.offcut.internal.binned.BinnedLayout.binHeadAt;
import static dev.offcut.internal.binned.BinnedLayout.bitmapWordAt;
import static dev.offcut.internal.binned.BinnedLayout.chunkSizeFor;
import static dev.offcut.internal.binned.BinnedLayout.footerAt;
import static dev.offcut.internal.binned.BinnedLayout.footerBelow;
import static dev.offcut.internal.binned.BinnedLayout.freeHeader;
import static dev.offcut.internal.binned.BinnedLayout.requestedByteSize;
import static dev.offcut.internal.binned.BinnedLayout.slack;
import static dev.offcut.internal.binned.BinnedLayout.CHECK_MASK;
import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static dev.offcut.internal.binned.BinnedLayout.FREE_NEXT;
import static dev.offcut.internal.binned.BinnedLayout.FREE_PREV;
import static dev.offcut.internal.binned.BinnedLayout.HEADER_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_END;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_HEADER_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_NEXT;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.MAX_CHUNK_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.MIN_CHUNK_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.PREV_FREE;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_COUNT_SHIFT;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_LIMIT;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_LINK_MASK;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_MARK;
import static dev.offcut.internal.binned.BinnedLayout.SB_BITMAP;
import static dev.offcut.internal.binned.BinnedLayout.SB_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.SB_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_FIRST_HEAP;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAPS_HIGH;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAPS_LOW;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_MAGIC;
import static dev.offcut.internal.binned.BinnedLayout.SB_SALT;
import static dev.offcut.internal.binned.BinnedLayout.SB_SOURCE_STATE;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATION_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_VERSION_BINNING;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL;
import static dev.offcut.internal.binned.BinnedLayout.SENTINEL_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.SIZE_MASK;

/**
 * The binned boundary-tag allocator (dlmalloc's boundary tags and bins, TLSF's bitmap-indexed segregated fits, talc's
 * one-word tags, heaps and sources, glibc's fast bins as "quick lists"), not thread-safe. Every byte of state that
 * cannot be rebuilt is in the linear memory (bins, bitmap, heap list, totals), so {@code open} finds every live block
 * again; the object caches only what a walk rebuilds (see Counters and Lifecycle). See {@link BinnedLayout} for the
 * superblock, heap and chunk formats and {@link BinIndex} for the bins.
 *
 * <pre>
 *   memory:  [superblock M..M+S) ... [heap H: hdr (pad) | chunk | chunk | ... | sentinel] ... [heap H2 ...] ...
 *   chunk:   allocated  [size|flags|slack|check][block ...................... slack]
 *            free       [size|check][next][prev][ ...                 ][footer size]
 *            parked     [size|ALLOCATED|slack=63|check][next parked][ ... ]          (DEFAULT, &lt;= 1040 B)
 *   header:  check(10) | slack(6) | size(45) | SENTINEL | PREV_FREE | ALLOCATED
 *   chunks start at 8 mod 16 and their sizes are multiples of 16: every block is 16-aligned
 * </pre>
 *
 * <h2>Allocate (n bytes, alignment a)</h2>
 * <ol>
 *   <li>{@code need = max(32, roundUp16(n + 8))}. If the quick list of chunk size {@code need} is not empty and its
 *       head's block is aligned to {@code a} (always, for {@code a <= 16}), pop it: three loads and two stores of the
 *       list and the header, and a store to each total.</li>
 *   <li>Else, for {@code a <= 16}, bin {@code b = ceilBinOf(need)}: every chunk in bins {@code >= b} fits, so the first
 *       set bitmap bit at or above {@code b} names a bin whose head fits (a few bit operations over at most 4 bitmap
 *       words). For {@code need >= betterFitMinChunkSize} (DEFAULT 16 KiB, COMPACT 128 B) a bounded better-fit
 *       look (8 chunks of the bin below {@code b}, which may fit, then 8 of the found bin) picks a tighter chunk,
 *       which keeps large chunks whole: heap efficiency (with DEFAULT's narrow bins all of the look's measured gain
 *       comes from these sizes; below them it would only cost time).</li>
 *   <li>For {@code a > 16} (unless the first sure bin's head happens to be aligned): in each non-empty bin from
 *       {@code binOf(need)} up to {@code ceilBinOf(need + a + 24)}, lowest first, the tightest fit among its head
 *       and (while 8 extra looks per allocation last) its next chunks, stopping at the first bin with a fit; else
 *       the tightest of the first 8 chunks of the first bin sure to fit. The block starts at the first aligned
 *       offset at least 32 bytes above the chunk start (or at it), and the gap below becomes a free chunk again.</li>
 *   <li>If no bin guarantees a fit: search the bins that may hold a fitting chunk first-fit; then consolidate the
 *       quick lists (free every parked chunk into the bins, merging) and search again; then ask the source once, for
 *       enough memory for this request in one step, and retry once. No loop. (Growing to extend the last heap asks
 *       for the pages its free top lacks; if someone else's grow lands in between, those pages become a heap of
 *       their own, and if that is too small the source grows once more, for a heap that holds the request.)</li>
 *   <li>Split: a remainder of at least 32 bytes above the block becomes a free chunk (taking the split chunk's place
 *       in its list when it stays in the same bin); a smaller one stays in the block as slack (so slack
 *       {@code <= 40}). Header: size, ALLOCATED, PREV_FREE if the gap below is free, slack, check.</li>
 * </ol>
 *
 * <h2>Free (offset p, chunk c = p - 8)</h2>
 * Validate with tag checks (16-aligned, inside the heaps' span (this object's copy of it), outside the superblock,
 * header ALLOCATED and not SENTINEL or parked with {@code check(c)} bits, size and slack in range, next header with
 * {@code check(c + size)} bits and PREV_FREE clear); otherwise throw IllegalArgumentException before touching
 * anything; two words of linear memory are read. A chunk of at most 1040 bytes
 * (DEFAULT) is parked on its quick list if the list holds fewer than 16. Any other merges with the chunk below if
 * PREV_FREE (its footer gives its size) and with the chunk above if it is not ALLOCATED; headers swallowed by a merge
 * are scrubbed to 0 so a second free of them finds no tag; PREV_FREE is set on the chunk above; the result is binned
 * (LIFO), reusing a merged neighbour's list slot when the bin is unchanged. A parent-sourced heap left with no live
 * block is handed back to the parent (quick lists are off for parent sources, so heaps do empty).
 *
 * <h2>Reallocate</h2>
 * Shrink to at most half the chunk (and to at most 256 KiB, which bounds the copy): move, as mimalloc does, if a free
 * chunk smaller than the block's own holds the new size (its exact quick list, or the first bin sure to fit if that
 * is below the chunk's bin, unless that chunk is the free one just above, where shrinking in place merges better);
 * the old chunk then merges whole instead of staying split under a small block that pins it (two points of heap
 * efficiency on talc's workload: docs/notes/2026-11-21-binned-tuning.md, "shrink moves"). Any other shrink stays in place (the tail joins a free chunk above,
 * or becomes one if at least 32 bytes); a shrink that keeps the block's alignment never fails and never grows the
 * memory. Grow in place if the chunk above is free and big enough; else grow down into a free chunk below (plus the
 * one above) with a memmove if that suffices and keeps the alignment; else allocate, copy, free.
 *
 * <h2>Counters</h2>
 * Only the counters that no walk can rebuild live in the superblock: allocation adds to the two totals (count and
 * requested bytes), and so do growing reallocations; heap counts and claimed bytes change with the heaps. The
 * totals are written through from copies in this object, never read on the hot paths (one store each). The
 * counters a walk of the heaps can rebuild (freed count and bytes, binned free-chunk bytes, fragments) are fields of
 * this object, so a free writes no counter word and the bins paths none either; {@link #open} rebuilds them with
 * one walk ({@code freed = total - live}), which makes reopening O(chunks). Live counts are total minus freed.
 * Parked chunks count as overhead, not as available, until consolidated.
 *
 * <h2>Invariants ({@link #verify()} checks each)</h2>
 * <ul>
 *   <li>{@code bitmap bit b == (head[b] != 0)} for every bin.</li>
 *   <li>free chunk: {@code header.size == footer}, {@code !ALLOCATED}, {@code check == check(c)},
 *       {@code binOf(size) == the bin whose list holds it}, list links are mutual.</li>
 *   <li>no two free chunks are adjacent; {@code next.PREV_FREE == (this is free)} for every chunk.</li>
 *   <li>parked chunk: in exactly one quick list, of its exact size; each list's count word equals its length,
 *       {@code <= 16}.</li>
 *   <li>chunks tile {@code [firstChunk(H), E - 8)} exactly, every size a multiple of 16 (so every chunk is at 8 mod
 *       16); the sentinel at {@code E - 8} names {@code H}; {@code E} is a multiple of 16.</li>
 *   <li>heaps are disjoint, ascending, inside the memory and outside the superblock.</li>
 *   <li>counters equal the walk: live blocks, their requested bytes, free chunks and their bytes, heaps, and
 *       {@code claimedBytes == S + sum(heap sizes)}, the heaps' span (in the superblock and this object's copy).</li>
 * </ul>
 *
 * <h2>Lifecycle</h2>
 * The Java object holds constants, a cached segment (re-read after every grow and every call into the parent, and on
 * every call for memories that do not grow in place), the rebuildable counters, a copy of the heaps' span
 * (HEAPS_LOW, HEAPS_HIGH) for the bad-free range check, and one flag: a growing allocator built over a memory too
 * small for its superblock writes it with its first allocation, which grows the memory for both in one step (if
 * someone else grew the memory since the build and no metadata offset was given, those bytes are theirs: the
 * superblock then goes at the start of the pages this allocator grows, and {@link #metadataOffset()} says where).
 * A {@code claim} before the first allocation writes the superblock too, but only after the region passes every
 * check, and takes only the region as a heap, never the rest of the memory: at the metadata offset (or 0), or, if
 * someone else grew the memory since the build and no metadata offset was given, at the first page start in the
 * region (where {@code open} looks), the rest of the region becoming heaps. The salt is random per build, so a block
 * of an earlier allocator built (not reopened) over the same bytes carries tags that match only by chance
 * (2<sup>-20</sup>).
 * Because of the counters and the copy, one object owns a superblock at a time: open a memory again only after its
 * previous allocator object is no longer used.
 *
 * <p>Parent-sourced: every heap is a block of the parent, handed back whole when it empties, so {@code claim} and
 * growing a heap ({@code extend}, {@code resize} up) are refused with UnsupportedOperationException: a claimed heap
 * would be handed to a parent that never lent it, and a heap grown in place would overwrite the parent's next block.
 * Truncating one is allowed; the cut tail stays the parent's block until the heap empties.
 *
 * <p>Not thread-safe: {@link Allocator#locked(Allocator)} guards the {@link Allocator} methods only, not the heap
 * management methods.
 */
public final class UnsyncBinnedAllocator implements BinnedAllocator {

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    /** The smallest block borrowed from a parent for a heap. */
    private static final long MIN_BORROW_BYTE_SIZE = 16 * 1024;
    /**
     * The most bytes a shrinking block is copied to move it to a smaller chunk (see tryMoveToSmallerChunk): above it
     * the block shrinks in place, so that a shrink never costs more than about 20 us of copying. The tail such a
     * shrink frees is 256 KiB or more, large enough to be useful where it is.
     */
    private static final long MAX_SHRINK_MOVE_BYTE_SIZE = 256 * 1024;

    private final LinearMemory memory;
    private final boolean refreshEachCall;
    private MemorySegment seg;

    private final BinIndex bins;
    private final MemorySource source;
    private final boolean parentSource;
    /** The allocator a parent source borrows from, else {@code null}. */
    private final Allocator parent;
    /** The metadata offset M. */
    private long meta;
    /** The superblock's byte size S. */
    private final long metaSize;
    private long salt;
    private long bitmapBase;
    private long headsBase;
    private final int binCount;
    /** The offset of quick list 0's head (chunk size 32); size {@code n}'s is {@code quickHeadOffset(n)} above. */
    private long quickBase;
    /** The largest chunk size parked in quick lists; 0 disables them (COMPACT, and parent sources). */
    private final long quickMax;
    /** The smallest chunk size that gets a better-fit look ({@link BinIndex#betterFitMinChunkSize}). */
    private final long betterFitMin;
    /**
     * False only while a growing allocator waits for its first allocation to grow a memory too small for the
     * superblock; it turns true once, when the superblock is written, and never back.
     */
    private boolean ready;
    /**
     * True for a pending allocator built without an explicit metadata offset: if someone else grows the memory
     * before its first allocation, those bytes are theirs, and the superblock moves to pages this allocator grows.
     */
    private boolean relocatable;
    /** The memory's byte size when this object was built: bytes above it that it did not grow are someone else's. */
    private final long memoryByteSizeAtBuild;
    /**
     * Copies of the superblock's HEAPS_LOW and HEAPS_HIGH words, which only this object's heap management changes
     * ({@link #recomputeBounds}): the range check of every free and reallocation reads these fields instead of two
     * words of linear memory.
     */
    private long heapsLow = Long.MAX_VALUE;
    private long heapsHigh;
    /*
     * The counters that a walk of the heaps can rebuild, kept here instead of in linear memory so that a free writes
     * no counter word at all and a binned allocation only the two totals; open() rebuilds them (openCounters).
     * freedCount = totalAllocationCount - live blocks, freedBytes = totalAllocatedBytes - their requested bytes.
     */
    private long freedCount;
    private long freedBytes;
    /*
     * Write-through copies of the superblock's two totals (TOTAL_ALLOCATION_COUNT, TOTAL_ALLOCATED_BYTES). This object
     * owns the superblock, so the words always equal these fields: an allocation writes the new totals without
     * reading the old ones (two word accesses fewer per allocation); verify() checks that the words still agree.
     */
    private long totalAllocationCount;
    private long totalAllocatedBytes;
    /** The sum of the binned free chunks' sizes, headers included. */
    private long freeChunkBytes;
    /** The number of binned free chunks. */
    private long fragmentCount;

    private UnsyncBinnedAllocator(LinearMemory memory, BinIndex bins, MemorySource source, long meta, long salt,
            boolean ready) {
        this.memory = memory;
        this.refreshEachCall = !memory.growsInPlace();
        this.seg = memory.segment();
        this.bins = bins;
        this.source = source;
        this.parentSource = source instanceof MemorySources.FromParent;
        this.parent = MemorySources.parentOf(source);
        this.memoryByteSizeAtBuild = memory.byteSize();
        this.meta = meta;
        this.metaSize = bins.superblockByteSize();
        this.salt = salt;
        this.bitmapBase = meta + SB_BITMAP;
        this.headsBase = meta + BinnedLayout.binHeadsOffset(bins.binCount);
        this.binCount = bins.binCount;
        this.quickBase = meta + BinnedLayout.quickHeadsOffset(bins.binCount);
        // A parent source hands a heap back when it empties: parked chunks would keep heaps from emptying.
        this.quickMax = parentSource ? 0 : bins.quickMaxChunkSize;
        this.betterFitMin = bins.betterFitMinChunkSize;
        this.ready = ready;
        if (ready) {
            this.heapsLow = seg.get(WORD, meta + SB_HEAPS_LOW);
            this.heapsHigh = seg.get(WORD, meta + SB_HEAPS_HIGH);
        }
    }

    /**
     * For a reopened allocator: rebuilds the counters that live in this object from one walk of the heaps, then walks
     * the bin and quick lists, checking enough (a bounded, ordered heap list, tiling, sizes, the heap bounds, and
     * every list link leading to a tagged chunk of its list's kind, the lists holding exactly the chunks the heap walk
     * found; {@link #walkLists}, which verify() shares) that corrupt metadata fails here with IllegalArgumentException
     * rather than later as damage. O(chunks), with no allocation per chunk; {@link #verify()} checks the rest
     * (footers, each chunk listed once, adjacency, counters).
     */
    private void openCounters() {
        MemorySegment s = seg;
        long parkedCount = 0;
        long liveCount = 0;
        long liveBytes = 0;
        long low = Long.MAX_VALUE;
        long high = 0;
        // Every word is range-checked before it is read: a corrupt list must fail with this exception, not with the
        // segment's IndexOutOfBoundsException. Heaps are ordered and disjoint (heap >= the previous end), so the
        // walk also ends on a cyclic list.
        for (long heap = counter(s, SB_FIRST_HEAP); heap != NULL; heap = get(s, heap + HEAP_NEXT)) {
            if (heap < high || (heap & 7) != 0 || heap > s.byteSize() - BinnedLayout.SMALLEST_HEAP_BYTE_SIZE) {
                throw new IllegalArgumentException("corrupt binned-allocator heap list: heap offset " + heap
                        + " is not an 8-aligned offset above the previous heap's end " + high + " and inside the "
                        + s.byteSize() + "-byte memory");
            }
            long end = get(s, heap + HEAP_END);
            if (end > s.byteSize() || end < BinnedLayout.minHeapEnd(heap) || (end & (CHUNK_UNIT - 1)) != 0) {
                throw new IllegalArgumentException("corrupt binned-allocator heap list: heap at offset " + heap
                        + " ends at " + end);
            }
            if (heap < meta + metaSize && end > meta) {
                throw new IllegalArgumentException("corrupt binned-allocator heap list: heap [" + heap + ", " + end
                        + ") overlaps the metadata at offset " + meta);
            }
            low = Math.min(low, heap);
            high = end;
            long sentinelAt = end - SENTINEL_BYTE_SIZE;
            for (long chunk = BinnedLayout.firstChunk(heap); chunk < sentinelAt; ) {
                long header = get(s, chunk);
                long size = header & SIZE_MASK;
                if (size < MIN_CHUNK_BYTE_SIZE || size > sentinelAt - chunk || (size & (CHUNK_UNIT - 1)) != 0) {
                    throw new IllegalArgumentException("corrupt binned-allocator chunk at offset " + chunk);
                }
                if ((header & ALLOCATED) == 0) {
                    fragmentCount++;
                    freeChunkBytes += size;
                } else if ((header & QUICK_MARK) != QUICK_MARK) {
                    liveCount++;
                    liveBytes += requestedByteSize(header);
                } else {
                    parkedCount++;
                }
                chunk += size;
            }
        }
        if (counter(s, SB_HEAPS_LOW) != low || counter(s, SB_HEAPS_HIGH) != high) {
            throw new IllegalArgumentException("corrupt binned-allocator metadata at offset " + meta
                    + ": the heap bounds [" + counter(s, SB_HEAPS_LOW) + ", " + counter(s, SB_HEAPS_HIGH)
                    + ") are not the heap list's [" + low + ", " + high + ")");
        }
        // The lists: every link checked, and together they must hold exactly the chunks this walk found. With the
        // bound on bin links, a cyclic or overlong list fails before the count is compared.
        long[] listed = new long[2]; // bin-listed, quick-listed
        walkLists(s, low, high - SENTINEL_BYTE_SIZE, fragmentCount, true, new ListedChunks() {
            @Override
            public void binned(long chunk, long size, int bin) {
                listed[0]++;
            }

            @Override
            public void parked(long chunk, long size) {
                listed[1]++;
            }
        });
        if (listed[0] != fragmentCount || listed[1] != parkedCount) {
            throw invalid(true, "the bins list " + listed[0] + " chunks and the quick lists " + listed[1]
                    + ", the heaps hold " + fragmentCount + " free and " + parkedCount + " parked ones", headsBase);
        }
        totalAllocationCount = counter(s, SB_TOTAL_ALLOCATION_COUNT);
        totalAllocatedBytes = counter(s, SB_TOTAL_ALLOCATED_BYTES);
        freedCount = totalAllocationCount - liveCount;
        freedBytes = totalAllocatedBytes - liveBytes;
    }

    /** What a list walk reports for each listed chunk (see {@link #walkLists}). */
    private interface ListedChunks {
        /** A free chunk of {@code size} bytes in bin {@code bin}, its tag, bin and back link checked. */
        void binned(long chunk, long size, int bin);

        /** A parked chunk of {@code size} bytes in that size's quick list, its tag checked. */
        void parked(long chunk, long size);
    }

    /**
     * Walks every bin and quick list once, for both {@link #open} and {@link #verify}: each bin's bitmap bit against
     * its head; each bin link to a chunk at 8 mod 16 inside {@code [low, high)} with a free chunk's header (tag,
     * size, bin) and the back link it should have; each quick list's links to parked chunks of its size, exactly as
     * many as its count word says (at most QUICK_LIMIT). At most {@code maxBinned} bin links are followed, which ends
     * the walk of a cyclic list. Each listed chunk is reported to {@code listed}, which does the caller's own
     * bookkeeping. A failure is {@link #invalid}: IllegalArgumentException when opening, IllegalStateException from
     * verify. Reads only; allocates nothing.
     */
    private void walkLists(MemorySegment s, long low, long high, long maxBinned, boolean opening,
            ListedChunks listed) {
        long binnedCount = 0;
        for (int bin = 0; bin < binCount; bin++) {
            long headAt = binHeadAt(headsBase, bin);
            long head = get(s, headAt);
            boolean bit = (get(s, bitmapWordAt(bitmapBase, bin)) & (1L << bin)) != 0;
            if (bit != (head != NULL)) {
                throw invalid(opening, "bitmap bit " + bin + " is " + bit + " but the bin's head is " + head, headAt);
            }
            long prev = NULL;
            for (long chunk = head; chunk != NULL; chunk = get(s, chunk + FREE_NEXT)) {
                if (++binnedCount > maxBinned) {
                    throw invalid(opening, "bin " + bin + " list has a cycle or more than the " + maxBinned
                            + " chunks there can be", chunk);
                }
                if (chunk < low || chunk > high - MIN_CHUNK_BYTE_SIZE
                        || (chunk & (CHUNK_UNIT - 1)) != HEADER_BYTE_SIZE) {
                    throw invalid(opening, "bin " + bin + " links to " + chunk + ", not a chunk offset inside ["
                            + low + ", " + high + ")", chunk);
                }
                long header = get(s, chunk);
                long size = header & SIZE_MASK;
                if ((header & (ALLOCATED | PREV_FREE | SENTINEL)) != 0 || (header & CHECK_MASK) != check(chunk)) {
                    throw invalid(opening, "chunk in bin " + bin + " does not have a free chunk's header", chunk);
                }
                if (size < MIN_CHUNK_BYTE_SIZE || size > high - chunk) {
                    throw invalid(opening, "free chunk size " + size + " out of range", chunk);
                }
                if (bins.binOf(size) != bin) {
                    throw invalid(opening, "free chunk of size " + size + " is in bin " + bin + ", belongs in bin "
                            + bins.binOf(size), chunk);
                }
                if (get(s, chunk + FREE_PREV) != prev) {
                    throw invalid(opening, "free chunk's prev link " + get(s, chunk + FREE_PREV) + " is not " + prev,
                            chunk);
                }
                listed.binned(chunk, size, bin);
                prev = chunk;
            }
        }
        for (long size = MIN_CHUNK_BYTE_SIZE; size <= bins.quickMaxChunkSize; size += CHUNK_UNIT) {
            long headAt = quickBase + BinnedLayout.quickHeadOffset(size);
            long head = get(s, headAt);
            long count = head >>> QUICK_COUNT_SHIFT;
            if (size > quickMax && head != NULL) {
                throw invalid(opening, "quick list of size " + size + " is in use with quick lists disabled", headAt);
            }
            if (count > QUICK_LIMIT) {
                throw invalid(opening, "quick list of size " + size + " counts " + count + " chunks, more than "
                        + QUICK_LIMIT, headAt);
            }
            long n = 0;
            for (long chunk = head & QUICK_LINK_MASK; chunk != NULL; chunk = get(s, chunk + FREE_NEXT)) {
                if (++n > count) {
                    throw invalid(opening, "quick list of size " + size + " holds more than the " + count
                            + " chunks it counts", headAt);
                }
                if (chunk < low || chunk > high - size || (chunk & (CHUNK_UNIT - 1)) != HEADER_BYTE_SIZE) {
                    throw invalid(opening, "quick list of size " + size + " links to " + chunk
                            + ", not a chunk offset inside [" + low + ", " + high + ")", chunk);
                }
                long header = get(s, chunk);
                if ((header & (ALLOCATED | SENTINEL | QUICK_MARK)) != (ALLOCATED | QUICK_MARK)
                        || (header & SIZE_MASK) != size || (header & CHECK_MASK) != check(chunk)) {
                    throw invalid(opening, "chunk in the quick list of size " + size
                            + " is not a parked chunk of that size", chunk);
                }
                listed.parked(chunk, size);
            }
            if (n != count) {
                throw invalid(opening, "quick list of size " + size + " counts " + count + " chunks but holds " + n,
                        headAt);
            }
        }
    }

    /**
     * A failed check: from {@link #open}, the memory's metadata is corrupt (IllegalArgumentException, the memory was
     * the argument); from {@link #verify()}, this allocator's state is broken (IllegalStateException).
     */
    private RuntimeException invalid(boolean opening, String what, long offset) {
        return opening
                ? new IllegalArgumentException("corrupt binned-allocator metadata at offset " + meta + ": " + what
                        + " (at offset " + offset + ")")
                : broken(what, offset);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Creation

    /**
     * Builds a new allocator with fresh metadata; see {@link BinnedAllocator.Builder#build()}.
     *
     * @param memory         the memory
     * @param binning        the binning
     * @param memorySource   the source
     * @param metadataOffset where the superblock goes, or -1 for the default
     * @return the allocator
     */
    public static UnsyncBinnedAllocator create(LinearMemory memory, Binning binning, MemorySource memorySource,
            long metadataOffset) {
        Objects.requireNonNull(memory, "memory");
        BinIndex bins = BinIndex.of(Objects.requireNonNull(binning, "binning"));
        MemorySource source = Objects.requireNonNull(memorySource, "source");
        long superSize = bins.superblockByteSize();
        if (source instanceof MemorySources.FromParent(Allocator parent)) {
            if (parent.memory() != memory) {
                throw new IllegalArgumentException("the parent allocator must be over the same memory");
            }
            if (metadataOffset >= 0) {
                throw new IllegalArgumentException("a parent-sourced allocator's metadata is a block of the parent; "
                        + "do not set metadataOffset when building");
            }
            long meta = parent.tryAllocate(superSize, BinnedLayout.SUPERBLOCK_ALIGNMENT);
            if (meta == NULL) {
                throw new IllegalStateException("the parent cannot give a " + superSize + "-byte block for metadata");
            }
            UnsyncBinnedAllocator allocator = new UnsyncBinnedAllocator(memory, bins, source, meta, newSalt(meta),
                    false);
            allocator.initialize();
            return allocator;
        }
        long meta = Math.max(metadataOffset, 0);
        UnsyncBinnedAllocator allocator = new UnsyncBinnedAllocator(memory, bins, source, meta, newSalt(meta), false);
        allocator.relocatable = metadataOffset < 0;
        if (memory.byteSize() >= meta + superSize) {
            allocator.initialize();
        } else if (!allocator.growing()) {
            throw new IllegalStateException("memory of " + memory.byteSize() + " bytes cannot hold the " + superSize
                    + "-byte metadata of Binning." + binning + " at offset " + meta + ", and " + source
                    + " never grows it");
        }
        // Else the first allocation grows the memory for the metadata and itself in one step.
        return allocator;
    }

    /** Moves a pending allocator's superblock, before anything is written. */
    private void relocate(long newMeta) {
        meta = newMeta;
        salt = newSalt(newMeta);
        bitmapBase = newMeta + SB_BITMAP;
        headsBase = newMeta + BinnedLayout.binHeadsOffset(binCount);
        quickBase = newMeta + BinnedLayout.quickHeadsOffset(binCount);
    }

    /**
     * A fresh salt for a superblock at {@code meta}: random per build (and per relocation before the first write), so
     * that the tags of an earlier allocator over the same bytes -- built again rather than reopened -- or of a nested
     * allocator match this one's only by chance (2<sup>-10</sup> per word), never by construction. Reopening reads the
     * stored salt. Not a secret: it only has to differ.
     */
    private static long newSalt(long meta) {
        return mix(meta ^ ThreadLocalRandom.current().nextLong());
    }

    private boolean growing() {
        return MemorySources.growing(source);
    }

    /** Writes a fresh superblock; for growing sources, the memory's bytes above it become the first heap. */
    private void initialize() {
        writeSuperblock();
        if (growing()) {
            long base = meta + metaSize;
            long end = memory.byteSize() & -CHUNK_UNIT;
            if (end >= BinnedLayout.minHeapEnd(base)) {
                claimRegion(base, end);
            }
        }
    }

    /** Writes a fresh superblock with no heap; the allocator is ready from then on. */
    private void writeSuperblock() {
        MemorySegment s = refresh();
        MemorySegments.zero(s, meta, metaSize);
        s.set(WORD, meta + SB_MAGIC, BinnedLayout.MAGIC);
        s.set(WORD, meta + SB_VERSION_BINNING, ((long) BinnedLayout.LAYOUT_VERSION << 32) | bins.id);
        s.set(WORD, meta + SB_SALT, salt);
        s.set(WORD, meta + SB_BYTE_SIZE, metaSize);
        s.set(WORD, meta + SB_HEAPS_LOW, Long.MAX_VALUE);
        s.set(WORD, meta + SB_CLAIMED_BYTES, metaSize);
        s.set(WORD, meta + SB_TOTAL_CLAIMED_BYTES, metaSize);
        ready = true;
    }

    /** For a pending allocator: grows the memory for the superblock and a chunk of {@code want} bytes, once. */
    private boolean initializeByGrowing(long want) {
        if (relocatable && memory.byteSize() != memoryByteSizeAtBuild) {
            // Someone else grew the memory since this allocator was built: the superblock's place is theirs now.
            // Grow pages of our own and put the superblock at their start (metadataOffset() says where).
            long pages = pagesFor(metaSize + HEAP_OVERHEAD_BYTE_SIZE + want);
            long before = memory.grow(pages);
            if (before < 0) {
                return false;
            }
            relocate(before << LinearMemory.PAGE_SHIFT);
            initialize();
            return true;
        }
        long missing = meta + metaSize + HEAP_OVERHEAD_BYTE_SIZE + want - memory.byteSize();
        if (missing > 0 && memory.grow(pagesFor(missing)) < 0) {
            return false;
        }
        if (memory.byteSize() < meta + metaSize) {
            return false;
        }
        initialize();
        return true;
    }

    /**
     * Reopens an allocator from its metadata; see {@link BinnedAllocator.Builder#open()}.
     *
     * @param memory         the memory
     * @param binning        the binning expected, or {@code null} to accept the stored one
     * @param memorySource   the source
     * @param metadataOffset where the superblock is, or -1 to find it (see {@link #findSuperblock})
     * @return the allocator
     */
    public static UnsyncBinnedAllocator open(LinearMemory memory, Binning binning, MemorySource memorySource,
            long metadataOffset) {
        Objects.requireNonNull(memory, "memory");
        MemorySource source = Objects.requireNonNull(memorySource, "source");
        if (source instanceof MemorySources.FromParent(Allocator parent)) {
            if (parent.memory() != memory) {
                throw new IllegalArgumentException("the parent allocator must be over the same memory");
            }
            if (metadataOffset < 0) {
                // Searching would find the parent's own superblock at 0: two objects over one state.
                throw new IllegalArgumentException("a parent-sourced allocator's metadata is a block of the parent: "
                        + "reopen it with builder(memory).metadataOffset(its metadataOffset())");
            }
        }
        MemorySegment s = memory.segment();
        long meta = metadataOffset >= 0 ? metadataOffset : findSuperblock(s);
        if (meta < 0 || meta > s.byteSize() - BinnedLayout.SB_BITMAP
                || s.get(WORD, meta + SB_MAGIC) != BinnedLayout.MAGIC) {
            throw new IllegalArgumentException("no binned-allocator metadata at offset " + meta);
        }
        long versionBinning = s.get(WORD, meta + SB_VERSION_BINNING);
        if ((versionBinning >>> 32) != BinnedLayout.LAYOUT_VERSION) {
            throw new IllegalArgumentException("binned-allocator metadata at offset " + meta + " has layout version "
                    + (versionBinning >>> 32) + ", expected " + BinnedLayout.LAYOUT_VERSION);
        }
        BinIndex bins = BinIndex.ofId(versionBinning & 0xFFFF_FFFFL);
        if (bins == null || s.get(WORD, meta + SB_BYTE_SIZE) != bins.superblockByteSize()
                || meta + bins.superblockByteSize() > s.byteSize()) {
            throw new IllegalArgumentException("corrupt binned-allocator metadata at offset " + meta);
        }
        if (binning != null && bins.binning() != binning) {
            throw new IllegalArgumentException("the memory's allocator uses Binning." + bins.binning()
                    + ", not Binning." + binning);
        }
        UnsyncBinnedAllocator allocator = new UnsyncBinnedAllocator(memory, bins, source, meta,
                s.get(WORD, meta + SB_SALT), true);
        allocator.openCounters();
        return allocator;
    }

    /**
     * Finds the superblock of an allocator reopened without a metadata offset: at offset 0, where {@code build()}
     * puts it; else at the one page start that holds one, where a growing allocator moves it when someone else grew
     * the memory before its first allocation. Returns 0 (for open's own error) if none is found; throws if two are.
     * Scans at most one word per page, and only when offset 0 holds no superblock.
     */
    private static long findSuperblock(MemorySegment s) {
        if (s.byteSize() < BinnedLayout.SB_BITMAP || s.get(WORD, SB_MAGIC) == BinnedLayout.MAGIC) {
            return 0;
        }
        long found = -1;
        for (long at = LinearMemory.PAGE_BYTE_SIZE; at <= s.byteSize() - BinnedLayout.SB_BITMAP;
                at += LinearMemory.PAGE_BYTE_SIZE) {
            if (s.get(WORD, at + SB_MAGIC) == BinnedLayout.MAGIC
                    && s.get(WORD, at + SB_VERSION_BINNING) >>> 32 == BinnedLayout.LAYOUT_VERSION) {
                if (found >= 0) {
                    throw new IllegalArgumentException("binned-allocator metadata at offsets " + found + " and "
                            + at + ": name one with builder(memory).metadataOffset(...)");
                }
                found = at;
            }
        }
        return Math.max(found, 0);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Word access

    private static long get(MemorySegment s, long offset) {
        return s.get(WORD, offset);
    }

    private static void put(MemorySegment s, long offset, long value) {
        s.set(WORD, offset, value);
    }

    private void add(MemorySegment s, int field, long delta) {
        long at = meta + field;
        s.set(WORD, at, s.get(WORD, at) + delta);
    }

    private long counter(MemorySegment s, int field) {
        return s.get(WORD, meta + field);
    }

    private MemorySegment segment() {
        MemorySegment s = seg;
        if (refreshEachCall) {
            s = memory.segment();
            seg = s;
        }
        return s;
    }

    private MemorySegment refresh() {
        MemorySegment s = memory.segment();
        seg = s;
        return s;
    }

    private long check(long chunk) {
        return BinnedLayout.checkBits(chunk, salt);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bins

    /** Returns the first non-empty bin at or above {@code bin}, or -1. */
    private int firstNonEmptyBin(MemorySegment s, int bin) {
        int word = bin >>> 6;
        long bits = get(s, bitmapBase + 8L * word) & (-1L << bin);
        while (bits == 0) {
            if (++word == bins.bitmapWordCount) {
                return -1;
            }
            bits = get(s, bitmapBase + 8L * word);
        }
        return (word << 6) + Long.numberOfTrailingZeros(bits);
    }

    private void setBit(MemorySegment s, int bin) {
        long at = bitmapWordAt(bitmapBase, bin);
        put(s, at, get(s, at) | (1L << bin));
    }

    private void clearBit(MemorySegment s, int bin) {
        long at = bitmapWordAt(bitmapBase, bin);
        put(s, at, get(s, at) & ~(1L << bin));
    }

    /** Writes a free chunk's header and footer. */
    private void writeFree(MemorySegment s, long chunk, long size) {
        put(s, chunk, freeHeader(size, check(chunk)));
        put(s, footerAt(chunk, size), size);
    }

    /** Pushes a free chunk onto the front of its bin. */
    private void link(MemorySegment s, long chunk, long size) {
        int bin = bins.binOf(size);
        long headAt = binHeadAt(headsBase, bin);
        long head = get(s, headAt);
        put(s, chunk + FREE_NEXT, head);
        put(s, chunk + FREE_PREV, NULL);
        if (head != NULL) {
            put(s, head + FREE_PREV, chunk);
        } else {
            setBit(s, bin);
        }
        put(s, headAt, chunk);
    }

    /** Removes a free chunk from its bin. */
    private void unlink(MemorySegment s, long chunk, long size) {
        long next = get(s, chunk + FREE_NEXT);
        long prev = get(s, chunk + FREE_PREV);
        if (prev == NULL) {
            int bin = bins.binOf(size);
            put(s, binHeadAt(headsBase, bin), next);
            if (next == NULL) {
                clearBit(s, bin);
            }
        } else {
            put(s, prev + FREE_NEXT, next);
        }
        if (next != NULL) {
            put(s, next + FREE_PREV, prev);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Allocation

    @Override
    public LinearMemory memory() {
        return memory;
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (!ready) {
            return tryAllocatePending(byteSize, byteAlignment);
        }
        MemorySegment s = segment();
        long need = chunkSizeFor(byteSize);
        if (need <= quickMax) {
            long offset = tryPopQuick(s, need, byteSize, byteAlignment);
            if (offset != NULL) {
                return offset;
            }
        }
        return tryAllocateFromBins(s, byteSize, byteAlignment, need);
    }

    /**
     * Pops a parked chunk of exactly {@code need} bytes (need {@code <= quickMax}): no bins, no splitting; the list's
     * count drops by one. Any alignment the chunk happens to have is fine (always true up to 16: blocks are
     * 16-aligned). Returns the block's offset, or NULL if the list is empty or its head is not aligned.
     */
    private long tryPopQuick(MemorySegment s, long need, long byteSize, long byteAlignment) {
        long headAt = quickBase + BinnedLayout.quickHeadOffset(need);
        long head = get(s, headAt);
        long chunk = head & QUICK_LINK_MASK;
        if (chunk == NULL || ((chunk + HEADER_BYTE_SIZE) & (byteAlignment - 1)) != 0) {
            return NULL;
        }
        put(s, headAt, get(s, chunk + FREE_NEXT) | ((head & ~QUICK_LINK_MASK) - (1L << QUICK_COUNT_SHIFT)));
        put(s, chunk, allocatedHeader(need, get(s, chunk) & PREV_FREE, byteSize, check(chunk)));
        countAllocation(s, byteSize);
        return chunk + HEADER_BYTE_SIZE;
    }

    /**
     * The allocation path past the quick lists: the bitmap's first sure bin, else the slow path. One method on
     * purpose, larger than C2's FreqInlineSize (325 bytecodes): it is then never inlined into tryAllocate, whose
     * quick path stays small enough to inline into callers. Every FFM word access parses into many C2 nodes, so a
     * compilation unit that swallowed this path hit NodeCountInliningCutoff and left word accesses (get, put)
     * as out-of-line calls in the hot code (measured with -XX:+LogCompilation on talc's random actions).
     */
    private long tryAllocateFromBins(MemorySegment s, long byteSize, long byteAlignment, long need) {
        if (need < MAX_CHUNK_BYTE_SIZE >>> 1) {
            int bin = bins.ceilBinOf(need);
            if (bin < binCount) {
                int found = firstNonEmptyBin(s, bin);
                long chunk = found >= 0 ? get(s, binHeadAt(headsBase, found)) : NULL;
                // An aligned request takes this path too when the head happens to be aligned (no gap to cut off).
                if (chunk != NULL && (byteAlignment <= CHUNK_UNIT
                        || ((chunk + HEADER_BYTE_SIZE) & (byteAlignment - 1)) == 0)) {
                    if (need >= betterFitMin && byteAlignment <= CHUNK_UNIT) {
                        chunk = betterFit(s, found, need, chunk, bin - 1);
                    }
                    long size = get(s, chunk) & SIZE_MASK;
                    long rest = size - need;
                    if (rest >= MIN_CHUNK_BYTE_SIZE) {
                        int chunkBin = bins.binOf(size);
                        if (bins.binOf(rest) == chunkBin) {
                            // The remainder stays in the chunk's bin: it takes the chunk's place in the list.
                            long above = chunk + need;
                            moveListSlot(s, chunk, above, chunkBin);
                            writeFree(s, above, rest);
                            put(s, chunk, allocatedHeader(need, 0, byteSize, check(chunk)));
                            freeChunkBytes += -need;
                            countAllocation(s, byteSize);
                            return chunk + HEADER_BYTE_SIZE;
                        }
                    }
                    unlink(s, chunk, size);
                    return carve(s, chunk, size, 0, need, byteSize);
                }
            }
        }
        // No bin guarantees a fit: the slow path, in this same method on purpose (see the comment above).
        if (need >= MAX_CHUNK_BYTE_SIZE >>> 1 || byteAlignment >= MAX_CHUNK_BYTE_SIZE >>> 1) {
            return NULL; // no memory can hold it; and keeps need + alignment far from overflow
        }
        s = seg;
        long offset = trySearchAndCarve(s, byteSize, byteAlignment, need);
        if (offset == NULL && flushQuickLists(s)) {
            offset = trySearchAndCarve(s, byteSize, byteAlignment, need);
        }
        if (offset == NULL && acquire(need, byteAlignment)) {
            offset = trySearchAndCarve(refresh(), byteSize, byteAlignment, need);
        }
        return offset;
    }

    /** Moves a free chunk's place in its bin's list to {@code to}: no bitmap or head search. */
    private void moveListSlot(MemorySegment s, long from, long to, int bin) {
        long next = get(s, from + FREE_NEXT);
        long prev = get(s, from + FREE_PREV);
        put(s, to + FREE_NEXT, next);
        put(s, to + FREE_PREV, prev);
        if (prev == NULL) {
            put(s, binHeadAt(headsBase, bin), to);
        } else {
            put(s, prev + FREE_NEXT, to);
        }
        if (next != NULL) {
            put(s, next + FREE_PREV, to);
        }
    }

    /** How many chunks of a bin a better-fit look examines. */
    private static final int FIT_LOOKS = 8;

    /**
     * Looks for a tighter fit than the head of {@code found} (which fits): first the tightest fitting one of the first
     * chunks of the bin below the ceiling bin, whose chunks may or may not fit (every one that fits is smaller than
     * any chunk of {@code found}), else the tightest of the first chunks of {@code found}. Bounded, so allocation
     * stays near-constant time; tighter fits leave larger free chunks whole, which is most of heap efficiency.
     */
    private long betterFit(MemorySegment s, int found, long need, long head, int below) {
        if (below >= bins.linearBinCount && below < binCount
                && (get(s, bitmapWordAt(bitmapBase, below)) & (1L << below)) != 0) {
            long chunk = get(s, binHeadAt(headsBase, below));
            long tightest = NULL;
            long tightestSize = Long.MAX_VALUE;
            for (int i = 0; i < FIT_LOOKS && chunk != NULL; i++) {
                long size = get(s, chunk) & SIZE_MASK;
                if (size >= need && size < tightestSize) {
                    tightest = chunk;
                    tightestSize = size;
                }
                chunk = get(s, chunk + FREE_NEXT);
            }
            if (tightest != NULL) {
                return tightest;
            }
        }
        return tightestInList(s, head, need);
    }

    /**
     * Returns the tightest chunk of at least {@code need} bytes among {@code head}, which fits, and the chunks that
     * follow it in its list, looking at {@code FIT_LOOKS} chunks at most and stopping at an exact fit.
     */
    private long tightestInList(MemorySegment s, long head, long need) {
        long best = head;
        long bestSize = get(s, head) & SIZE_MASK;
        long chunk = get(s, head + FREE_NEXT);
        for (int i = 1; i < FIT_LOOKS && chunk != NULL && bestSize != need; i++) {
            long size = get(s, chunk) & SIZE_MASK;
            if (size < bestSize && size >= need) {
                best = chunk;
                bestSize = size;
            }
            chunk = get(s, chunk + FREE_NEXT);
        }
        return best;
    }

    private long tryAllocatePending(long byteSize, long byteAlignment) {
        long need = chunkSizeFor(byteSize);
        if (need >= MAX_CHUNK_BYTE_SIZE >>> 1 || byteAlignment >= MAX_CHUNK_BYTE_SIZE >>> 1
                || !initializeByGrowing(guaranteedSize(need, byteAlignment))) {
            return NULL;
        }
        return trySearchAndCarve(seg, byteSize, byteAlignment, need);
    }

    /** The bounded search of {@link #tryFindAndCarve}, then, if it found nothing, the exhaustive one. */
    private long trySearchAndCarve(MemorySegment s, long byteSize, long byteAlignment, long need) {
        long offset = tryFindAndCarve(s, byteSize, byteAlignment, need, false);
        return offset != NULL ? offset : tryFindAndCarve(s, byteSize, byteAlignment, need, true);
    }

    /** The chunk size sure to hold a block of chunk size {@code need} at {@code byteAlignment}. */
    private static long guaranteedSize(long need, long byteAlignment) {
        return byteAlignment <= CHUNK_UNIT ? need : need + byteAlignment + 24;
    }

    /**
     * Returns the gap below the block if a {@code need}-byte block aligned to {@code byteAlignment} fits in the free
     * chunk, else -1. A gap is 0 or at least 32 bytes, so that it can be a free chunk.
     */
    private static long fitGap(long chunk, long size, long need, long byteAlignment) {
        long gap = 0;
        if (byteAlignment > CHUNK_UNIT) {
            gap = ((chunk + HEADER_BYTE_SIZE + byteAlignment - 1) & -byteAlignment) - HEADER_BYTE_SIZE - chunk;
            if (gap != 0 && gap < MIN_CHUNK_BYTE_SIZE) {
                gap += (MIN_CHUNK_BYTE_SIZE - gap + byteAlignment - 1) & -byteAlignment;
            }
        }
        return gap + need <= size ? gap : -1;
    }

    private long tryFindAndCarve(MemorySegment s, long byteSize, long byteAlignment, long need, boolean exhaustive) {
        int sure = bins.ceilBinOf(guaranteedSize(need, byteAlignment));
        if (!exhaustive) {
            // The bins that may fit, lowest first: the tightest fit among each one's head and, while a budget of 8
            // extra looks lasts, its next chunks (bounded, so high alignments stay near-constant time: talc's guard);
            // the first bin with a fit ends the search. Else the tightest of the first chunks of the first bin sure
            // to fit. Tightest rather than first, and from binOf(need), whose larger chunks may fit, as alignment gaps
            // are the fragments that best fit keeps few (heap efficiency: docs/notes/2026-11-21-binned-tuning.md,
            // "aligned search").
            int bin = Math.min(bins.binOf(need), binCount - 1);
            int extraLooks = FIT_LOOKS;
            while (bin < sure) {
                bin = firstNonEmptyBin(s, bin);
                if (bin < 0 || bin >= sure) {
                    break;
                }
                long best = NULL;
                long bestSize = Long.MAX_VALUE;
                long bestGap = 0;
                long chunk = get(s, binHeadAt(headsBase, bin));
                do {
                    long size = get(s, chunk) & SIZE_MASK;
                    long gap = fitGap(chunk, size, need, byteAlignment);
                    if (gap >= 0 && size < bestSize) {
                        best = chunk;
                        bestSize = size;
                        bestGap = gap;
                    }
                    chunk = get(s, chunk + FREE_NEXT);
                } while (chunk != NULL && extraLooks-- > 0);
                if (best != NULL) {
                    unlink(s, best, bestSize);
                    return carve(s, best, bestSize, bestGap, need, byteSize);
                }
                bin++;
            }
            if (sure >= binCount) {
                return trySearchBin(s, binCount - 1, byteSize, byteAlignment, need);
            }
            bin = firstNonEmptyBin(s, sure);
            if (bin < 0) {
                return NULL;
            }
            // Every chunk of a sure bin is at least guaranteedSize >= need bytes, so each fits.
            long best = tightestInList(s, get(s, binHeadAt(headsBase, bin)), need);
            long bestSize = get(s, best) & SIZE_MASK;
            unlink(s, best, bestSize);
            return carve(s, best, bestSize, fitGap(best, bestSize, need, byteAlignment), need, byteSize);
        }
        // Before growing: every chunk of the bins that may hold a fitting chunk, first fit.
        int from = Math.min(bins.binOf(need), binCount - 1);
        int to = Math.min(sure, binCount - 1);
        for (int bin = from; bin < to; bin++) {
            long offset = trySearchBin(s, bin, byteSize, byteAlignment, need);
            if (offset != NULL) {
                return offset;
            }
        }
        return NULL;
    }

    private long trySearchBin(MemorySegment s, int bin, long byteSize, long byteAlignment, long need) {
        for (long chunk = get(s, binHeadAt(headsBase, bin)); chunk != NULL; chunk = get(s, chunk + FREE_NEXT)) {
            long size = get(s, chunk) & SIZE_MASK;
            long gap = fitGap(chunk, size, need, byteAlignment);
            if (gap >= 0) {
                unlink(s, chunk, size);
                return carve(s, chunk, size, gap, need, byteSize);
            }
        }
        return NULL;
    }

    /**
     * Makes a block in an unlinked free chunk: the gap below and a remainder of at least 32 bytes above go back to the
     * bins. Returns the block's offset.
     */
    private long carve(MemorySegment s, long chunk, long size, long gap, long need, long byteSize) {
        long freeDelta = -size;
        long fragmentDelta = -1;
        long prevFree = 0;
        if (gap != 0) {
            writeFree(s, chunk, gap);
            link(s, chunk, gap);
            freeDelta += gap;
            fragmentDelta++;
            chunk += gap;
            size -= gap;
            prevFree = PREV_FREE;
        }
        long rest = size - need;
        if (rest >= MIN_CHUNK_BYTE_SIZE) {
            long above = chunk + need;
            writeFree(s, above, rest);
            link(s, above, rest);
            freeDelta += rest;
            fragmentDelta++;
            size = need;
        } else {
            long next = chunk + size;
            put(s, next, get(s, next) & ~PREV_FREE);
        }
        put(s, chunk, allocatedHeader(size, prevFree, byteSize, check(chunk)));
        freeChunkBytes += freeDelta;
        fragmentCount += fragmentDelta;
        countAllocation(s, byteSize);
        return chunk + HEADER_BYTE_SIZE;
    }

    private void countAllocation(MemorySegment s, long byteSize) {
        put(s, meta + SB_TOTAL_ALLOCATION_COUNT, ++totalAllocationCount);
        addAllocatedBytes(s, byteSize);
    }

    private void addAllocatedBytes(MemorySegment s, long delta) {
        totalAllocatedBytes += delta;
        put(s, meta + SB_TOTAL_ALLOCATED_BYTES, totalAllocatedBytes);
    }

    private void countFree(long byteSize) {
        freedCount++;
        freedBytes += byteSize;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Free

    @Override
    public void free(long offset) {
        if (offset == NULL) {
            return;
        }
        MemorySegment s = segment();
        long header = checkedHeader(s, offset);
        long size = header & SIZE_MASK;
        countFree(requestedByteSize(header));
        release(s, offset - HEADER_BYTE_SIZE, size, header);
    }

    /**
     * Releases an allocated chunk: a small one is parked on its quick list unless the list is full (it stays
     * ALLOCATED to its neighbours, marked by its slack); any other merges into the bins.
     */
    private void release(MemorySegment s, long chunk, long size, long header) {
        if (size <= quickMax) {
            long headAt = quickBase + BinnedLayout.quickHeadOffset(size);
            long head = get(s, headAt);
            if (head < (QUICK_LIMIT << QUICK_COUNT_SHIFT)) {
                put(s, chunk + FREE_NEXT, head & QUICK_LINK_MASK);
                put(s, headAt, chunk | ((head & ~QUICK_LINK_MASK) + (1L << QUICK_COUNT_SHIFT)));
                put(s, chunk, header | QUICK_MARK);
                return;
            }
        }
        coalesce(s, chunk, header);
    }

    /** Consolidates: frees every parked chunk into the bins, merging. Returns whether there was any. */
    private boolean flushQuickLists(MemorySegment s) {
        boolean any = false;
        for (long size = MIN_CHUNK_BYTE_SIZE; size <= quickMax; size += CHUNK_UNIT) {
            long headAt = quickBase + BinnedLayout.quickHeadOffset(size);
            long chunk = get(s, headAt) & QUICK_LINK_MASK;
            while (chunk != NULL) {
                long next = get(s, chunk + FREE_NEXT);
                coalesce(s, chunk, get(s, chunk));
                chunk = next;
                any = true;
            }
            put(s, headAt, NULL);
        }
        return any;
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        if (offset == NULL) {
            return;
        }
        MemorySegment s = segment();
        long header = checkedHeader(s, offset);
        long requested = requestedByteSize(header);
        if (requested != byteSize) {
            throw Checks.wrongBlockSize(offset, byteSize, requested);
        }
        countFree(requested);
        release(s, offset - HEADER_BYTE_SIZE, header & SIZE_MASK, header);
    }

    /**
     * Returns the header of the allocated chunk whose block starts at {@code offset}, or throws. Cheap checks only:
     * position-keyed tags on this header and the next one.
     */
    private long checkedHeader(MemorySegment s, long offset) {
        if (!ready) {
            throw Checks.notABlock(offset, "the allocator has no heap yet");
        }
        long chunk = offset - HEADER_BYTE_SIZE;
        long high = heapsHigh;
        // chunk < high - 8 rather than offset < high: offset - 8 wraps for offsets near Long.MIN_VALUE.
        if ((offset & (CHUNK_UNIT - 1)) == 0 && chunk >= heapsLow && chunk < high - 8
                && Long.compareUnsigned(chunk - meta, metaSize) >= 0) {
            long header = get(s, chunk);
            long size = header & SIZE_MASK;
            long next = chunk + size;
            long slack = slack(header);
            if ((header & (ALLOCATED | SENTINEL)) == ALLOCATED && (header & CHECK_MASK) == check(chunk)
                    && size >= MIN_CHUNK_BYTE_SIZE && next <= high - SENTINEL_BYTE_SIZE
                    && slack <= size - HEADER_BYTE_SIZE && slack <= BinnedLayout.MAX_SLACK) {
                long nextHeader = get(s, next);
                if ((nextHeader & PREV_FREE) == 0 && (nextHeader & CHECK_MASK) == check(next)) {
                    return header;
                }
            }
        }
        throw badOffset(s, offset);
    }

    private IllegalArgumentException badOffset(MemorySegment s, long offset) {
        long chunk = offset - HEADER_BYTE_SIZE;
        String why;
        if ((offset & (CHUNK_UNIT - 1)) != 0) {
            why = "not " + CHUNK_UNIT + "-byte aligned, as every block of this allocator is";
        } else if (Long.compareUnsigned(chunk - meta, metaSize) < 0 || (offset >= meta && offset < meta + metaSize)) {
            why = "inside the allocator's metadata [" + meta + ", " + (meta + metaSize) + ")";
        } else if (chunk < get(s, meta + SB_HEAPS_LOW) || chunk >= get(s, meta + SB_HEAPS_HIGH) - 8
                || heapOf(s, chunk) == NULL) {
            why = "outside every heap";
        } else {
            long header = get(s, chunk);
            if ((header & CHECK_MASK) == check(chunk) && ((header & (ALLOCATED | SENTINEL)) == 0
                    || (header & QUICK_MARK) == QUICK_MARK)) {
                why = "the block is already free (double free)";
            } else if ((header & SENTINEL) != 0 && (header & CHECK_MASK) == check(chunk)) {
                why = "it is a heap's end";
            } else {
                why = "not the start of an allocated block (interior, stale or foreign offset)";
            }
        }
        return Checks.notABlock(offset, why);
    }

    /**
     * Returns an allocated (or parked) chunk to the bins: merge with free neighbours, bin the result. Like
     * tryAllocateFromBins, larger than FreqInlineSize on purpose, so that release (the quick-list push) stays small.
     */
    private void coalesce(MemorySegment s, long chunk, long header) {
        long size = header & SIZE_MASK;
        long start = chunk;
        long total = size;
        long fragmentDelta = 1;
        // A merged neighbour stays linked until the end: if the merged chunk falls in its bin, it takes its place.
        long listed = NULL;
        long listedSize = 0;
        if ((header & PREV_FREE) != 0) {
            long belowSize = get(s, footerBelow(chunk));
            start = chunk - belowSize;
            put(s, chunk, 0); // scrub: a second free of this offset must find no tag
            total += belowSize;
            fragmentDelta--;
            listed = start;
            listedSize = belowSize;
        }
        long next = chunk + size;
        long nextHeader = get(s, next);
        if ((nextHeader & ALLOCATED) == 0) {
            long nextSize = nextHeader & SIZE_MASK;
            if (listed != NULL) {
                unlink(s, next, nextSize);
            } else {
                listed = next;
                listedSize = nextSize;
            }
            put(s, next, 0);
            total += nextSize;
            fragmentDelta--;
            next += nextSize;
        } else {
            put(s, next, nextHeader | PREV_FREE);
        }
        int bin = bins.binOf(total);
        if (listed != NULL && bins.binOf(listedSize) == bin) {
            if (listed != start) {
                moveListSlot(s, listed, start, bin);
            }
        } else {
            if (listed != NULL) {
                unlink(s, listed, listedSize);
            }
            link(s, start, total);
        }
        writeFree(s, start, total);
        freeChunkBytes += size;
        fragmentCount += fragmentDelta;
        if (parentSource) {
            // For a parent source: if the merged chunk is its whole heap, drop the heap and free its block.
            long sentinel = get(s, next);
            if ((sentinel & SENTINEL) != 0) {
                long heap = sentinel & SIZE_MASK;
                if (start == BinnedLayout.firstChunk(heap)) {
                    removeEmptyHeap(s, heap);
                    parent.free(heap);
                    refresh();
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reallocation

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        Checks.checkByteSize("newByteSize", newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (offset == NULL) {
            return tryAllocate(newByteSize, byteAlignment);
        }
        MemorySegment s = segment();
        long header = checkedHeader(s, offset);
        long chunk = offset - HEADER_BYTE_SIZE;
        long size = header & SIZE_MASK;
        long oldByteSize = requestedByteSize(header);
        long need = chunkSizeFor(newByteSize);
        if ((offset & (byteAlignment - 1)) == 0 && need < MAX_CHUNK_BYTE_SIZE >>> 1) {
            if (need <= size) {
                if (need <= size >>> 1 && newByteSize <= MAX_SHRINK_MOVE_BYTE_SIZE) {
                    long moved = tryMoveToSmallerChunk(s, chunk, size, need, newByteSize, byteAlignment);
                    if (moved != NULL) {
                        finishMove(s, offset, chunk, size, moved, oldByteSize, newByteSize);
                        return moved;
                    }
                }
                shrinkInPlace(s, chunk, header, size, need, newByteSize);
                countResize(s, oldByteSize, newByteSize);
                return offset;
            }
            long next = chunk + size;
            long nextHeader = get(s, next);
            long nextSize = (nextHeader & ALLOCATED) == 0 ? nextHeader & SIZE_MASK : 0;
            if (size + nextSize >= need) {
                growInPlace(s, chunk, header, size, next, nextSize, need, newByteSize);
                countResize(s, oldByteSize, newByteSize);
                return offset;
            }
            if ((header & PREV_FREE) != 0) {
                long belowSize = get(s, footerBelow(chunk));
                long below = chunk - belowSize;
                if (((below + HEADER_BYTE_SIZE) & (byteAlignment - 1)) == 0 && belowSize + size + nextSize >= need) {
                    long moved = growDown(s, chunk, size, below, belowSize, next, nextSize, need,
                            Math.min(oldByteSize, newByteSize), newByteSize);
                    countResize(s, oldByteSize, newByteSize);
                    // The block moved, so the move counts as one more allocation and one free, as finishMove's do.
                    put(s, meta + SB_TOTAL_ALLOCATION_COUNT, ++totalAllocationCount);
                    freedCount++;
                    return moved;
                }
            }
        }
        long moved = tryAllocate(newByteSize, byteAlignment);
        if (moved == NULL) {
            return NULL;
        }
        finishMove(seg, offset, chunk, size, moved, oldByteSize, newByteSize); // seg: tryAllocate may have grown
        return moved;
    }

    /**
     * Copies a moved block's kept bytes and releases its old chunk. The move counts as one more allocation and one
     * free; bytes count only the growth or the shrinkage, as an in-place resize does.
     */
    private void finishMove(MemorySegment s, long offset, long chunk, long size, long moved, long oldByteSize,
            long newByteSize) {
        long kept = Math.min(oldByteSize, newByteSize);
        copyKept(s, offset, moved, kept);
        addAllocatedBytes(s, -kept);
        freedCount++;
        freedBytes += oldByteSize - kept;
        // Read the header again: carving the new block out of the free chunk just below may have cleared PREV_FREE.
        release(s, chunk, size, get(s, chunk));
    }

    /**
     * Copies a moving block's kept bytes, rounded up to whole words. Both blocks can hold the rounded count: a block's
     * capacity (its chunk size - 8) is a multiple of 8 and at least its requested byte size, so rounding
     * {@code kept <= min(old, new requested size)} up to 8 stays inside both; the extra bytes are the old block's
     * slack, which no one reads. With both ends 16-aligned the JDK's bulk copy then moves whole longs instead of
     * finishing with int, short and byte moves, which is measurably faster where copies are long (JMH:
     * docs/notes/2026-11-21-binned-tuning.md, "word copies").
     */
    private static void copyKept(MemorySegment s, long fromOffset, long toOffset, long kept) {
        MemorySegments.copy(s, fromOffset, toOffset, (kept + 7) & -8L);
    }

    /**
     * For a block shrinking to at most half its chunk (mimalloc's rule): takes a free chunk that holds the new size
     * and is smaller than the block's chunk (its exact quick list, else the first bin sure to fit, if that bin is
     * below the chunk's own, unless the chunk found is the free one just above {@code oldChunk}), or returns NULL.
     * The caller then moves the block there and frees the old chunk whole.
     * Shrinking in place would leave the small block pinned at the start of the large chunk, splitting the space
     * it frees (two points of heap efficiency on talc's workload: docs/notes/2026-11-21-binned-tuning.md, "shrink
     * moves"). Never grows the
     * memory and never consolidates: a shrink cannot fail, so when no smaller chunk is free it stays in place.
     */
    private long tryMoveToSmallerChunk(MemorySegment s, long oldChunk, long size, long need, long newByteSize,
            long byteAlignment) {
        if (need <= quickMax && byteAlignment <= CHUNK_UNIT) {
            long offset = tryPopQuick(s, need, newByteSize, byteAlignment);
            if (offset != NULL) {
                return offset;
            }
        }
        int bin = bins.ceilBinOf(guaranteedSize(need, byteAlignment));
        int limit = bins.binOf(size); // every chunk in a lower bin is smaller than the block's chunk
        int found = bin < limit ? firstNonEmptyBin(s, bin) : -1;
        if (found < 0 || found >= limit) {
            return NULL;
        }
        long chunk = get(s, binHeadAt(headsBase, found));
        if (need >= betterFitMin && byteAlignment <= CHUNK_UNIT) {
            chunk = betterFit(s, found, need, chunk, bin - 1);
        }
        if (chunk == oldChunk + size) {
            return NULL; // the free chunk just above: shrinking in place merges the tail into it, one piece not two
        }
        long chunkSize = get(s, chunk) & SIZE_MASK;
        long gap = fitGap(chunk, chunkSize, need, byteAlignment); // >= 0: the bin is sure to fit
        unlink(s, chunk, chunkSize);
        return carve(s, chunk, chunkSize, gap, need, newByteSize);
    }

    private void countResize(MemorySegment s, long oldByteSize, long newByteSize) {
        if (newByteSize > oldByteSize) {
            addAllocatedBytes(s, newByteSize - oldByteSize);
        } else {
            freedBytes += oldByteSize - newByteSize;
        }
    }

    private void shrinkInPlace(MemorySegment s, long chunk, long header, long size, long need, long newByteSize) {
        long rest = size - need;
        long next = chunk + size;
        long nextHeader = get(s, next);
        if (rest > 0 && (nextHeader & ALLOCATED) == 0) {
            // The tail joins the free chunk above, whatever its size.
            long nextSize = nextHeader & SIZE_MASK;
            unlink(s, next, nextSize);
            put(s, next, 0);
            long tail = chunk + need;
            writeFree(s, tail, rest + nextSize);
            link(s, tail, rest + nextSize);
            freeChunkBytes += rest;
            size = need;
        } else if (rest >= MIN_CHUNK_BYTE_SIZE) {
            long tail = chunk + need;
            writeFree(s, tail, rest);
            link(s, tail, rest);
            put(s, next, nextHeader | PREV_FREE);
            freeChunkBytes += rest;
            fragmentCount += 1;
            size = need;
        }
        put(s, chunk, allocatedHeader(size, header & PREV_FREE, newByteSize, check(chunk)));
    }

    /**
     * Grows a block into the free chunk below it (and the one above, if free), moving its bytes down with a memmove:
     * no new chunk is searched for and the neighbours merge, as a free and an allocation would, in one step.
     */
    private long growDown(MemorySegment s, long chunk, long size, long below, long belowSize, long next,
            long nextSize, long need, long kept, long newByteSize) {
        unlink(s, below, belowSize);
        long freeDelta = -belowSize;
        long fragmentDelta = -1;
        if (nextSize != 0) {
            unlink(s, next, nextSize);
            put(s, next, 0);
            freeDelta -= nextSize;
            fragmentDelta--;
        }
        put(s, chunk, 0); // the old header is now inside the block: no tag may remain
        copyKept(s, chunk + HEADER_BYTE_SIZE, below + HEADER_BYTE_SIZE, kept);
        long total = belowSize + size + nextSize;
        long end = below + total;
        long rest = total - need;
        if (rest >= MIN_CHUNK_BYTE_SIZE) {
            writeFree(s, below + need, rest);
            link(s, below + need, rest);
            freeDelta += rest;
            fragmentDelta++;
            put(s, end, get(s, end) | PREV_FREE);
            total = need;
        } else {
            put(s, end, get(s, end) & ~PREV_FREE);
        }
        put(s, below, allocatedHeader(total, 0, newByteSize, check(below)));
        freeChunkBytes += freeDelta;
        fragmentCount += fragmentDelta;
        return below + HEADER_BYTE_SIZE;
    }

    private void growInPlace(MemorySegment s, long chunk, long header, long size, long next, long nextSize,
            long need, long newByteSize) {
        unlink(s, next, nextSize);
        put(s, next, 0);
        long total = size + nextSize;
        long rest = total - need;
        if (rest >= MIN_CHUNK_BYTE_SIZE) {
            long tail = chunk + need;
            writeFree(s, tail, rest);
            link(s, tail, rest);
            freeChunkBytes += -(need - size);
            total = need;
        } else {
            long after = chunk + total;
            put(s, after, get(s, after) & ~PREV_FREE);
            freeChunkBytes += -nextSize;
            fragmentCount += -1;
        }
        put(s, chunk, allocatedHeader(total, header & PREV_FREE, newByteSize, check(chunk)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Sources

    /** Asks the source for room for a chunk of {@code need} bytes at {@code byteAlignment}, once. */
    private boolean acquire(long need, long byteAlignment) {
        long want = guaranteedSize(need, byteAlignment);
        return switch (source) {
            case MemorySources.Manual _ -> false;
            case MemorySources.Claim(long offset, long byteSize) -> {
                MemorySegment s = refresh();
                if (counter(s, SB_SOURCE_STATE) != 0) {
                    yield false;
                }
                put(s, meta + SB_SOURCE_STATE, 1);
                try {
                    claim(offset, byteSize);
                    yield true;
                } catch (IllegalArgumentException e) {
                    yield false; // the region does not fit the memory or the heaps: the request fails
                }
            }
            case MemorySources.GrowAndExtend _ -> growAndExtend(want);
            case MemorySources.GrowAndClaim _ -> growAndClaim(want);
            case MemorySources.FromParent _ -> borrow(want);
        };
    }

    private static long pagesFor(long byteSize) {
        return (byteSize + LinearMemory.PAGE_BYTE_SIZE - 1) >>> LinearMemory.PAGE_SHIFT;
    }

    private boolean growAndExtend(long want) {
        MemorySegment s = refresh();
        long memoryEnd = memory.byteSize();
        long last = lastHeap(s);
        if (last == NULL || get(s, last + HEAP_END) != memoryEnd) {
            return growAndClaim(want);
        }
        long sentinelAt = memoryEnd - SENTINEL_BYTE_SIZE;
        long topFree = (get(s, sentinelAt) & PREV_FREE) != 0 ? get(s, footerBelow(sentinelAt)) : 0;
        long pages = pagesFor(Math.max(want - topFree, MIN_CHUNK_BYTE_SIZE));
        long before = memory.grow(pages);
        if (before < 0) {
            return false;
        }
        s = refresh();
        long base = before << LinearMemory.PAGE_SHIFT;
        long end = (before + pages) << LinearMemory.PAGE_SHIFT;
        if (base == memoryEnd) {
            extendHeap(s, last, end);
            return true;
        }
        // Someone else grew the memory between our look at its end and our grow: our pages are not adjacent, so they
        // become a heap of their own. Sized to extend the free top, they may be too small for the request alone; then
        // grow once more, for a heap that holds it (two grows at most, never a loop).
        claimRegion(base, end);
        return end - base >= want + HEAP_OVERHEAD_BYTE_SIZE || growAndClaim(want);
    }

    private boolean growAndClaim(long want) {
        long pages = pagesFor(want + HEAP_OVERHEAD_BYTE_SIZE);
        long before = memory.grow(pages);
        if (before < 0) {
            return false;
        }
        refresh();
        claimRegion(before << LinearMemory.PAGE_SHIFT, (before + pages) << LinearMemory.PAGE_SHIFT);
        return true;
    }

    private boolean borrow(long want) {
        long byteSize = Math.max(MIN_BORROW_BYTE_SIZE, (want + HEAP_OVERHEAD_BYTE_SIZE + CHUNK_UNIT - 1) & -CHUNK_UNIT);
        long block = parent.tryAllocate(byteSize, CHUNK_UNIT);
        refresh();
        if (block == NULL) {
            return false;
        }
        try {
            claimRegion(block, block + byteSize);
            return true;
        } catch (IllegalArgumentException e) {
            parent.free(block); // the parent gave a block we cannot use; keep its books straight
            refresh();
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Heaps

    private long lastHeap(MemorySegment s) {
        long heap = counter(s, SB_FIRST_HEAP);
        if (heap == NULL) {
            return NULL;
        }
        for (long next = get(s, heap + HEAP_NEXT); next != NULL; next = get(s, next + HEAP_NEXT)) {
            heap = next;
        }
        return heap;
    }

    /** Returns the heap that contains {@code offset}, or 0. */
    private long heapOf(MemorySegment s, long offset) {
        for (long heap = counter(s, SB_FIRST_HEAP); heap != NULL; heap = get(s, heap + HEAP_NEXT)) {
            if (offset >= heap && offset < get(s, heap + HEAP_END)) {
                return heap;
            }
        }
        return NULL;
    }

    private long checkedHeapEnd(MemorySegment s, long heap) {
        for (long h = ready ? counter(s, SB_FIRST_HEAP) : NULL; h != NULL; h = get(s, h + HEAP_NEXT)) {
            if (h == heap) {
                return get(s, h + HEAP_END);
            }
        }
        throw new IllegalArgumentException("heap " + heap + " is not a heap of this allocator");
    }

    private long sentinel(long heap, long end, long prevFree) {
        return BinnedLayout.sentinel(heap, prevFree, check(end - SENTINEL_BYTE_SIZE));
    }

    private void recomputeBounds(MemorySegment s) {
        long low = Long.MAX_VALUE;
        long high = 0;
        for (long h = counter(s, SB_FIRST_HEAP); h != NULL; h = get(s, h + HEAP_NEXT)) {
            low = Math.min(low, h);
            high = Math.max(high, get(s, h + HEAP_END));
        }
        put(s, meta + SB_HEAPS_LOW, low);
        put(s, meta + SB_HEAPS_HIGH, high);
        heapsLow = low;
        heapsHigh = high;
    }

    @Override
    public long claim(long offset, long byteSize) {
        if (offset < 0 || byteSize < 0 || offset + byteSize < 0) {
            throw new IllegalArgumentException("claim region must be non-negative, was offset " + offset
                    + ", byteSize " + byteSize);
        }
        if (parentSource) {
            throw new UnsupportedOperationException("claim: a parent-sourced allocator's heaps are blocks of its "
                    + "parent, each handed back when it empties; claim regions with the parent instead");
        }
        // Heaps start at any 8-aligned offset (the first chunk is padded) but 0, which is NULL in the heap list ...
        long base = Math.max(8, (offset + 7) & -8L);
        long end = (offset + byteSize) & -CHUNK_UNIT; // ... and end at 16-aligned ones
        if (!ready) {
            return claimFirst(base, end);
        }
        refresh();
        return claimRegion(base, end);
    }

    /**
     * A claim before the first allocation, when there is no superblock yet. The memory grew since the build (else
     * it could not hold the region), and the bytes it grew may be someone else's, so nothing is written until the
     * region passes every check, and only the superblock and the region are written: unlike the first allocation,
     * a claim never takes the rest of the memory as a heap. A relocatable allocator (built without a metadata
     * offset) whose memory someone else grew puts its superblock at the first page start in the region, where
     * {@code open(memory)} looks for it, and makes the rest of the region a heap: the bytes after the superblock, and
     * those before it if they make a heap of the minimum size.
     */
    private long claimFirst(long base, long end) {
        if (relocatable && memory.byteSize() != memoryByteSizeAtBuild) {
            long newMeta = (base + LinearMemory.PAGE_BYTE_SIZE - 1) & -LinearMemory.PAGE_BYTE_SIZE;
            long heapBase = newMeta + metaSize;
            if (end > memory.byteSize() || end < BinnedLayout.minHeapEnd(heapBase)) {
                throw new IllegalArgumentException("region [" + base + ", " + end + ") of the " + memory.byteSize()
                        + "-byte memory cannot hold this allocator's " + metaSize + "-byte metadata at a page start "
                        + "and a heap after it: it needs [" + base + ", " + BinnedLayout.minHeapEnd(heapBase)
                        + ") at least");
            }
            relocate(newMeta);
            writeSuperblock();
            long below = newMeta & -CHUNK_UNIT;
            if (below >= BinnedLayout.minHeapEnd(base)) {
                claimRegion(base, below);
            }
            return claimRegion(heapBase, end);
        }
        if (memory.byteSize() < meta + metaSize) {
            throw new IllegalArgumentException("region [" + base + ", " + end + ") is outside the memory of "
                    + memory.byteSize() + " bytes, which has no room for the allocator's metadata yet");
        }
        checkRegion(base, end);
        writeSuperblock();
        return claimRegion(base, end);
    }

    /** Checks a region's size and place against the memory and the superblock (not against other heaps). */
    private void checkRegion(long base, long end) {
        if (base <= 0) {
            throw new IllegalArgumentException("a heap cannot start at offset " + base
                    + ": 0 is NULL in the heap list");
        }
        if (end < BinnedLayout.minHeapEnd(base)) {
            throw new IllegalArgumentException("a heap at " + base + " needs at least "
                    + (BinnedLayout.minHeapEnd(base) - base) + " bytes, region [" + base + ", " + end + ") has "
                    + Math.max(0, end - base));
        }
        if (end > memory.byteSize()) {
            throw new IllegalArgumentException("region [" + base + ", " + end + ") is outside the memory of "
                    + memory.byteSize() + " bytes");
        }
        if (base < meta + metaSize && end > meta) {
            throw new IllegalArgumentException("region [" + base + ", " + end + ") overlaps the allocator's metadata ["
                    + meta + ", " + (meta + metaSize) + ")");
        }
    }

    /** Claims {@code [base, end)}, a multiple of 8 and one of 16, as a heap. */
    private long claimRegion(long base, long end) {
        MemorySegment s = seg;
        checkRegion(base, end);
        long prev = NULL;
        long next = counter(s, SB_FIRST_HEAP);
        while (next != NULL && next < base) {
            prev = next;
            next = get(s, next + HEAP_NEXT);
        }
        if ((prev != NULL && get(s, prev + HEAP_END) > base) || (next != NULL && next < end)) {
            long other = prev != NULL && get(s, prev + HEAP_END) > base ? prev : next;
            throw new IllegalArgumentException("region [" + base + ", " + end + ") overlaps the heap at " + other);
        }
        put(s, base + HEAP_END, end);
        put(s, base + HEAP_NEXT, next);
        if (prev == NULL) {
            put(s, meta + SB_FIRST_HEAP, base);
        } else {
            put(s, prev + HEAP_NEXT, base);
        }
        long chunk = BinnedLayout.firstChunk(base);
        if (chunk != base + HEAP_HEADER_BYTE_SIZE) {
            put(s, base + HEAP_HEADER_BYTE_SIZE, 0); // the pad word: no stale tag may remain below the first chunk
        }
        long size = end - SENTINEL_BYTE_SIZE - chunk;
        writeFree(s, chunk, size);
        link(s, chunk, size);
        put(s, end - SENTINEL_BYTE_SIZE, sentinel(base, end, PREV_FREE));
        freeChunkBytes += size;
        fragmentCount += 1;
        add(s, SB_HEAP_COUNT, 1);
        add(s, SB_TOTAL_HEAP_COUNT, 1);
        add(s, SB_CLAIMED_BYTES, end - base);
        add(s, SB_TOTAL_CLAIMED_BYTES, end - base);
        recomputeBounds(s);
        return base;
    }

    @Override
    public long extend(long heap, long newByteSize) {
        MemorySegment s = refresh();
        long end = checkedHeapEnd(s, heap);
        Checks.checkInRange("newByteSize", newByteSize, end - heap, Long.MAX_VALUE);
        long newEnd = (heap + newByteSize) & -CHUNK_UNIT;
        if (parentSource && newEnd > end) {
            // The heap is a block of the parent: the bytes above it may be the parent's next block.
            throw new UnsupportedOperationException("extend: heap " + heap + " of a parent-sourced allocator is a "
                    + "block of its parent and cannot grow");
        }
        if (newEnd < 0 || newEnd > memory.byteSize()) {
            throw new IllegalArgumentException("heap " + heap + " extended to " + newByteSize
                    + " bytes would leave the memory of " + memory.byteSize() + " bytes");
        }
        long next = get(s, heap + HEAP_NEXT);
        if (next != NULL && newEnd > next) {
            throw new IllegalArgumentException("heap " + heap + " extended to " + newByteSize
                    + " bytes would overlap the heap at " + next);
        }
        if (heap < meta && newEnd > meta) {
            throw new IllegalArgumentException("heap " + heap + " extended to " + newByteSize
                    + " bytes would overlap the allocator's metadata at " + meta);
        }
        return extendHeap(s, heap, newEnd) - heap;
    }

    /** Moves a heap's end up to {@code newEnd}; returns the end reached. */
    private long extendHeap(MemorySegment s, long heap, long newEnd) {
        long end = get(s, heap + HEAP_END);
        if (newEnd <= end) {
            return end;
        }
        long sentinelAt = end - SENTINEL_BYTE_SIZE;
        long start;
        long size;
        long added = newEnd - end;
        if ((get(s, sentinelAt) & PREV_FREE) != 0) {
            long topSize = get(s, footerBelow(sentinelAt));
            start = sentinelAt - topSize;
            unlink(s, start, topSize);
            size = topSize + added;
            put(s, sentinelAt, 0);
        } else {
            if (added < MIN_CHUNK_BYTE_SIZE) {
                return end; // too little to make a chunk of, and nothing to merge with
            }
            start = sentinelAt;
            size = added;
            fragmentCount += 1;
        }
        writeFree(s, start, size);
        link(s, start, size);
        put(s, newEnd - SENTINEL_BYTE_SIZE, sentinel(heap, newEnd, PREV_FREE));
        put(s, heap + HEAP_END, newEnd);
        freeChunkBytes += added;
        add(s, SB_CLAIMED_BYTES, added);
        add(s, SB_TOTAL_CLAIMED_BYTES, added);
        recomputeBounds(s);
        return newEnd;
    }

    @Override
    public long truncate(long heap, long newByteSize) {
        MemorySegment s = refresh();
        long end = checkedHeapEnd(s, heap);
        Checks.checkInRange("newByteSize", newByteSize, 0, end - heap);
        flushQuickLists(s); // parked chunks at the top must not hold the heap up
        long sentinelAt = end - SENTINEL_BYTE_SIZE;
        if ((get(s, sentinelAt) & PREV_FREE) == 0) {
            return end - heap; // a live block ends the heap
        }
        long topSize = get(s, footerBelow(sentinelAt));
        long top = sentinelAt - topSize;
        if (top == BinnedLayout.firstChunk(heap) && heap + newByteSize < BinnedLayout.minHeapEnd(heap)) {
            removeEmptyHeap(s, heap);
            return 0;
        }
        long target = Math.max((heap + newByteSize) & -CHUNK_UNIT, top + SENTINEL_BYTE_SIZE);
        long kept = target - SENTINEL_BYTE_SIZE - top;
        if (kept > 0 && kept < MIN_CHUNK_BYTE_SIZE) {
            kept = MIN_CHUNK_BYTE_SIZE; // a free tail must be a whole chunk: cut less
            target = top + MIN_CHUNK_BYTE_SIZE + SENTINEL_BYTE_SIZE;
        }
        if (target >= end) {
            return end - heap;
        }
        unlink(s, top, topSize);
        put(s, sentinelAt, 0); // scrub the old end: no sentinel tag may stay in the bytes the heap gives up
        if (kept > 0) {
            writeFree(s, top, kept);
            link(s, top, kept);
            put(s, target - SENTINEL_BYTE_SIZE, sentinel(heap, target, PREV_FREE));
        } else {
            put(s, top, sentinel(heap, target, 0));
            fragmentCount += -1;
        }
        put(s, heap + HEAP_END, target);
        freeChunkBytes += kept - topSize;
        add(s, SB_CLAIMED_BYTES, target - end);
        recomputeBounds(s);
        return target - heap;
    }

    /** Drops a heap whose only chunk is free. */
    private void removeEmptyHeap(MemorySegment s, long heap) {
        long end = get(s, heap + HEAP_END);
        long chunk = BinnedLayout.firstChunk(heap);
        long size = end - SENTINEL_BYTE_SIZE - chunk;
        unlink(s, chunk, size);
        long prev = NULL;
        for (long h = counter(s, SB_FIRST_HEAP); h != heap; h = get(s, h + HEAP_NEXT)) {
            prev = h;
        }
        long next = get(s, heap + HEAP_NEXT);
        if (prev == NULL) {
            put(s, meta + SB_FIRST_HEAP, next);
        } else {
            put(s, prev + HEAP_NEXT, next);
        }
        // Scrub the words that made this a heap, so stale offsets into it find no tags.
        put(s, heap + HEAP_END, 0);
        put(s, chunk, 0);
        put(s, end - SENTINEL_BYTE_SIZE, 0);
        freeChunkBytes += -size;
        fragmentCount += -1;
        add(s, SB_HEAP_COUNT, -1);
        add(s, SB_CLAIMED_BYTES, -(end - heap));
        recomputeBounds(s);
    }

    @Override
    public long resize(long heap, long newByteSize) {
        long end = checkedHeapEnd(refresh(), heap);
        return newByteSize >= end - heap ? extend(heap, newByteSize) : truncate(heap, newByteSize);
    }

    @Override
    public long reserved(long heap) {
        MemorySegment s = refresh();
        long end = checkedHeapEnd(s, heap);
        flushQuickLists(s); // only live blocks reserve
        long sentinelAt = end - SENTINEL_BYTE_SIZE;
        if ((get(s, sentinelAt) & PREV_FREE) == 0) {
            return end - heap;
        }
        long top = sentinelAt - get(s, footerBelow(sentinelAt));
        return top == BinnedLayout.firstChunk(heap) ? 0 : top + SENTINEL_BYTE_SIZE - heap;
    }

    @Override
    public long[] heaps() {
        if (!ready) {
            return new long[0];
        }
        MemorySegment s = refresh();
        long[] result = new long[(int) counter(s, SB_HEAP_COUNT)];
        int i = 0;
        for (long h = counter(s, SB_FIRST_HEAP); h != NULL && i < result.length; h = get(s, h + HEAP_NEXT)) {
            result[i++] = h;
        }
        return result;
    }

    @Override
    public long heapByteSize(long heap) {
        return checkedHeapEnd(refresh(), heap) - heap;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Introspection

    @Override
    public Binning binning() {
        return bins.binning();
    }

    @Override
    public MemorySource source() {
        return source;
    }

    @Override
    public long metadataOffset() {
        return meta;
    }

    @Override
    public AllocatorStats stats() {
        if (!ready) {
            return new AllocatorStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, memory.byteSize());
        }
        MemorySegment s = segment();
        long fragments = fragmentCount;
        long totalCount = counter(s, SB_TOTAL_ALLOCATION_COUNT);
        long totalBytes = counter(s, SB_TOTAL_ALLOCATED_BYTES);
        return new AllocatorStats(
                totalCount - freedCount,
                totalCount,
                totalBytes - freedBytes,
                totalBytes,
                freeChunkBytes - HEADER_BYTE_SIZE * fragments,
                fragments,
                counter(s, SB_HEAP_COUNT),
                counter(s, SB_TOTAL_HEAP_COUNT),
                counter(s, SB_CLAIMED_BYTES),
                counter(s, SB_TOTAL_CLAIMED_BYTES),
                memory.byteSize());
    }

    @Override
    public void verify() {
        if (!ready) {
            return; // nothing is written yet
        }
        MemorySegment s = refresh();
        if (get(s, meta + SB_MAGIC) != BinnedLayout.MAGIC) {
            throw broken("superblock magic", meta);
        }
        // Bins and quick lists (walkLists checks each link); here each listed chunk is recorded once, so that the
        // heap walk below finds every free and parked chunk listed, and nothing else listed.
        Map<Long, Integer> binned = new HashMap<>();
        Map<Long, Long> parked = new HashMap<>();
        long[] freeBytesInBins = new long[1];
        walkLists(s, 0, s.byteSize(), s.byteSize() / MIN_CHUNK_BYTE_SIZE, false, new ListedChunks() {
            @Override
            public void binned(long chunk, long size, int bin) {
                if (binned.put(chunk, bin) != null) {
                    throw broken("free chunk listed twice (bin " + bin + ")", chunk);
                }
                if (get(s, footerAt(chunk, size)) != size) {
                    throw broken("free chunk's footer " + get(s, footerAt(chunk, size)) + " differs from its size " + size,
                            chunk);
                }
                freeBytesInBins[0] += size;
            }

            @Override
            public void parked(long chunk, long size) {
                if (parked.put(chunk, size) != null) {
                    throw broken("parked chunk listed twice (quick list of size " + size + ")", chunk);
                }
            }
        });
        // Heaps: ascending, disjoint, in the memory, outside the superblock; chunks tile them.
        long liveCount = 0;
        long liveBytes = 0;
        long freeCount = 0;
        long freeBytes = 0;
        long heapCount = 0;
        long claimed = metaSize;
        long previousEnd = -1;
        long low = Long.MAX_VALUE;
        long high = 0;
        for (long heap = counter(s, SB_FIRST_HEAP); heap != NULL; heap = get(s, heap + HEAP_NEXT)) {
            long end = get(s, heap + HEAP_END);
            if ((heap & 7) != 0 || (end & (CHUNK_UNIT - 1)) != 0 || end < BinnedLayout.minHeapEnd(heap)
                    || end > memory.byteSize()) {
                throw broken("heap bounds [" + heap + ", " + end + ") invalid", heap);
            }
            if (heap < previousEnd) {
                throw broken("heaps out of order or overlapping", heap);
            }
            if (heap < meta + metaSize && end > meta) {
                throw broken("heap overlaps the superblock", heap);
            }
            if (++heapCount > s.byteSize() / BinnedLayout.SMALLEST_HEAP_BYTE_SIZE) {
                throw broken("heap list has a cycle", heap);
            }
            previousEnd = end;
            low = Math.min(low, heap);
            high = Math.max(high, end);
            claimed += end - heap;
            long sentinelAt = end - SENTINEL_BYTE_SIZE;
            boolean previousFree = false;
            long chunk = BinnedLayout.firstChunk(heap);
            while (chunk < sentinelAt) {
                long header = get(s, chunk);
                long size = header & SIZE_MASK;
                if ((header & CHECK_MASK) != check(chunk) || (header & SENTINEL) != 0) {
                    throw broken("chunk header's check bits do not match its position", chunk);
                }
                if (size < MIN_CHUNK_BYTE_SIZE || (size & (CHUNK_UNIT - 1)) != 0 || chunk + size > sentinelAt) {
                    throw broken("chunk size " + size + " does not tile the heap [" + heap + ", " + end + ")", chunk);
                }
                if (((header & PREV_FREE) != 0) != previousFree) {
                    throw broken("PREV_FREE flag disagrees with the chunk below", chunk);
                }
                if ((header & QUICK_MARK) == QUICK_MARK && (header & ALLOCATED) != 0) {
                    if (parked.remove(chunk) == null) {
                        throw broken("chunk marked parked is in no quick list", chunk);
                    }
                    previousFree = false;
                } else if ((header & ALLOCATED) != 0) {
                    long slack = slack(header);
                    if (slack > size - HEADER_BYTE_SIZE || slack > BinnedLayout.MAX_SLACK) {
                        throw broken("allocated chunk's slack " + slack + " exceeds min(its size " + size
                                + " - 8, " + BinnedLayout.MAX_SLACK + ")", chunk);
                    }
                    liveCount++;
                    liveBytes += size - HEADER_BYTE_SIZE - slack;
                    previousFree = false;
                } else {
                    if (previousFree) {
                        throw broken("two free chunks are adjacent", chunk);
                    }
                    Integer bin = binned.remove(chunk);
                    if (bin == null) {
                        throw broken("free chunk of size " + size + " is in no bin", chunk);
                    }
                    freeCount++;
                    freeBytes += size;
                    previousFree = true;
                }
                chunk += size;
            }
            long sentinel = get(s, sentinelAt);
            if (chunk != sentinelAt || sentinel != sentinel(heap, end, previousFree ? PREV_FREE : 0)) {
                throw broken("heap's end sentinel is missing or wrong", sentinelAt);
            }
        }
        if (!parked.isEmpty()) {
            throw broken("parked chunk lies in no heap's chunk sequence", parked.keySet().iterator().next());
        }
        if (!binned.isEmpty()) {
            long stray = binned.keySet().iterator().next();
            throw broken("binned free chunk lies in no heap's chunk sequence", stray);
        }
        if (counter(s, SB_TOTAL_ALLOCATION_COUNT) != totalAllocationCount
                || counter(s, SB_TOTAL_ALLOCATED_BYTES) != totalAllocatedBytes) {
            throw broken("the superblock's totals (allocationCount, allocatedBytes) differ from this allocator's "
                    + "write-through copies: another object wrote this superblock", meta + SB_TOTAL_ALLOCATION_COUNT);
        }
        long storedCount = counter(s, SB_TOTAL_ALLOCATION_COUNT) - freedCount;
        if (storedCount != liveCount) {
            throw broken("counter allocationCount (totalAllocationCount - freed) is " + storedCount
                    + " but the walk finds " + liveCount, meta + SB_TOTAL_ALLOCATION_COUNT);
        }
        long storedBytes = counter(s, SB_TOTAL_ALLOCATED_BYTES) - freedBytes;
        if (storedBytes != liveBytes) {
            throw broken("counter allocatedBytes (totalAllocatedBytes - freed) is " + storedBytes
                    + " but the walk finds " + liveBytes, meta + SB_TOTAL_ALLOCATED_BYTES);
        }
        if (fragmentCount != freeCount) {
            throw broken("counter fragmentCount is " + fragmentCount + " but the walk finds " + freeCount, meta);
        }
        if (freeChunkBytes != freeBytes) {
            throw broken("counter of free chunk bytes is " + freeChunkBytes + " but the walk finds " + freeBytes,
                    meta);
        }
        verifyCounter(s, SB_HEAP_COUNT, "heapCount", heapCount);
        verifyCounter(s, SB_CLAIMED_BYTES, "claimedBytes", claimed);
        verifyCounter(s, SB_HEAPS_LOW, "lowest heap offset", low);
        verifyCounter(s, SB_HEAPS_HIGH, "highest heap end", high);
        if (heapsLow != low || heapsHigh != high) {
            throw broken("the allocator's copy of the heaps' span [" + heapsLow + ", " + heapsHigh
                    + ") differs from the heaps' [" + low + ", " + high + ")", meta + SB_HEAPS_LOW);
        }
        if (freeBytesInBins[0] != freeBytes) {
            throw broken("bins hold " + freeBytesInBins[0] + " bytes, heaps' free chunks " + freeBytes, meta);
        }
        if (freedCount < 0 || freedBytes < 0
                || counter(s, SB_TOTAL_HEAP_COUNT) < heapCount || counter(s, SB_TOTAL_CLAIMED_BYTES) < claimed) {
            throw broken("a total counter is below its current value", meta + SB_TOTAL_ALLOCATION_COUNT);
        }
    }

    private void verifyCounter(MemorySegment s, int field, String name, long walked) {
        long stored = counter(s, field);
        if (stored != walked) {
            throw broken("counter " + name + " is " + stored + " but the walk finds " + walked, meta + field);
        }
    }

    private static IllegalStateException broken(String invariant, long offset) {
        return new IllegalStateException("binned allocator invariant broken at offset " + offset + ": " + invariant);
    }

    @Override
    public String toString() {
        return "BinnedAllocator[" + bins.binning() + ", " + source + ", metadata at " + meta + ", " + memory + "]";
    }
}
