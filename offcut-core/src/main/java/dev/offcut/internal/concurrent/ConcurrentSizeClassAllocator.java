package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.ConcurrentAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.internal.Checks;
import dev.offcut.internal.MemorySegments;

import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The concurrent size-class allocator behind {@link Allocator#concurrent(LinearMemory)}: thread-safe, with a heap per
 * platform thread, stripe heaps for virtual threads, and every piece of its state on the Java heap.
 *
 * <h2>Layout</h2>
 * <pre>
 * linear memory (64 KiB pages)                          Java heap
 * +--------+--------+--------+----------------+---     PageMap: page -> Span (two levels: directory of 4096-entry leaves)
 * | back   | span   | span   | span (4 pages) |  ...    page 0 (or the page the first grow returned) -> BACK_END
 * | end:   | 48 B   | 16 B   | 20 KiB blocks  |         page 1 -> span A, page 2 -> span B, pages 3..6 -> span C
 * | binned | blocks | blocks |                |
 * | meta + | (A)    | (B)    | (C)            |      Span A (class 5, 48 B, 1365 blocks, heap H1)
 * | heap   |        |        |                |        free   [1111 0110 ...]  owner's bitmap, 1 = free (plain)
 * +--------+--------+--------+----------------+---       remote [0000 1000 ...]  other threads' frees (atomic OR)
 * block i of a span is at base + i * blockSize           slack  [ 8,  0, 40 ...]  blockSize - requested, per block
 *                                                         used, cursor, freshFrom, ownerThread, listed, queued,
 *                                                         next/prev
 * Heap H (one per live platform thread, plus stripes)
 *   current[class] -> span allocated from     partial[class] -> spans with a free block (doubly linked)
 *   counters: allocCount/Bytes, freeCount/Bytes, freeBlockBytes (plain, owner)
 *   remote: RemoteInbox, padded onto cache lines of its own (remote frees write it, the owner's lines stay put)
 *     head -> spans with remote frees (Treiber stack, pushed by freeing threads, taken whole by the owner)
 *     count/bytes of remote frees (atomic adds)
 * SpanPool (one lock, shared with the back end): empty spans of each kind (1, 2, 4 pages), growth, page release
 * </pre>
 *
 * <h2>Operations</h2>
 * <ol>
 *   <li><b>Allocate</b> (size up to 32 KiB, alignment up to 16): class from a table; the calling thread's heap from
 *       {@code bindings[threadId & 1023]} if that binding's thread is the caller; in the class's current span the
 *       lowest set bit of {@code free[cursor]}: if its {@code remote} bit is clear (a plain read: see the racing double free), clear the free bit, count, record
 *       the slack, return {@code base + i * blockSize}. No lock, no atomic write, no linear-memory access. Otherwise
 *       the slow path, out of line: the next non-zero word; else drain the heap's remote queue; else a partial span;
 *       else a span from the pool (every 64th take also looks for dead threads' heaps); else, out of spans, reclaim
 *       (dead threads' heaps, idle stripes, the back end's empty heaps) and retry once, and finally let the back end
 *       serve the block. Larger sizes or alignments go to the back end under the pool's lock.</li>
 *   <li><b>Free by the owner</b>: the page map gives the span; the span's {@code ownerThread} is the caller (no
 *       binding lookup: only an owner writes its own thread there); {@code i = (rel * reciprocal) >>> 40} and
 *       {@code i * blockSize == rel} (else interior or misaligned); the block must be neither free nor remotely freed
 *       (else double free) and a sized free must pass the exact requested size (else wrong size); set the free bit,
 *       count. A span that empties goes back to the pool unless it is its class's current span; a full span that
 *       gets a free block joins the partial list.</li>
 *   <li><b>Free by another thread</b> (remote): the same checks against the owner's bitmap and the slack, then
 *       {@code getAndBitwiseOr} on the remote word (if the bit was already set, another free got there first: double
 *       free, refused, nothing changed), two atomic adds to the owning heap's remote counters, and if the span's
 *       {@code queued} flag CASes from 0 to 1, a push on the owner's remote queue. A virtual thread freeing into a
 *       stripe heap's span, or anyone freeing into a dead thread's heap, frees as the owner under that heap's lock
 *       instead.</li>
 *   <li><b>Collect</b> (owner, slow path): take the queue with {@code getAndSet(null)}; for each span, first
 *       {@code queued = 0}, then per remote word {@code getAndSet(0)} and OR it into the free bitmap.</li>
 * </ol>
 *
 * <h2>Invariants (checked by {@link #verify()}, when quiescent)</h2>
 * <ul>
 *   <li>per span: {@code used == blockCount - bitCount(free)}: {@code used} counts blocks handed out and not yet
 *       returned to the owner's bitmap, remote frees not yet collected included;</li>
 *   <li>per span: {@code (free & remote) == 0} (a racing double free breaks it until collected: see below), and no
 *       bit at or past {@code blockCount};</li>
 *   <li>per span: {@code listed} iff the span is its class's current span or in the partial list, and a span with a
 *       free bit is listed;</li>
 *   <li>per heap: {@code freeBlockBytes == sum(bitCount(free) * blockSize)}, {@code spanCount} is its spans in the
 *       page map, {@code allocCount - freeCount - remote.count() == sum(bitCount(~free & ~remote))} and the same in
 *       requested bytes through the slack;</li>
 *   <li>pool: every pooled span is unowned, empty and mapped; byte counts add up; the back end's own
 *       {@code verify}.</li>
 * </ul>
 *
 * <h2>Races, and why they are safe</h2>
 * <ul>
 *   <li><i>Lost notification</i>: a remote free sets its bit, then reads {@code queued}; the owner clears
 *       {@code queued}, then reads the bits. All four are volatile (sequentially consistent), so either the owner
 *       sees the bit or the freer sees {@code queued == 0} and queues the span again.</li>
 *   <li><i>Publication</i>: page-map entries and span fields are written under the pool's lock or by the owner
 *       before the block is handed out; a free is ordered after the block's allocation by the caller (the contract),
 *       so plain reads see them. The binding table holds immutable objects with final fields.</li>
 *   <li><i>Dead threads</i>: {@code !thread.isAlive()} orders the dead thread's last action before the scanner's
 *       reads; abandoning, adopting and draining happen under the registry's lock and the heap's lock. Nothing waits
 *       for a garbage collection.</li>
 *   <li><i>Racing double free</i> (two frees of one live block with no happens-before between them): two remote
 *       frees meet in {@code getAndBitwiseOr}, and exactly one is refused at once. An owner's free racing a remote
 *       free may both be accepted (each checked the other's bitmap before the other wrote it); the remote bit then
 *       lies on a free block, and the owner drops it, undoing its counts, when it collects the span (its next slow
 *       path, or {@link #verify()}, which first collects, as their owner, the remote frees of the caller's heap and
 *       of every lock-owned heap, then throws {@link IllegalStateException} naming the dropped free(s), once), or
 *       when it is about to hand that block out again and sees the bit (allocation reads the remote word, plainly).
 *       So when the owner does not hand the block out again before collecting (the two-frees race of the jcstress
 *       test), exactly one of the two frees is refused at once or dropped and reported. If the owner hands the block
 *       out again before the remote bit reaches it, the remote free counts as a free of the new block: the history
 *       is a legal sequential one (allocate, free, allocate, free) and the allocator's state stays consistent, but
 *       the new block's holder then holds a freed block. The allocator's own state is never corrupted: a block is
 *       never both free and handed out, and no count goes wrong for long (dropped frees are undone).</li>
 *   <li><i>Bad frees racing a span's reuse</i> read fields of another format: a span's arrays are only ever
 *       replaced by longer ones, so an index of an older format stays inside whichever array the bad free reads (a
 *       bad free that reads an older, shorter array with a newer index fails with an unchecked exception before it
 *       writes anything); a write into a replaced array is lost, and the next format clears stray remote bits.</li>
 * </ul>
 *
 * <h2>Statistics</h2>
 * Quiescent means: no call in progress, and every thread's calls happened-before the {@code stats} call (for
 * example after {@code join}). Then {@code allocationCount} and {@code allocatedBytes} (requested sizes, from the
 * slack) are exact; remote frees are counted by the freeing thread at once. Spans count as heaps; a remotely freed
 * block not yet collected counts as overhead, not available. Cost: linear in heaps, plus the back end's snapshot.
 *
 * <h2>Memory going back</h2>
 * A span that empties returns to the pool at once (only a class's current span stays with its heap, empty); a dead
 * thread's heap gives back its empty spans when a scan finds it (a new platform thread, every 64th span take, an
 * allocation about to fail, {@link #trim()}). Dirty pooled spans beyond the retention cap are released with
 * {@link LinearMemory#releasePages} when they arrive; {@link #trim()} releases all. A released span whose memory
 * says it reads as zero is fresh again: zeroed allocation skips the zeroing of blocks above its {@code freshFrom}.
 *
 * <h2>Where it comes from, and where it differs from the first sketch</h2>
 * mimalloc's free-list sharding (an owner-only list, a remote list collected in batches, the "delayed free"
 * notification, abandoned segments reclaimed by other threads), rpmalloc's per-span remote free and heap reuse
 * after thread exit, snmalloc's return of a block to its owner; Netty's and the JDK's striped, {@code tryLock}-ed
 * heaps for threads that must not get one each. Written from those designs, no code copied. Differences: bitmaps
 * rather than free lists (so the double-free check is exact and one bit); {@code used} includes uncollected remote
 * frees (the owner alone writes it); the slack byte per block makes the byte counts and the wrong-size check exact
 * to the byte, not only to the class (255 escapes to a side table for the rare small block that alignment put in a
 * much larger class); span kinds are stacked apart but cut from one another's pages (split or joined) before the memory grows; the back
 * end starts on its own page so that offset 0 is never a span's block.
 */
public final class ConcurrentSizeClassAllocator implements ConcurrentAllocator {

    private final LinearMemory memory;
    private final PageMap map = new PageMap();
    private final SpanPool pool;
    private final BackEnd backEnd;
    private final HeapRegistry registry;
    /** The registry's binding table, read by the hot paths. */
    private final HeapRegistry.Binding[] table;

    /**
     * Creates the allocator; {@link ConcurrentAllocator.Builder#build()} calls it.
     *
     * @param memory           the memory
     * @param retainedByteSize dirty pooled bytes kept before releasing pages
     * @param stripes          stripe heaps for virtual threads, a power of two
     */
    public ConcurrentSizeClassAllocator(LinearMemory memory, long retainedByteSize, int stripes) {
        this.memory = memory;
        this.pool = new SpanPool(memory, map, 1, retainedByteSize);
        this.backEnd = new BackEnd(memory, pool, map);
        pool.backEndStart = backEnd::start;
        this.registry = new HeapRegistry(pool, stripes);
        this.table = registry.table;
    }

    @Override
    public LinearMemory memory() {
        return memory;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Allocation

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        if (byteSize >= 0 && byteSize <= SizeClasses.MAX_BLOCK_SIZE && byteAlignment <= 16 && byteAlignment > 0
                && (byteAlignment & (byteAlignment - 1)) == 0) {
            Thread t = Thread.currentThread();
            HeapRegistry.Binding b = table[(int) t.threadId() & (HeapRegistry.SLOTS - 1)];
            if (b.thread == t) {
                long offset = b.heap.allocate(SizeClasses.classOf(byteSize), byteSize);
                if (offset != NULL) {
                    return offset;
                }
            }
        }
        return allocateSlow(byteSize, byteAlignment, false);
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        if (byteSize >= 0 && byteSize <= SizeClasses.MAX_BLOCK_SIZE && byteAlignment <= 16 && byteAlignment > 0
                && (byteAlignment & (byteAlignment - 1)) == 0) {
            Thread t = Thread.currentThread();
            HeapRegistry.Binding b = table[(int) t.threadId() & (HeapRegistry.SLOTS - 1)];
            if (b.thread == t) {
                Heap h = b.heap;
                long fresh = h.freshCount;
                long offset = h.allocate(SizeClasses.classOf(byteSize), byteSize);
                if (offset != NULL) {
                    if (h.freshCount == fresh) {
                        MemorySegments.zero(memory.segment(), offset, byteSize);
                    }
                    return offset;
                }
            }
        }
        return allocateSlow(byteSize, byteAlignment, true);
    }

    private long allocateSlow(long byteSize, long byteAlignment, boolean zeroed) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        int c = SizeClasses.classFor(byteSize, byteAlignment);
        if (c < 0) {
            return backEndAllocate(byteSize, byteAlignment, zeroed);
        }
        long offset = allocateInClass(c, byteSize, zeroed);
        if (offset != NULL) {
            return offset;
        }
        // Out of spans: take back what the caller's heap, dead threads' and idle stripes' heaps and the back end keep
        // empty, then try once more, and finally let the back end serve the small block.
        releaseCallersEmptySpans();
        registry.reclaim();
        pool.lock.lock();
        try {
            backEnd.trim();
        } finally {
            pool.lock.unlock();
        }
        offset = allocateInClass(c, byteSize, zeroed);
        return offset != NULL ? offset : backEndAllocate(byteSize, byteAlignment, zeroed);
    }

    /** Gives back the empty spans of the calling platform thread's own heap, if it has one (it is the owner). */
    private void releaseCallersEmptySpans() {
        Thread t = Thread.currentThread();
        Heap own = t.isVirtual() ? null : registry.boundHeapOf(t);
        if (own != null) {
            own.releaseEmptySpans();
        }
    }

    private long allocateInClass(int c, long byteSize, boolean zeroed) {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            Heap h = registry.lockStripe(t);
            try {
                return allocateIn(h, c, byteSize, zeroed);
            } finally {
                h.lock.unlock();
            }
        }
        return allocateIn(registry.heapOf(t), c, byteSize, zeroed);
    }

    private long allocateIn(Heap h, int c, long byteSize, boolean zeroed) {
        long fresh = h.freshCount;
        long offset = h.allocate(c, byteSize);
        if (zeroed && offset != NULL && h.freshCount == fresh) {
            MemorySegments.zero(memory.segment(), offset, byteSize);
        }
        return offset;
    }

    private long backEndAllocate(long byteSize, long byteAlignment, boolean zeroed) {
        pool.lock.lock();
        try {
            return backEnd.allocate(byteSize, byteAlignment, zeroed);
        } finally {
            pool.lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Free

    @Override
    public void free(long offset) {
        Span s = map.get(offset);
        if (s != null && s.ownerThread == Thread.currentThread()) {
            int i = s.indexOf(offset);
            if (i >= 0) {
                ((Heap) s.heap).free(s, i, -1);
                return;
            }
        }
        freeSlow(offset, -1, s);
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        Span s = map.get(offset);
        if (s != null && s.ownerThread == Thread.currentThread()) {
            int i = s.indexOf(offset);
            if (i >= 0) {
                ((Heap) s.heap).free(s, i, byteSize);
                return;
            }
        }
        freeSlow(offset, byteSize, s);
    }

    private void freeSlow(long offset, long byteSize, Span s) {
        if (offset == NULL) {
            return;
        }
        if (s == null) {
            throw Checks.notABlock(offset, "no span or back-end heap holds it (foreign, or in an empty page)");
        }
        if (s == Span.BACK_END) {
            pool.lock.lock();
            try {
                backEnd.free(offset, byteSize);
            } finally {
                pool.lock.unlock();
            }
            return;
        }
        int i = s.indexOf(offset);
        if (i < 0) {
            throw Checks.notABlock(offset, "not the start of a block of its span (interior or misaligned)");
        }
        Thread t = Thread.currentThread();
        Heap owner = (Heap) s.heap;
        if (owner != null && owner.owner == null && (owner.stripe ? t.isVirtual() : true)) {
            // A lock-owned heap (a stripe, for a virtual thread; or a dead thread's heap): free as its owner.
            owner.lock.lock();
            try {
                if (s.heap == owner && owner.owner == null) {
                    owner.free(s, i, byteSize);
                    return;
                }
            } finally {
                owner.lock.unlock();
            }
        } else if (owner != null && !t.isVirtual() && owner.owner == t) {
            // The owner, whose span still names the thread that owned the heap before (the heap was adopted): it
            // frees locally, and names itself so that its next frees into the span take the fast path.
            s.ownerThread = t;
            owner.free(s, i, byteSize);
            return;
        }
        freeRemote(s, i, byteSize);
    }

    /** A free by a thread that does not own the span: the block goes back to its span's remote bitmap. */
    private static void freeRemote(Span s, int i, long byteSize) {
        long bit = 1L << i;
        Heap owner = (Heap) s.heap;
        if (owner == null || (s.free[i >>> 6] & bit) != 0) {
            throw Heap.notLive(s, i);
        }
        int size = s.requestedSize(i);
        if (byteSize >= 0 && byteSize != size) {
            throw Checks.wrongBlockSize(s.base + (long) i * s.blockSize, byteSize, size);
        }
        if (!s.setRemote(i)) {
            throw Heap.notLive(s, i);
        }
        owner.remoteFreed(size);
        if (s.claimQueued()) {
            owner.enqueue(s);
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
        Span s = map.get(offset);
        if (s == null) {
            throw Checks.notABlock(offset, "no span or back-end heap holds it (foreign, or in an empty page)");
        }
        if (s == Span.BACK_END) {
            pool.lock.lock();
            try {
                if (backEnd.binned() == null) {
                    throw Checks.notABlock(offset, "no block was ever allocated there");
                }
                return backEnd.reallocate(offset, newByteSize, byteAlignment);
            } finally {
                pool.lock.unlock();
            }
        }
        int i = s.indexOf(offset);
        if (i < 0) {
            throw Checks.notABlock(offset, "not the start of a block of its span (interior or misaligned)");
        }
        if (s.isFree(i)) {
            throw Heap.notLive(s, i);
        }
        int oldByteSize = s.requestedSize(i);
        if (SizeClasses.classFor(newByteSize, byteAlignment) == s.cls && resizeInPlace(s, i, oldByteSize,
                newByteSize)) {
            return offset;
        }
        long moved = tryAllocate(newByteSize, byteAlignment);
        if (moved == NULL) {
            return NULL;
        }
        MemorySegment segment = memory.segment();
        MemorySegment.copy(segment, offset, segment, moved, Math.min(oldByteSize, newByteSize));
        free(offset);
        return moved;
    }

    /** Resizes in place if the caller owns the span's heap (bound, or by its lock); else the caller moves it. */
    private boolean resizeInPlace(Span s, int i, int oldByteSize, long newByteSize) {
        Thread t = Thread.currentThread();
        Heap owner = (Heap) s.heap;
        if (owner == null) {
            return false;
        }
        if (owner.owner == t) {
            owner.resize(s, i, oldByteSize, newByteSize);
            return true;
        }
        if (owner.owner == null && (!owner.stripe || t.isVirtual())) {
            owner.lock.lock();
            try {
                if (s.heap == owner && owner.owner == null) {
                    owner.resize(s, i, oldByteSize, newByteSize);
                    return true;
                }
            } finally {
                owner.lock.unlock();
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Maintenance

    @Override
    public long trim() {
        memory.pageCount(); // a closed memory says so
        releaseCallersEmptySpans();
        registry.reclaim();
        pool.lock.lock();
        try {
            backEnd.trim();
            return pool.trim();
        } finally {
            pool.lock.unlock();
        }
    }

    @Override
    public long releasedByteSize() {
        pool.lock.lock();
        try {
            return pool.releasedPooledBytes;
        } finally {
            pool.lock.unlock();
        }
    }

    @Override
    public long metadataByteSize() {
        pool.lock.lock();
        try {
            return pool.spanMetadataBytes + map.footprint() + (long) registry.heaps().length * Heap.FOOTPRINT
                    + HeapRegistry.TABLE_FOOTPRINT;
        } finally {
            pool.lock.unlock();
        }
    }

    @Override
    public AllocatorStats stats() {
        long memoryByteSize = memory.byteSize();
        long count = 0;
        long total = 0;
        long bytes = 0;
        long totalBytes = 0;
        long available = 0;
        long spansInHeaps = 0;
        for (Heap h : registry.heaps()) {
            count += h.liveCount();
            total += h.allocCount;
            bytes += h.liveBytes();
            totalBytes += h.allocBytes;
            available += h.freeBlockBytes;
            spansInHeaps += h.spanCount;
        }
        pool.lock.lock();
        try {
            AllocatorStats b = backEnd.stats();
            return new AllocatorStats(
                    count + b.allocationCount(),
                    total + b.totalAllocationCount(),
                    bytes + b.allocatedBytes(),
                    totalBytes + b.totalAllocatedBytes(),
                    available + pool.pooledBytes + b.availableBytes(),
                    pool.spanCount + b.fragmentCount(),
                    pool.spanCount + b.heapCount(),
                    pool.totalSpanCount + b.totalHeapCount(),
                    pool.spanBytes + b.claimedBytes(),
                    pool.totalSpanBytes + b.totalClaimedBytes(),
                    memoryByteSize);
        } finally {
            pool.lock.unlock();
        }
    }

    @Override
    public void verify() {
        memory.byteSize(); // a closed memory says so
        collectWhatTheCallerMay();
        long dropped = registry.takeDroppedDoubleFrees();
        if (dropped != 0) {
            throw new IllegalStateException(dropped + " racing double free(s) dropped when the owner collected them"
                    + " (the last at offset " + registry.lastDroppedOffset() + ")");
        }
        pool.lock.lock();
        try {
            pool.verify();
            if (backEnd.binned() != null) {
                backEnd.binned().verify();
            }
            Map<Object, Span[]> byHeap = new IdentityHashMap<>();
            Map<Object, int[]> counts = new IdentityHashMap<>();
            long pages = memory.pageCount();
            for (long p = 0; p < pages; p++) {
                Span s = map.get(p << 16);
                if (s == null || s == Span.BACK_END || s.heap == null || s.firstPage != p) {
                    if (s != null && s != Span.BACK_END && (p < s.firstPage || p >= s.firstPage + (1L << s.kind))) {
                        throw new IllegalStateException("page map entry of page " + p + " leads to " + s);
                    }
                    continue;
                }
                Span[] list = byHeap.computeIfAbsent(s.heap, h -> new Span[16]);
                int[] n = counts.computeIfAbsent(s.heap, h -> new int[1]);
                if (n[0] == list.length) {
                    list = java.util.Arrays.copyOf(list, list.length * 2);
                    byHeap.put(s.heap, list);
                }
                list[n[0]++] = s;
            }
            for (Heap h : registry.heaps()) {
                Span[] list = byHeap.getOrDefault(h, new Span[0]);
                int[] n = counts.getOrDefault(h, new int[1]);
                h.verify(list, n[0]);
                byHeap.remove(h);
            }
            if (!byHeap.isEmpty()) {
                throw new IllegalStateException("spans owned by a heap the registry does not know: "
                        + byHeap.keySet().size());
            }
        } finally {
            pool.lock.unlock();
        }
    }

    /**
     * Collects the remote frees of the caller's own heap and of every lock-owned heap (stripes, dead threads'
     * heaps), as their owner, so that {@link #verify()} sees racing double frees dropped and counted.
     */
    private void collectWhatTheCallerMay() {
        Thread t = Thread.currentThread();
        for (Heap h : registry.heaps()) {
            if (h.owner == t) {
                h.drainRemote();
            } else if (h.owner == null && h.lock.tryLock()) {
                try {
                    if (h.owner == null) {
                        h.drainRemote();
                    }
                } finally {
                    h.lock.unlock();
                }
            }
        }
    }

    /**
     * Returns the number of heaps: stripes, platform threads' heaps and abandoned heaps (for tests).
     *
     * @return the heap count
     */
    public int heapCount() {
        return registry.heaps().length;
    }

    /**
     * Returns the number of stripe heaps virtual threads share (for tests).
     *
     * @return the stripe count
     */
    public int stripeCount() {
        return registry.stripes().length;
    }

    /**
     * Returns the number of heaps whose thread died and that no thread has adopted yet (for tests).
     *
     * @return the abandoned heap count
     */
    public int abandonedHeapCount() {
        int n = 0;
        for (Heap h : registry.heaps()) {
            if (!h.stripe && h.owner == null) {
                n++;
            }
        }
        return n;
    }

    /**
     * Returns the bytes of empty spans in the pool (for tests).
     *
     * @return pooled bytes
     */
    public long pooledByteSize() {
        pool.lock.lock();
        try {
            return pool.pooledBytes;
        } finally {
            pool.lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "ConcurrentAllocator[" + memory + "]";
    }
}
