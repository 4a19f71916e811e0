package dev.offcut.internal.concurrent;

import dev.offcut.LinearMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The global pool of empty spans, and the one place where the allocator's pages come from: the memory's existing
 * pages first, then {@link LinearMemory#grow(long)}, always using the page index the grow returns (someone else may
 * grow the same memory). Everything here runs under {@link #lock}, which the back end shares; no small-block fast
 * path takes it.
 *
 * <p>A span in the pool is empty and belongs to no heap. Its pages are <em>fresh</em> when they read as zero (grown
 * and never handed out, or released with {@link LinearMemory#releasePages} answering {@code true}); a fresh span lets
 * zeroed allocation skip the zeroing. Dirty pooled bytes above the retention cap are released as they arrive;
 * {@link #trim()} releases them all.
 *
 * <p>Spans have three kinds (1, 2 and 4 pages), pooled apart because a span object and its arrays are sized for its
 * kind. When the memory can grow no more, a request for one kind is cut from pooled spans of the others: a longer
 * span is split, adjacent shorter ones are joined (new span objects, made only then).
 */
final class SpanPool {

    /** Guards the pool, the page map's writes, growth and the back end. */
    final ReentrantLock lock = new ReentrantLock();

    private final LinearMemory memory;
    private final PageMap map;
    private final long retainedByteCap;
    private final int[] capacity = new int[SizeClasses.KINDS];

    private final Span[] stack = new Span[SizeClasses.KINDS];
    /** Starts the back end (before the first span is cut, so that its page is its own); says whether it runs. */
    BooleanSupplier backEndStart = () -> true;
    private final int[] count = new int[SizeClasses.KINDS];

    /** Existing pages not yet used, {@code [existingNext, existingEnd)}: dirty, used before growing. */
    private long existingNext;
    private final long existingEnd;

    // Counters, under the lock (read without it by stats: exact when quiescent).
    /** Bytes of spans in the pool. */
    long pooledBytes;
    /** Bytes of pooled spans that are dirty (hold RAM that could be released). */
    long dirtyPooledBytes;
    /** Bytes of every span object made (spans live for ever, in a heap or here). */
    long spanBytes;
    /** Number of span objects now, for the statistics' heap counts. */
    long spanCount;
    /** Number of span objects ever made. */
    long totalSpanCount;
    /** Bytes released to the operating system, ever. */
    long releasedBytes;
    /** Bytes of pages ever taken for spans (grown or existing). */
    long totalSpanBytes;

    /**
     * Creates the pool.
     *
     * @param memory          the memory
     * @param map             the page map to keep up to date
     * @param firstFreePage   the first existing page the pool may use (pages below belong to the back end)
     * @param retainedByteCap dirty pooled bytes kept before releasing
     */
    SpanPool(LinearMemory memory, PageMap map, long firstFreePage, long retainedByteCap) {
        this.memory = memory;
        this.map = map;
        this.retainedByteCap = retainedByteCap;
        this.existingNext = firstFreePage;
        this.existingEnd = Math.max(firstFreePage, memory.pageCount());
        for (int k = 0; k < SizeClasses.KINDS; k++) {
            capacity[k] = Span.capacity(k);
        }
    }

    /**
     * Takes an empty span of a kind: from the pool, else from existing or new pages, else (the memory exhausted)
     * cut from pooled spans of other kinds.
     *
     * @param kind 0, 1 or 2
     * @return the span, not yet formatted; or {@code null} if no pages are left
     * @throws IllegalStateException if the memory is closed
     */
    Span take(int kind) {
        lock.lock();
        try {
            Span s = pop(kind);
            if (s != null) {
                return s;
            }
            if (!backEndStart.getAsBoolean()) {
                return null;
            }
            int pages = SizeClasses.spanPages(kind);
            long first = rawPages(pages);
            if (first >= 0) {
                return newSpan(kind, first, first >= existingEnd);
            }
            first = takeRun(pages);
            return first < 0 ? null : newSpan(kind, first, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns an empty span to the pool; releases its pages if the pool holds more dirty bytes than the cap.
     *
     * @param s an empty span its heap no longer uses
     */
    void give(Span s) {
        lock.lock();
        try {
            s.freshPages = s.freshFrom == 0;
            push(s);
            if (!s.freshPages && dirtyPooledBytes > retainedByteCap) {
                release(s);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases every dirty pooled span's pages. Called under the lock.
     *
     * @return the bytes released
     */
    long trim() {
        long released = 0;
        for (int k = 0; k < SizeClasses.KINDS; k++) {
            for (Span s = stack[k]; s != null; s = s.next) {
                if (!s.freshPages) {
                    long before = releasedBytes;
                    if (!release(s)) {
                        return released; // the backing keeps its pages: no other span will do better
                    }
                    released += releasedBytes - before;
                }
            }
        }
        return released;
    }

    private boolean release(Span s) {
        long bytes = SizeClasses.spanBytes(s.kind);
        if (memory.releasePages(s.base, bytes)) {
            s.freshPages = true;
            dirtyPooledBytes -= bytes;
            releasedBytes += bytes;
            return true;
        }
        return false;
    }

    /**
     * Takes whole pages for the back end, from the memory or, when it cannot grow, from pooled spans. Called under the
     * lock.
     *
     * @param pages how many contiguous pages
     * @return the first page, or -1
     */
    long pagesForBackEnd(long pages) {
        long first = rawPages(pages);
        if (first < 0) {
            first = takeRun(pages);
        }
        if (first >= 0) {
            map.set(first, pages, Span.BACK_END);
        }
        return first;
    }

    /**
     * Takes pages back from the back end as pooled one-page spans. Called under the lock.
     *
     * @param firstPage the first page
     * @param pages     how many
     */
    void pagesFromBackEnd(long firstPage, long pages) {
        for (long p = firstPage; p < firstPage + pages; p++) {
            push(newSpan(0, p, false));
        }
    }

    // -----------------------------------------------------------------------------------------------------------

    /** Pages from the existing range, else grown: a batch of up to 16 pages so that grows stay rare. */
    private long rawPages(long pages) {
        if (existingEnd - existingNext >= pages) {
            long first = existingNext;
            existingNext += pages;
            return first;
        }
        long have = memory.pageCount(); // throws IllegalStateException if the memory is closed
        long batch = Math.max(pages, Math.min(16, have >>> 3));
        long first = batch > pages ? memory.grow(batch) : -1;
        if (first < 0) {
            batch = pages;
            first = memory.grow(pages);
            if (first < 0) {
                memory.pageCount(); // a closed memory says so rather than "exhausted"
                return -1;
            }
        }
        for (long p = first + pages; p < first + batch; p++) {
            push(newSpan(0, p, true));
        }
        return first;
    }

    private Span newSpan(int kind, long first, boolean fresh) {
        Span s = new Span(kind, first, capacity[kind]);
        s.freshPages = fresh;
        long bytes = SizeClasses.spanBytes(kind);
        spanBytes += bytes;
        totalSpanBytes += bytes;
        spanCount++;
        totalSpanCount++;
        map.set(first, SizeClasses.spanPages(kind), s);
        return s;
    }

    private Span pop(int kind) {
        Span s = stack[kind];
        if (s != null) {
            stack[kind] = s.next;
            s.next = null;
            count[kind]--;
            long bytes = SizeClasses.spanBytes(kind);
            pooledBytes -= bytes;
            if (!s.freshPages) {
                dirtyPooledBytes -= bytes;
            }
        }
        return s;
    }

    private void push(Span s) {
        s.heap = null;
        s.listed = false;
        s.prev = null;
        s.next = stack[s.kind];
        stack[s.kind] = s;
        count[s.kind]++;
        long bytes = SizeClasses.spanBytes(s.kind);
        pooledBytes += bytes;
        if (!s.freshPages) {
            dirtyPooledBytes += bytes;
        }
    }

    /**
     * Finds {@code pages} contiguous pooled pages, dissolving the spans that hold them (a longer span's leftover
     * pages become one-page spans). The slow path of exhaustion: O(pooled spans).
     */
    private long takeRun(long pages) {
        List<Span> pooled = new ArrayList<>();
        for (int k = 0; k < SizeClasses.KINDS; k++) {
            for (Span s = stack[k]; s != null; s = s.next) {
                pooled.add(s);
            }
        }
        pooled.sort((a, b) -> Long.compare(a.firstPage, b.firstPage));
        for (int i = 0; i < pooled.size(); i++) {
            long start = pooled.get(i).firstPage;
            long end = start;
            int j = i;
            while (j < pooled.size() && pooled.get(j).firstPage == end && end - start < pages) {
                end += SizeClasses.spanPages(pooled.get(j).kind);
                j++;
            }
            if (end - start >= pages) {
                for (int k = i; k < j; k++) {
                    remove(pooled.get(k));
                }
                spanBytes -= (end - start) << 16;
                spanCount -= j - i;
                map.set(start, end - start, null);
                for (long p = start + pages; p < end; p++) {
                    push(newSpan(0, p, false));
                }
                return start;
            }
        }
        return -1;
    }

    private void remove(Span target) {
        int k = target.kind;
        Span prev = null;
        for (Span s = stack[k]; s != null; prev = s, s = s.next) {
            if (s == target) {
                if (prev == null) {
                    stack[k] = s.next;
                } else {
                    prev.next = s.next;
                }
                s.next = null;
                count[k]--;
                long bytes = SizeClasses.spanBytes(k);
                pooledBytes -= bytes;
                if (!s.freshPages) {
                    dirtyPooledBytes -= bytes;
                }
                return;
            }
        }
        throw new IllegalStateException("span not pooled: " + target);
    }

    /**
     * Checks the pool: every pooled span is empty, unowned and mapped, and the byte counts add up. Called under the
     * lock.
     *
     * @throws IllegalStateException naming the broken invariant
     */
    void verify() {
        long bytes = 0;
        long dirty = 0;
        for (int k = 0; k < SizeClasses.KINDS; k++) {
            int n = 0;
            for (Span s = stack[k]; s != null; s = s.next) {
                n++;
                if (s.heap != null || s.kind != k) {
                    throw new IllegalStateException("pooled span owned or of another kind: " + s);
                }
                if (s.cls >= 0 && s.used != 0) {
                    throw new IllegalStateException("pooled span not empty: " + s);
                }
                if (map.get(s.base) != s) {
                    throw new IllegalStateException("page map does not lead to pooled span: " + s);
                }
                long b = SizeClasses.spanBytes(k);
                bytes += b;
                dirty += s.freshPages ? 0 : b;
            }
            if (n != count[k]) {
                throw new IllegalStateException("pool count " + count[k] + " != " + n + " spans of kind " + k);
            }
        }
        if (bytes != pooledBytes || dirty != dirtyPooledBytes) {
            throw new IllegalStateException("pooled bytes " + pooledBytes + "/" + dirtyPooledBytes + " != walked "
                    + bytes + "/" + dirty);
        }
    }

    /**
     * Returns the pooled spans of a kind (for tests).
     *
     * @param kind 0, 1 or 2
     * @return how many
     */
    int pooled(int kind) {
        return count[kind];
    }

    /**
     * Returns the capacity of a kind's span arrays.
     *
     * @param kind 0, 1 or 2
     * @return blocks
     */
    int capacity(int kind) {
        return capacity[kind];
    }

    /**
     * Returns the first page not yet handed out of the memory's pages at construction.
     *
     * @return a page index
     */
    long existingNext() {
        return existingNext;
    }
}
