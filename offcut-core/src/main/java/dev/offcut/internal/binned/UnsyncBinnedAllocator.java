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

import static dev.offcut.internal.binned.BinnedLayout.ALLOCATED;
import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static dev.offcut.internal.binned.BinnedLayout.FREE_NEXT;
import static dev.offcut.internal.binned.BinnedLayout.HEADER_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.MAX_CHUNK_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.MIN_CHUNK_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.PREV_FREE;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_COUNT_SHIFT;
import static dev.offcut.internal.binned.BinnedLayout.QUICK_LINK_MASK;
import static dev.offcut.internal.binned.BinnedLayout.SB_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_ALLOCATION_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_HEAP_COUNT;
import static dev.offcut.internal.binned.BinnedLayout.SIZE_MASK;
import static dev.offcut.internal.binned.BinnedLayout.allocatedHeader;
import static dev.offcut.internal.binned.BinnedLayout.binHeadAt;
import static dev.offcut.internal.binned.BinnedLayout.chunkSizeFor;
import static dev.offcut.internal.binned.BinnedLayout.footerBelow;
import static dev.offcut.internal.binned.BinnedLayout.get;
import static dev.offcut.internal.binned.BinnedLayout.put;
import static dev.offcut.internal.binned.BinnedLayout.requestedByteSize;

/**
 * The binned boundary-tag allocator (dlmalloc's boundary tags and bins, TLSF's bitmap-indexed segregated fits, talc's
 * one-word tags, heaps and sources, glibc's fast bins as "quick lists"), not thread-safe. Every byte of state that
 * cannot be rebuilt is in the linear memory (bins, bitmap, heap list, totals), so {@code open} finds every live block
 * again; the object caches only what a walk rebuilds (see the package's Counters and Lifecycle). The picture below
 * is a summary: {@link BinnedLayout} owns the superblock, heap and chunk formats, {@link BinIndex} the bins.
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
 *   <li>If no bin guarantees a fit: a request the memory cannot hold even at its maximum fails at once. Else search
 *       the bins that may hold a fitting chunk first-fit (skipped if a request at least as easy failed and the free
 *       space has not changed since: ChunkStore.knownToFail); then consolidate the quick lists (free every parked
 *       chunk into the bins, merging) and search again; then ask the source once, for enough memory for this
 *       request in one step, and retry once. No loop. (Growing to extend the last heap asks
 *       for the pages its free top lacks; if someone else's grow lands in between, those pages become a heap of
 *       their own, and if that is too small the source grows once more, for a heap that holds the request.)</li>
 *   <li>Split: a remainder of at least 32 bytes above the block becomes a free chunk (taking the split chunk's place
 *       in its list when it stays in the same bin); a smaller one stays in the block as slack (so slack
 *       {@code <= 40}). Header: size, ALLOCATED, PREV_FREE if the gap below is free, slack, check.</li>
 * </ol>
 *
 * <h2>Free (offset p, chunk c = p - 8)</h2>
 * Validate with tag checks (16-aligned, inside the heaps' span (this object's copy of it), outside the superblock,
 * header ALLOCATED and not SENTINEL or parked with {@code check(c, size)} bits, size and slack in range, next
 * header with {@code check(c + size, its size)} bits and PREV_FREE clear); otherwise throw IllegalArgumentException
 * before touching anything; two words of linear memory are read. A chunk of at most 1040 bytes (DEFAULT) is parked
 * on its quick list if the list holds fewer than 16. Any other merges with the chunk below if PREV_FREE (its footer
 * gives its size) and with the chunk above if it is not ALLOCATED; headers swallowed by a merge are scrubbed to 0 so
 * a second free of them finds no tag; PREV_FREE is set on the chunk above; the result is binned (LIFO), reusing a
 * merged neighbour's list slot when the bin is unchanged. A parent-sourced heap left with no live
 * block is handed back to the parent (quick lists are off for parent sources, so heaps do empty).
 *
 * <h2>Reallocate</h2>
 * Shrink to at most half the chunk (and to at most 256 KiB, which bounds the copy): move, as mimalloc does, if a free
 * chunk smaller than the block's own holds the new size (its exact quick list, or the first bin sure to fit if that
 * is below the chunk's bin, unless that chunk is the free one just above, where shrinking in place merges better);
 * the old chunk then merges whole instead of staying split under a small block that pins it (two points of heap
 * efficiency on talc's workload: docs/notes/2026-11-21-binned-tuning.md, "shrink moves"). Any other shrink stays
 * in place (the tail joins a free chunk above, or becomes one if at least 32 bytes); a shrink that keeps the block's
 * alignment never fails and never grows the memory. Grow in place if the chunk above is free and big enough; else
 * grow down into a free chunk below (plus the one above) with a memmove if that suffices and keeps the alignment;
 * else, for growAndExtend, if the block (or the free chunk above it) ends a heap that ends at the memory's end, grow
 * the memory by the pages it lacks and grow in place (tryGrowAtTop); else allocate, copy, free.
 *
 * <h2>Invariants ({@link #verify()} checks each)</h2>
 * <ul>
 *   <li>{@code bitmap bit b == (head[b] != 0)} for every bin.</li>
 *   <li>free chunk: {@code header.size == footer}, {@code !ALLOCATED}, {@code check == check(c, size)},
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
 * <h2>Origin</h2>
 * dlmalloc (boundary tags, footers of free chunks, bins, fast bins as glibc keeps them: the quick lists), TLSF (a
 * bitmap over segregated bins, so the first sure bin is a few bit operations), talc (one-word tags, heaps claimed,
 * extended and truncated, sources as a closed set). The package's map, conventions, counters and lifecycle:
 * {@code package-info.java}.
 *
 * <p>Not thread-safe: {@link Allocator#locked(Allocator)} guards the {@link Allocator} methods only, not the heap
 * management methods.
 */
