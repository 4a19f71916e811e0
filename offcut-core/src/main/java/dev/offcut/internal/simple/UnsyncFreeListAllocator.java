package dev.offcut.internal.simple;

import dev.offcut.internal.Checks;
import dev.offcut.internal.MemorySegments;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import static dev.offcut.internal.simple.FreeListLayout.GRANULE;
import static dev.offcut.internal.simple.FreeListLayout.HEADER_BYTE_SIZE;
import static dev.offcut.internal.simple.FreeListLayout.HEAP_START;
import static dev.offcut.internal.simple.FreeListLayout.NEXT_OFFSET;
import static dev.offcut.internal.simple.FreeListLayout.TAG_ALLOCATED;
import static dev.offcut.internal.simple.FreeListLayout.TAG_FREE;
import static dev.offcut.internal.simple.FreeListLayout.allocatedHeader;
import static dev.offcut.internal.simple.FreeListLayout.chunkByteSize;
import static dev.offcut.internal.simple.FreeListLayout.freeHeader;
import static dev.offcut.internal.simple.FreeListLayout.size;
import static dev.offcut.internal.simple.FreeListLayout.tag;

/**
 * lol_alloc's {@code FreeListAllocator}: an address-ordered singly linked free list, searched first-fit, coalescing
 * with both neighbours on free.
 *
 * <pre>
 *   0       8                                                                     heapEnd   memory end
 *   |unused |[hdr|payload....][hdr|next|......][hdr|payload][hdr|next|.........] |unused|
 *            ^ HEAP_START      ^ head -----------------------^ (address order, 0 ends the list)
 *   chunks tile [heapStart, heapEnd) exactly; layout and tag bits: {@link FreeListLayout}
 *   heapStart is HEAP_START unless someone else grew the memory before this allocator held any of it
 * </pre>
 *
 * <p>Allocate: {@code chunk = chunkByteSize(byteSize)}; walk the list and take the first free chunk {@code c} where
 * {@code gap + chunk <= size(c)}, {@code gap} being what it takes to align the payload. The gap stays in the list as a
 * free chunk, as does the remainder past the block; both are whole granules, so every split is exact. If nothing fits,
 * grow the memory once by exactly the pages the request lacks (extending the last free chunk when it touches the
 * heap's end) and search again. If someone else grew the memory meanwhile, their bytes are fenced off with a chunk
 * tagged {@code TAG_FENCE}, which is never free and never a block. Over heap memory, which moves when anyone grows it,
 * the segment is re-read at every call.
 *
 * <p>Free: check the header (tag {@code TAG_ALLOCATED}, a chunk follows where it ends), then walk: along the list to
 * the last free chunk below the block, then over chunk headers up to the block, refusing it unless a chunk starts
 * exactly there (so a forged header inside a live block is refused, not obeyed); link it in and merge it with a
 * neighbour that touches it. A merged-away header is scrubbed to 0 so that freeing it again finds no tag.
 *
 * <p>Reallocate: shrink in place (the tail is freed and merges on); grow in place into a following free chunk; else
 * allocate, copy and free.
 *
 * <p>Invariants, checked by {@link #verify()}: chunks tile {@code [heapStart, heapEnd)}; the list is strictly
 * ascending and holds exactly the chunks tagged {@code TAG_FREE}; no two free chunks are adjacent
 * ({@code c + size(c) < next(c)}); the counters equal the walk's totals.
 *
 * <p>Origin: the address-ordered first-fit list with coalescing of lol_alloc (and K&amp;R's {@code malloc}). Unlike
 * lol_alloc, which learns sizes from Rust's {@code dealloc}, Offcut has an unsized {@code free(offset)}, so every block
 * keeps one header word. Allocation is O(free chunks); free and reallocation are O(chunks), for the walk over the chunk
 * headers that refuses a forged header: fine for small heaps, not for large ones. Not thread-safe.
 */
public final class UnsyncFreeListAllocator implements Allocator {

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    /** Requests above this cannot be described by a header's 48 size bits; they fail as out of memory. */
    private static final long MAX_REQUEST_BYTE_SIZE = FreeListLayout.SIZE_MASK - 2 * GRANULE;

