package dev.offcut.internal.concurrent;

import dev.offcut.LinearMemory;

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
 * <p>Spans have three kinds (1, 2 and 4 pages), stacked apart because a span object and its arrays are sized for its
 * kind; a take pops its kind's stack. When that stack is empty, the request is cut from pooled spans of any kind
 * before the memory grows: the lowest run of pooled pages long enough ({@link #pooledPages}, one bit per page),
 * whose spans are dissolved (a longer span is split, adjacent shorter ones are joined; the pages left over become
 * one-page spans, keeping their freshness). New span objects are made only then and when the memory grows, so the
 * memory grows only when the pool holds no run of the pages asked for: without this, growth batches cut for one kind
 * would pile up in another kind's stack (measured on mstress: 89 MB pooled, 19 KB live).
 */
final class SpanPool {

    /** Guards the pool, the page map's writes, growth and the back end. */
    final ReentrantLock lock = new ReentrantLock();

    private final LinearMemory memory;
    private final PageMap map;
    private final long retainedByteCap;

    private final Span[] stack = new Span[SizeClasses.KINDS];
    /**
     * Bit {@code p} set iff page {@code p} belongs to a pooled span: lets a request of one kind be cut from pooled
     * spans of other kinds (split or joined) before the memory grows. One bit per 64 KiB page, grown with the pages
     * the pool has seen.
     */
    private long[] pooledPages = new long[1];
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
    /** Bytes of pooled spans whose pages were released and not used since: not committed. */
    long releasedPooledBytes;
    /** Estimated Java-heap bytes of every span object now ({@link Span#footprint(int)}). */
    long spanMetadataBytes;
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
    }

    /**
     * Takes an empty span for a class: from its kind's stack, else cut from pooled pages of other kinds, else from
     * existing or new pages; with its arrays fitted for the class ({@link Span#fitArrays}).
     *
     * @param c the class
     * @return the span, not yet formatted; or {@code null} if no pages are left
     * @throws IllegalStateException if the memory is closed
     */
    Span take(int c) {
        lock.lock();
        try {
            Span s = takeUnfitted(SizeClasses.kind(c));
            if (s != null) {
                spanMetadataBytes += s.fitArrays(c);
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    private Span takeUnfitted(int kind) {
        Span s = pop(kind);
        if (s != null) {
            return s;
        }
        if (!backEndStart.getAsBoolean()) {
            return null;
        }
        int pages = SizeClasses.spanPages(kind);
        // Pooled spans of other kinds first (split or joined), so that a change of sizes does not grow the memory
        // while the pool holds enough pages.
        s = cutFromPooled(kind, pages);
        if (s != null) {
            return s;
        }
        long first = rawPages(pages);
        return first < 0 ? null : newSpan(kind, first, first >= existingEnd);
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
            s.releasedPages = true;
            releasedPooledBytes += bytes;
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
        long first = takeRun(pages);
        if (first < 0) {
            first = rawPages(pages);
        }
        if (first >= 0) {
            map.set(first, pages, Span.BACK_END);
        }
        return first;
    }

    /** A span of a kind cut from a run of pooled pages, or {@code null} if the pool has no such run. */
    private Span cutFromPooled(int kind, int pages) {
        long first = takeRun(pages);
        if (first < 0) {
            return null;
        }
        return newSpan(kind, first, runFresh);
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
        Span s = new Span(kind, first);
        s.freshPages = fresh;
        long bytes = SizeClasses.spanBytes(kind);
        spanBytes += bytes;
        totalSpanBytes += bytes;
        spanMetadataBytes += s.footprint();
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
            markPooled(s, false);
            count[kind]--;
            long bytes = SizeClasses.spanBytes(kind);
            pooledBytes -= bytes;
            if (!s.freshPages) {
                dirtyPooledBytes -= bytes;
            }
            unrelease(s);
        }
        return s;
    }

    /** A pooled span leaves the pool: its pages count as committed again, whether or not they were released. */
    private void unrelease(Span s) {
        if (s.releasedPages) {
            s.releasedPages = false;
            releasedPooledBytes -= SizeClasses.spanBytes(s.kind);
        }
    }

    private void push(Span s) {
        markPooled(s, true);
        s.heap = null;
        s.ownerThread = null;
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

    /** Whether every page of the run {@link #takeRun} last returned read as zero (all its spans were fresh). */
    private boolean runFresh;

    /**
     * Finds {@code pages} contiguous pooled pages, first fit by address in {@link #pooledPages}, and dissolves the
     * pooled spans that hold them; the pages of those spans outside the run become one-page spans, fresh or released
     * as the span they came from. O(pooled-page words + spans dissolved); makes span objects only for the leftovers.
     *
     * @return the first page, or -1 if no run is that long
     */
    private long takeRun(long pages) {
        if (pooledBytes < pages << 16) {
            return -1; // not enough pooled pages in all: no need to look for a run
        }
        long start = findRun(pages);
        if (start < 0) {
            return -1;
        }
        long end = start + pages;
        // The run may begin or end inside a longer span: dissolve every span that intersects it.
        long from = map.get(start << 16).firstPage;
        Span last = map.get((end - 1) << 16);
        long to = last.firstPage + SizeClasses.spanPages(last.kind);
        boolean fresh = true;
        for (long p = from; p < to; ) {
            Span old = map.get(p << 16);
            int oldPages = SizeClasses.spanPages(old.kind);
            remove(old);
            spanBytes -= (long) oldPages << 16;
            spanCount--;
            spanMetadataBytes -= old.footprint();
            boolean oldFresh = old.freshPages;
            boolean oldReleased = old.releasedPages;
            for (long q = p; q < p + oldPages; q++) {
                if (q >= start && q < end) {
                    fresh &= oldFresh;
                } else {
                    Span leftover = newSpan(0, q, oldFresh);
                    push(leftover);
                    if (oldReleased) {
                        leftover.releasedPages = true;
                        releasedPooledBytes += 1L << 16;
                    }
                }
            }
            p += oldPages;
        }
        map.set(start, pages, null);
        runFresh = fresh;
        return start;
    }

    /** The first page of the lowest run of {@code pages} set bits in {@link #pooledPages}, or -1. */
    private long findRun(long pages) {
        long[] bits = pooledPages;
        long limit = (long) bits.length << 6;
        long p = nextBit(bits, 0, true);
        while (p >= 0 && p + pages <= limit) {
            long clear = nextBit(bits, p, false);
            long runEnd = clear < 0 ? limit : clear;
            if (runEnd - p >= pages) {
                return p;
            }
            p = clear < 0 ? -1 : nextBit(bits, clear, true);
        }
        return -1;
    }

    /** The first index at or after {@code from} whose bit is {@code set}, or -1. */
    private static long nextBit(long[] bits, long from, boolean set) {
        int w = (int) (from >>> 6);
        if (w >= bits.length) {
            return -1;
        }
        long word = (set ? bits[w] : ~bits[w]) & (-1L << from);
        while (word == 0) {
            if (++w == bits.length) {
                return -1;
            }
            word = set ? bits[w] : ~bits[w];
        }
        return ((long) w << 6) + Long.numberOfTrailingZeros(word);
    }

    private void markPooled(Span s, boolean pooled) {
        long first = s.firstPage;
        long end = first + SizeClasses.spanPages(s.kind);
        int lastWord = (int) ((end - 1) >>> 6);
        if (lastWord >= pooledPages.length) {
            pooledPages = java.util.Arrays.copyOf(pooledPages, Math.max(lastWord + 1, pooledPages.length * 2));
        }
        for (long p = first; p < end; p++) {
            if (pooled) {
                pooledPages[(int) (p >>> 6)] |= 1L << p;
            } else {
                pooledPages[(int) (p >>> 6)] &= ~(1L << p);
            }
        }
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
                markPooled(s, false);
                count[k]--;
                long bytes = SizeClasses.spanBytes(k);
                pooledBytes -= bytes;
                if (!s.freshPages) {
                    dirtyPooledBytes -= bytes;
                }
                unrelease(s);
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
        long released = 0;
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
                released += s.releasedPages ? b : 0;
                if (s.releasedPages && !s.freshPages) {
                    throw new IllegalStateException("pooled span released but not fresh: " + s);
                }
            }
            if (n != count[k]) {
                throw new IllegalStateException("pool count " + count[k] + " != " + n + " spans of kind " + k);
            }
        }
        if (bytes != pooledBytes || dirty != dirtyPooledBytes || released != releasedPooledBytes) {
            throw new IllegalStateException("pooled bytes " + pooledBytes + "/" + dirtyPooledBytes + "/"
                    + releasedPooledBytes + " (all/dirty/released) != walked " + bytes + "/" + dirty + "/" + released);
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
     * Returns the first page not yet handed out of the memory's pages at construction.
     *
     * @return a page index
     */
    long existingNext() {
        return existingNext;
    }
}