public final class UnsyncBinnedAllocator extends ChunkStore implements BinnedAllocator {

    /**
     * The most bytes a shrinking block is copied to move it to a smaller chunk (see tryMoveToSmallerChunk): above it
     * the block shrinks in place, so that a shrink never costs more than about 20 us of copying. The tail such a
     * shrink frees is 256 KiB or more, large enough to be useful where it is.
     */
    private static final long MAX_SHRINK_MOVE_BYTE_SIZE = 256 * 1024;

    private final MemorySource source;
    /**
     * Whether a block that ends at its heap's top, at the memory's end, grows in place by growing the memory
     * (growAndExtend only: it extends the heap at the memory's end, where growAndClaim claims new pages as a heap).
     */
    private final boolean extendsAtTop;

    // ---------------------------------------------------------------------------------------------------------------
    // Creation and reopening: BinnedOpener (the superblock itself: Superblock)

    UnsyncBinnedAllocator(LinearMemory memory, BinIndex bins, MemorySource source, long meta, long salt,
            boolean ready) {
        super(memory, bins, MemorySources.parentOf(source), meta, salt, ready);
        this.source = source;
        this.extendsAtTop = source instanceof MemorySources.GrowAndExtend;
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
        put(s, chunk, allocatedHeader(need, get(s, chunk) & PREV_FREE, byteSize, check(chunk, need)));
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
                            put(s, chunk, allocatedHeader(need, 0, byteSize, check(chunk, need)));
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
        if (neverFits(need, byteAlignment)) {
            return NULL; // at once: no search, no consolidation, no grow can help
        }
        s = seg;
        // A search that failed for a request as easy, with the free space unchanged since, fails again: skip it, so
        // that repeated failing requests cost O(1) rather than a scan of every candidate chunk (ChunkStore).
        boolean known = knownToFail(need, byteAlignment);
        long offset = known ? NULL : trySearchAndCarve(s, byteSize, byteAlignment, need);
        if (offset == NULL && flushQuickLists(s)) {
            known = false;
            offset = trySearchAndCarve(s, byteSize, byteAlignment, need);
        }
        if (offset == NULL && !known) {
            rememberFailure(need, byteAlignment); // not when skipped: the easier failure remembered covers more
        }
        if (offset == NULL && acquire(need, byteAlignment)) {
            offset = trySearchAndCarve(refresh(), byteSize, byteAlignment, need);
        }
        return offset;
    }

    /**
     * Whether no memory, or not this one even at its maximum, can ever hold a chunk of {@code need} bytes at
     * {@code byteAlignment}: its block starts at an offset that is a multiple of the alignment and of 16 and is not 0
     * (offset 0 holds metadata or nothing), so at {@code max(byteAlignment, 16)} or above, and its chunk ends 8 bytes
     * (a sentinel) before the end of a heap at the latest. Also keeps need + alignment far from overflow.
     */
    private boolean neverFits(long need, long byteAlignment) {
        return need >= MAX_CHUNK_BYTE_SIZE >>> 1 || byteAlignment >= MAX_CHUNK_BYTE_SIZE >>> 1
                || Math.max(byteAlignment, CHUNK_UNIT) + need > memoryMaxByteSize;
    }

    private long tryAllocatePending(long byteSize, long byteAlignment) {
        long need = chunkSizeFor(byteSize);
        if (neverFits(need, byteAlignment) || !initializeByGrowing(guaranteedSize(need, byteAlignment))) {
            return NULL;
        }
        return trySearchAndCarve(seg, byteSize, byteAlignment, need);
    }