    private final LinearMemory memory;
    /** Heap memory moves when anyone grows it: then the segment is re-read at every call, not only after our grows. */
    private final boolean movesOnGrow;
    private MemorySegment segment;
    private long memoryByteSize;
    /** The first chunk; {@code HEAP_START}, or after bytes someone else grew before this allocator had any. */
    private long heapStart = HEAP_START;
    private long heapEnd;
    private long head = NULL;

    private long allocationCount;
    private long allocatedBytes;
    private long totalAllocationCount;
    private long totalAllocatedBytes;

    /**
     * Creates a free-list allocator whose heap starts as all the memory's existing bytes.
     *
     * @param memory the memory to allocate from
     */
    public UnsyncFreeListAllocator(LinearMemory memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.movesOnGrow = !memory.growsInPlace();
        this.segment = memory.segment();
        this.memoryByteSize = segment.byteSize();
        this.heapEnd = FreeListLayout.heapEnd(memoryByteSize);
        if (heapEnd > HEAP_START) {
            set(HEAP_START, freeHeader(heapEnd - HEAP_START));
            set(HEAP_START + NEXT_OFFSET, NULL);
            head = HEAP_START;
        }
    }

    private void refreshSegment() {
        if (movesOnGrow) {
            segment = memory.segment();
        }
    }

    private long get(long offset) {
        return segment.get(WORD, offset);
    }

    private void set(long offset, long value) {
        segment.set(WORD, offset, value);
    }

    private void link(long prev, long chunk) {
        if (prev == NULL) {
            head = chunk;
        } else {
            set(prev + NEXT_OFFSET, chunk);
        }
    }

    @Override
    public LinearMemory memory() {
        return memory;
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        refreshSegment();
        long offset = tryAllocateUncounted(byteSize, byteAlignment);
        if (offset != NULL) {
            allocationCount++;
            totalAllocationCount++;
            allocatedBytes += byteSize;
            totalAllocatedBytes += byteSize;
        }
        return offset;
    }

    private long tryAllocateUncounted(long byteSize, long byteAlignment) {
        if (byteSize > MAX_REQUEST_BYTE_SIZE) {
            return NULL;
        }
        long chunkSize = chunkByteSize(byteSize);
        long alignment = Math.max(byteAlignment, GRANULE);
        long offset = tryAllocateFromList(byteSize, chunkSize, alignment);
        // One grow always suffices, unless someone else grew the memory meanwhile and the fence ate the new pages'
        // start: then one more. Never more than two grows per request.
        for (int grows = 0; offset == NULL && grows < 2 && tryGrowFor(chunkSize, alignment); grows++) {
            offset = tryAllocateFromList(byteSize, chunkSize, alignment);
        }
        return offset;
    }

    /** First fit: carve the block out of the first free chunk that holds it once aligned. */
    private long tryAllocateFromList(long byteSize, long chunkSize, long alignment) {
        long prev = NULL;
        for (long cur = head; cur != NULL; ) {
            long curSize = size(get(cur));
            long next = get(cur + NEXT_OFFSET);
            long blockStart = Checks.alignUp(cur + HEADER_BYTE_SIZE, alignment) - HEADER_BYTE_SIZE;
            long gap = blockStart - cur;
            if (gap + chunkSize <= curSize) {
                long rest = curSize - gap - chunkSize;
                long after = next;
                if (rest > 0) {
                    long restStart = blockStart + chunkSize;
                    set(restStart, freeHeader(rest));
                    set(restStart + NEXT_OFFSET, next);
                    after = restStart;
                }
                if (gap > 0) {
                    set(cur, freeHeader(gap));
                    set(cur + NEXT_OFFSET, after);
                } else {
                    link(prev, after);
                }
                set(blockStart, allocatedHeader(byteSize));
                return blockStart + HEADER_BYTE_SIZE;
            }
            prev = cur;
            cur = next;
        }
        return NULL;
    }

