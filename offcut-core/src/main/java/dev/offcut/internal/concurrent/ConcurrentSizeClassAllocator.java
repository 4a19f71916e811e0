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
 * DESIGN-HEADER
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
        pool.backEnd = backEnd;
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
        // Out of spans: take back what dead threads' and idle stripes' heaps and the back end keep empty, then try
        // once more, and finally let the back end serve the small block.
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
        if (s != null) {
            int i = s.indexOf(offset);
            if (i >= 0) {
                Thread t = Thread.currentThread();
                HeapRegistry.Binding b = table[(int) t.threadId() & (HeapRegistry.SLOTS - 1)];
                if (b.thread == t && s.heap == b.heap) {
                    b.heap.free(s, i, -1);
                    return;
                }
            }
        }
        freeSlow(offset, -1, s);
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        Span s = map.get(offset);
        if (s != null) {
            int i = s.indexOf(offset);
            if (i >= 0) {
                Thread t = Thread.currentThread();
                HeapRegistry.Binding b = table[(int) t.threadId() & (HeapRegistry.SLOTS - 1)];
                if (b.thread == t && s.heap == b.heap) {
                    b.heap.free(s, i, byteSize);
                    return;
                }
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
        Heap owner = s.heap;
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
            owner.free(s, i, byteSize); // a thread whose binding slot another thread holds
            return;
        }
        freeRemote(s, i, byteSize);
    }

    /** A free by a thread that does not own the span: the block goes back to its span's remote bitmap. */
    private static void freeRemote(Span s, int i, long byteSize) {
        long bit = 1L << i;
        Heap owner = s.heap;
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
        Heap owner = s.heap;
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
            Map<Heap, Span[]> byHeap = new IdentityHashMap<>();
            Map<Heap, int[]> counts = new IdentityHashMap<>();
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