    /** For a pending allocator: grows the memory for the superblock and a chunk of {@code want} bytes, once. */
    private boolean initializeByGrowing(long want) {
        return Superblock.initializeByGrowing(this, source, want);
    }

    /** Asks the source for room for a chunk of {@code need} bytes at {@code byteAlignment}, once. */
    private boolean acquire(long need, long byteAlignment) {
        return MemorySources.acquire(this, source, need, byteAlignment);
    }

    /** The bounded search of {@link #tryFindAndCarve}, then, if it found nothing, the exhaustive one. */
    private long trySearchAndCarve(MemorySegment s, long byteSize, long byteAlignment, long need) {
        long offset = tryFindAndCarve(s, byteSize, byteAlignment, need, false);
        return offset != NULL ? offset : tryFindAndCarve(s, byteSize, byteAlignment, need, true);
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

    // ---------------------------------------------------------------------------------------------------------------
    // Free (release and coalesce: ChunkStore)

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
            // One field test on this path; the work is in a method of its own, so tryReallocate stays small.
            if (extendsAtTop && tryGrowAtTop(s, chunk, header, size, next, nextSize, need, oldByteSize,
                    newByteSize)) {
                return offset;
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
     * Grows a block in place when it, or the free chunk above it, ends its heap and the heap ends at the memory's end
     * (issue 14): the memory grows by the pages the block lacks, the heap's free top takes them, and the block grows
     * into it, as malloc extends its top chunk. Moving it instead copied it into new pages and left its old chunk a
     * hole (perl's trace: peak footprint 1.71x the live bytes against glibc's 1.21x). Returns false, with nothing
     * changed, if the block is not at the top or the grow is refused; if someone else's grow lands between our look
     * at the memory's end and ours, our pages become a heap of their own (as growAndExtend's do) and the caller moves
     * the block. One grow, no loop.
     */
    private boolean tryGrowAtTop(MemorySegment s, long chunk, long header, long size, long next, long nextSize,
            long need, long oldByteSize, long newByteSize) {
        long top = next + nextSize; // the sentinel, if the block (or the free chunk above it) ends the heap
        long sentinel = get(s, top);
        long end = top + BinnedLayout.SENTINEL_BYTE_SIZE;
        if ((sentinel & BinnedLayout.SENTINEL) == 0 || end != memory.byteSize()) {
            return false;
        }
        long pages = BinnedHeaps.pagesFor(need - size - nextSize);
        long before = memory.grow(pages);
        if (before < 0) {
            return false;
        }
        MemorySegment grown = refresh();
        long base = before << LinearMemory.PAGE_SHIFT;
        long newEnd = (before + pages) << LinearMemory.PAGE_SHIFT;
        if (base != end) {
            BinnedHeaps.claimRegion(this, base, newEnd);
            return false;
        }
        // At least a page more: the heap's top becomes (or stays) one free chunk just above the block, large enough.
        BinnedHeaps.extendHeap(this, grown, sentinel & SIZE_MASK, newEnd);
        growInPlace(grown, chunk, header, size, next, get(grown, next) & SIZE_MASK, need, newByteSize);
        countResize(grown, oldByteSize, newByteSize);
        return true;
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
        put(s, chunk, allocatedHeader(size, header & PREV_FREE, newByteSize, check(chunk, size)));
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
        put(s, below, allocatedHeader(total, 0, newByteSize, check(below, total)));
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
        put(s, chunk, allocatedHeader(total, header & PREV_FREE, newByteSize, check(chunk, total)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Heaps (BinnedHeaps; a claim before the first allocation writes the superblock: Superblock)

    @Override
    public long claim(long offset, long byteSize) {
        return ready ? BinnedHeaps.claim(this, offset, byteSize) : Superblock.claimFirst(this, offset, byteSize);
    }

    @Override
    public long extend(long heap, long newByteSize) {
        return BinnedHeaps.extend(this, heap, newByteSize);
    }

    @Override
    public long truncate(long heap, long newByteSize) {
        return BinnedHeaps.truncate(this, heap, newByteSize);
    }

    @Override
    public long resize(long heap, long newByteSize) {
        return BinnedHeaps.resize(this, heap, newByteSize);
    }

    @Override
    public long reserved(long heap) {
        return BinnedHeaps.reserved(this, heap);
    }

    @Override
    public long[] heaps() {
        return BinnedHeaps.heaps(this);
    }

    @Override
    public long heapByteSize(long heap) {
        return BinnedHeaps.heapByteSize(this, heap);
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
        BinnedCheck.verify(this);
    }

    @Override
    public String toString() {
        return "BinnedAllocator[" + bins.binning() + ", " + source + ", metadata at " + meta + ", " + memory + "]";
    }
}