    /**
     * Grows the memory once, by exactly the pages a block of {@code chunkSize} needs at the heap's end.
     *
     * @return whether the memory grew
     */
    private boolean tryGrowFor(long chunkSize, long alignment) {
        long last = NULL;
        for (long cur = head; cur != NULL; cur = get(cur + NEXT_OFFSET)) {
            last = cur;
        }
        boolean tailIsFree = last != NULL && last + size(get(last)) == heapEnd;
        long tailStart = tailIsFree ? last : heapEnd;
        long blockStart = Checks.alignUp(tailStart + HEADER_BYTE_SIZE, alignment) - HEADER_BYTE_SIZE;
        long neededMemoryEnd = blockStart + chunkSize + HEAP_START; // heapEnd(m) == m - 8 for whole pages
        long pages = (neededMemoryEnd - memoryByteSize + LinearMemory.PAGE_BYTE_SIZE - 1) >>> LinearMemory.PAGE_SHIFT;
        if (pages <= 0 || pages > memory.maxPageCount() - memory.pageCount()) {
            return false;
        }
        long oldPages = memory.grow(pages);
        if (oldPages < 0) {
            return false;
        }
        segment = memory.segment();
        long oldByteSize = oldPages << LinearMemory.PAGE_SHIFT;
        long regionStart = heapEnd;
        if (oldByteSize != memoryByteSize && heapEnd == heapStart) {
            // Someone else grew the memory before this allocator held any chunk: there is no last word of ours to
            // put a fence in, so the heap simply starts in our new pages.
            heapStart = oldByteSize + HEAP_START;
            heapEnd = heapStart;
            regionStart = heapStart;
        } else if (oldByteSize != memoryByteSize) {
            // Someone else grew the memory since our last grow. Fence their bytes off with a chunk that is never
            // free and never a block: from our last 8 bytes to the first 8 of our new pages, whole granules.
            regionStart = oldByteSize + HEAP_START;
            set(heapEnd, FreeListLayout.fenceHeader(regionStart - heapEnd));
            tailIsFree = false;
        }
        memoryByteSize = oldByteSize + (pages << LinearMemory.PAGE_SHIFT);
        long newHeapEnd = FreeListLayout.heapEnd(memoryByteSize);
        long added = newHeapEnd - regionStart;
        if (tailIsFree) {
            set(last, freeHeader(size(get(last)) + added));
        } else {
            set(regionStart, freeHeader(added));
            set(regionStart + NEXT_OFFSET, NULL);
            link(last, regionStart);
        }
        heapEnd = newHeapEnd;
        return true; // after a fence the request may still not fit: the caller grows once more
    }

    /**
     * Checks that {@code offset} is a live block and returns its header.
     *
     * @throws IllegalArgumentException if it is not
     */
    private long checkLive(long offset) {
        if (offset < heapStart + HEADER_BYTE_SIZE || offset >= heapEnd || (offset & (GRANULE - 1)) != 0) {
            throw Checks.notABlock(offset, "free-list blocks are " + GRANULE + "-byte aligned offsets in ["
                    + (heapStart + HEADER_BYTE_SIZE) + ", " + heapEnd + ")");
        }
        long header = get(offset - HEADER_BYTE_SIZE);
        long tag = tag(header);
        if (tag != TAG_ALLOCATED) {
            throw Checks.notABlock(offset, tag == TAG_FREE ? "it is already free" : "no block header precedes it");
        }
        long end = offset - HEADER_BYTE_SIZE + chunkByteSize(size(header));
        if (end > heapEnd) {
            throw Checks.notABlock(offset, "its header claims a size past the heap's end " + heapEnd);
        }
        if (end < heapEnd) {
            long nextTag = tag(get(end));
            if (nextTag != TAG_ALLOCATED && nextTag != TAG_FREE && nextTag != FreeListLayout.TAG_FENCE) {
                throw Checks.notABlock(offset, "no chunk starts where its header says it ends, at " + end);
            }
        }
        checkOnChunkChain(offset - HEADER_BYTE_SIZE);
        return header;
    }

    /**
     * Walks the chunk headers from the end of the last free chunk below {@code chunk} and refuses {@code chunk} unless
     * a chunk starts exactly there. Why: a header-shaped word that a caller wrote inside its own block would pass the
     * tag checks; the walk cannot be fooled, because it steps only over real chunk boundaries. It costs a walk along
     * the free list and then over the allocated chunks between the nearest free chunk and the block: O(chunks), which
     * makes free and reallocation O(chunks) where allocation is O(free chunks).
     */
    private void checkOnChunkChain(long chunk) {
        long at = heapStart;
        for (long cur = head; cur != NULL && cur < chunk; cur = get(cur + NEXT_OFFSET)) {
            at = cur + size(get(cur));
        }
        while (at < chunk) {
            at += FreeListLayout.chunkByteSizeOf(get(at));
        }
        if (at != chunk) {
            throw Checks.notABlock(chunk + HEADER_BYTE_SIZE, "no chunk starts there (it lies inside the chunk that"
                    + " ends at " + at + ")");
        }
    }

    /**
     * Returns {@code [chunk, chunk + chunkSize)} to the list, merging with touching neighbours. Checks first that it
     * overlaps no free chunk, so a refused release changes nothing.
     */
    private void release(long chunk, long chunkSize) {
        long prev = NULL;
        long cur = head;
        while (cur != NULL && cur < chunk) {
            prev = cur;
            cur = get(cur + NEXT_OFFSET);
        }
        long end = chunk + chunkSize;
        long prevEnd = prev == NULL ? heapStart : prev + size(get(prev));
        if (prevEnd > chunk) {
            throw Checks.notABlock(chunk + HEADER_BYTE_SIZE, "it overlaps the free chunk at " + prev);
        }
        if (cur != NULL && end > cur) {
            throw Checks.notABlock(chunk + HEADER_BYTE_SIZE, "it overlaps the free chunk at " + cur);
        }
        long mergedSize = chunkSize;
        long next = cur;
        if (cur != NULL && end == cur) {
            mergedSize += size(get(cur));
            next = get(cur + NEXT_OFFSET);
            set(cur, 0L); // scrub: the absorbed header must not look like a chunk any more
        }
        if (prev != NULL && prevEnd == chunk) {
            set(chunk, 0L);
            set(prev, freeHeader(size(get(prev)) + mergedSize));
            set(prev + NEXT_OFFSET, next);
        } else {
            set(chunk, freeHeader(mergedSize));
            set(chunk + NEXT_OFFSET, next);
            link(prev, chunk);
        }
    }

    @Override
    public void free(long offset) {
        if (offset == NULL) {
            return;
        }
        refreshSegment();
        freeLive(offset, checkLive(offset));
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        if (offset == NULL) {
            return;
        }
        refreshSegment();
        long header = checkLive(offset);
        if (size(header) != byteSize) {
            throw Checks.wrongBlockSize(offset, byteSize, size(header));
        }
        freeLive(offset, header);
    }

    /** Frees the block at {@code offset}, whose {@code header} {@link #checkLive} has just returned. */
    private void freeLive(long offset, long header) {
        long byteSize = size(header);
        release(offset - HEADER_BYTE_SIZE, chunkByteSize(byteSize));
        allocationCount--;
        allocatedBytes -= byteSize;
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        Checks.checkByteSize("newByteSize", newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        if (offset == NULL) {
            return tryAllocate(newByteSize, byteAlignment);
        }
        refreshSegment();
        long header = checkLive(offset);
        if (newByteSize > MAX_REQUEST_BYTE_SIZE) {
            return NULL;
        }
        long oldByteSize = size(header);
        long chunk = offset - HEADER_BYTE_SIZE;
        long oldChunkSize = chunkByteSize(oldByteSize);
        long newChunkSize = chunkByteSize(newByteSize);
        if ((offset & (byteAlignment - 1)) == 0 && (newChunkSize <= oldChunkSize
                ? shrinkInPlace(chunk, oldChunkSize, newChunkSize, newByteSize)
                : tryGrowInPlace(chunk, oldChunkSize, newChunkSize, newByteSize))) {
            allocatedBytes += newByteSize - oldByteSize;
            totalAllocatedBytes += Math.max(0, newByteSize - oldByteSize);
            return offset;
        }
        long moved = tryAllocateUncounted(newByteSize, byteAlignment);
        if (moved == NULL) {
            return NULL;
        }
        MemorySegments.copy(segment, offset, moved, Math.min(oldByteSize, newByteSize));
        release(chunk, oldChunkSize);
        totalAllocationCount++;
        allocatedBytes += newByteSize - oldByteSize;
        totalAllocatedBytes += Math.max(0, newByteSize - oldByteSize);
        return moved;
    }

    private boolean shrinkInPlace(long chunk, long oldChunkSize, long newChunkSize, long newByteSize) {
        if (newChunkSize < oldChunkSize) {
            release(chunk + newChunkSize, oldChunkSize - newChunkSize); // a whole chunk; merges with a free next
        }
        set(chunk, allocatedHeader(newByteSize));
        return true;
    }

    private boolean tryGrowInPlace(long chunk, long oldChunkSize, long newChunkSize, long newByteSize) {
        long end = chunk + oldChunkSize;
        if (end >= heapEnd) {
            return false;
        }
        long nextHeader = get(end);
        if (tag(nextHeader) != TAG_FREE || oldChunkSize + size(nextHeader) < newChunkSize) {
            return false;
        }
        long prev = NULL;
        long cur = head;
        while (cur != end) {
            if (cur == NULL) {
                throw new IllegalStateException("free list: chunk at " + end + " is tagged free but not listed");
            }
            prev = cur;
            cur = get(cur + NEXT_OFFSET);
        }
        long after = get(end + NEXT_OFFSET);
        long rest = oldChunkSize + size(nextHeader) - newChunkSize;
        set(end, 0L); // scrub the absorbed header first: the rest's header may land after it, never on it
        if (rest > 0) {
            long restStart = chunk + newChunkSize;
            set(restStart, freeHeader(rest));
            set(restStart + NEXT_OFFSET, after);
            after = restStart;
        }
        link(prev, after);
        set(chunk, allocatedHeader(newByteSize));
        return true;
    }

    @Override
    public AllocatorStats stats() {
        refreshSegment();
        long available = 0;
        long fragments = 0;
        for (long cur = head; cur != NULL; cur = get(cur + NEXT_OFFSET)) {
            available += size(get(cur)) - HEADER_BYTE_SIZE;
            fragments++;
        }
        long claimed = heapEnd > heapStart ? heapEnd - heapStart + HEAP_START : 0; // our bytes: [0 or theirs, end)
        long heaps = claimed > 0 ? 1 : 0;
        return new AllocatorStats(allocationCount, totalAllocationCount, allocatedBytes, totalAllocatedBytes,
                available, fragments, heaps, heaps, claimed, claimed, memory.byteSize());
    }

    @Override
    public void verify() {
        refreshSegment();
        long listed = head;
        long previousFreeEnd = -1;
        long blocks = 0;
        long bytes = 0;
        long at = heapStart;
        while (at < heapEnd) {
            long header = get(at);
            long chunkSize;
            if (tag(header) == TAG_ALLOCATED) {
                chunkSize = chunkByteSize(size(header));
                blocks++;
                bytes += size(header);
            } else if (tag(header) == TAG_FREE) {
                chunkSize = size(header);
                if (chunkSize < FreeListLayout.MIN_CHUNK_BYTE_SIZE || chunkSize % GRANULE != 0) {
                    throw new IllegalStateException("free list: free chunk at " + at + " has size " + chunkSize
                            + ", not a whole number of " + GRANULE + "-byte granules");
                }
                if (listed != at) {
                    throw new IllegalStateException("free list: free chunk at " + at + " is not next in the list"
                            + " (the list has " + listed + ")");
                }
                if (previousFreeEnd == at) {
                    throw new IllegalStateException("free list: free chunks adjacent at " + at);
                }
                previousFreeEnd = at + chunkSize;
                listed = get(at + NEXT_OFFSET);
            } else if (tag(header) == FreeListLayout.TAG_FENCE) {
                chunkSize = size(header);
                if (chunkSize < FreeListLayout.MIN_CHUNK_BYTE_SIZE || chunkSize % GRANULE != 0) {
                    throw new IllegalStateException("free list: fence at " + at + " has size " + chunkSize);
                }
            } else {
                throw new IllegalStateException("free list: no chunk header at " + at + " (word "
                        + Long.toHexString(header) + ")");
            }
            at += chunkSize;
        }
        if (at != heapEnd) {
            throw new IllegalStateException("free list: chunks end at " + at + ", not at the heap's end " + heapEnd);
        }
        if (listed != NULL) {
            throw new IllegalStateException("free list: listed chunk " + listed + " is not a free chunk of the heap");
        }
        if (blocks != allocationCount || bytes != allocatedBytes) {
            throw new IllegalStateException("free list: counters say " + allocationCount + " blocks of "
                    + allocatedBytes + " bytes, the heap holds " + blocks + " of " + bytes);
        }
    }

    @Override
    public String toString() {
        return "Allocator.freeList(" + memory + ")";
    }
}
