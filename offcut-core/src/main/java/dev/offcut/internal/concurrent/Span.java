package dev.offcut.internal.concurrent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One span: a run of 1, 2 or 4 whole pages cut into blocks of one size class, with its state on the Java heap.
 *
 * <p>A span object belongs to its pages for life (the page map points at it); between owners it waits in the
 * {@link SpanPool}, still formatted for its last class with every block free. {@link #format} gives it a class when
 * a heap takes it.
 *
 * <p>Who touches what: {@link #free}, {@link #used}, {@link #cursor}, {@link #freshFrom}, the slack bytes and the
 * list links are the owner's (the heap's bound thread, or whoever holds the heap's lock), read and written plainly.
 * {@link #remote} is written by any thread with {@code getAndBitwiseOr} and taken by the owner with
 * {@code getAndSet(0)}; {@link #queued} is a CAS flag so that a span sits at most once in its heap's remote queue.
 * Other threads read the class fields, {@link #heap} and the owner's bitmap plainly, for frees ordered by
 * happens-before with the block's allocation (see {@link ConcurrentSizeClassAllocator}).
 */
final class Span {

    /** Element access to {@link #remote}. */
    static final VarHandle REMOTE = MethodHandles.arrayElementVarHandle(long[].class);

    private static final VarHandle QUEUED;

    static {
        try {
            QUEUED = MethodHandles.lookup().findVarHandle(Span.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The span that stands for "no span" in a heap's current-span table: no block is ever free in it. */
    static final Span NONE = new Span(-1, 0);

    /** The span the page map holds for pages of the back end (the binned allocator). */
    static final Span BACK_END = new Span(-1, 0);

    /** Span kind: 0, 1, 2 for 1, 2, 4 pages; -1 for the two markers. */
    final int kind;
    /** First page index. */
    final long firstPage;
    /** Offset of the first byte: {@code firstPage << 16}. */
    final long base;
    /**
     * Owner's bitmap: bit {@code i} set means block {@code i} is free and not handed out. This and the next two
     * arrays fit the largest block count the span has been formatted for, and are only ever replaced by longer ones
     * ({@link #fitArrays}), so an index computed under an older format stays inside whichever array a racing bad free
     * reads; sizing them per span rather than for the kind's smallest class keeps the metadata of a span of 1 KiB
     * blocks at 0.3 KiB, not 4.6 KiB.
     */
    long[] free;
    /** Remote-free bitmap: bit {@code i} set means another thread freed block {@code i}; not yet collected. */
    long[] remote;
    /**
     * Per block: block size minus requested size, one byte, or two (little end first) for wide classes. In a narrow
     * class, 255 means the slack is in {@link #bigSlack} (only an alignment above 16 puts a small request in a block
     * that much larger).
     */
    byte[] slack;
    /** Slack of narrow-class blocks whose slack is 255 or more; made the first time one is needed. */
    private char[] bigSlack;

    /** Size class, or -1 for a marker. */
    int cls = -1;
    /** Block size of the class. */
    int blockSize;
    /** Blocks in the span. */
    int blockCount;
    /** Words of the bitmaps in use. */
    int words;
    /** {@link SizeClasses#reciprocal(int)}. */
    long reciprocal;
    /** {@link SizeClasses#wideSlack(int)}. */
    boolean wide;

    /** Blocks handed out and not freed locally or collected. */
    int used;
    /** Bitmap word where allocation looks first. */
    int cursor;
    /** Blocks at or above this index have not been handed out since the span's pages were last zero. */
    int freshFrom;
    /** Whether the pages are zero (never written since grown or released): set by the pool, read by format. */
    boolean freshPages;
    /**
     * Whether the pool released the pages to the operating system and no heap has taken the span since: they do not
     * count as committed ({@link SpanPool#releasedPooledBytes}).
     */
    boolean releasedPages;

    /**
     * The {@link Heap} that owns the span, or {@code null} while it is in the pool. Typed {@code Object} so that
     * spans, below heaps in the package's order, do not name them; only compared, or cast by the allocator.
     */
    Object heap;
    /**
     * The platform thread that owned the span's heap when it last wrote this field, or {@code null} (a pooled span,
     * or a lock-owned heap: a stripe, or a dead thread's). Written only by that owner (at {@link #format}, and when
     * an adopting thread frees into the span); read plainly by any freeing thread, which compares it with itself: a
     * thread reads its own {@code Thread} here only if it wrote it, so a stale value (a dead owner's) never matches
     * another thread. It spares the free path the binding-table lookup: a thread that finds itself here owns the
     * span's heap.
     */
    Thread ownerThread;
    /** In the owner's partial list or its current span. */
    boolean listed;
    /** Partial-list links. */
    Span prev;
    /** Partial-list links, and the pool's stack link. */
    Span next;

    /** 1 while the span is in its heap's remote queue. */
    volatile int queued;
    /** The remote queue's link. */
    Span nextQueued;

    /**
     * Creates the span for a run of pages, with arrays for no block yet ({@link #fitArrays} sizes them for a class).
     *
     * @param kind      0, 1 or 2 ({@code -1} for a marker)
     * @param firstPage the first page
     */
    Span(int kind, long firstPage) {
        this.kind = kind;
        this.firstPage = firstPage;
        this.base = firstPage << 16;
        this.free = new long[1];
        this.remote = new long[1];
        this.slack = new byte[1];
    }

    /**
     * Makes the arrays long enough for a class, replacing any that are too short. Called by the pool, under its lock,
     * before a heap formats the span (no other thread owns it then).
     *
     * @param c a class of this span's kind
     * @return the growth of {@link #footprint()}, in bytes
     */
    long fitArrays(int c) {
        long before = footprint();
        int blocks = SizeClasses.blocks(c);
        int words = (blocks + 63) >>> 6;
        if (free.length < words) {
            free = new long[words];
            remote = new long[words];
        }
        int slackBytes = blocks * (SizeClasses.wideSlack(c) ? 2 : 1);
        if (slack.length < slackBytes) {
            slack = new byte[slackBytes];
            bigSlack = null; // sized for the old slack array; made again if needed
        }
        return footprint() - before;
    }

    /**
     * Estimates the Java-heap bytes of this span: the object and its arrays, with 12-byte headers, compressed
     * references and 8-byte rounding (HotSpot's default layout on a 64-bit JVM below 32 GiB of heap).
     *
     * @return bytes
     */
    long footprint() {
        // Leaves out bigSlack: made only for blocks that an alignment above 16 put in a much larger class.
        return OBJECT_BYTES + 2 * align8(16 + 8L * free.length) + align8(16 + slack.length);
    }

    /** The span object's own bytes: a 12-byte header, 3 longs, 9 ints, 9 compressed references, 4 booleans. */
    private static final long OBJECT_BYTES = align8(12 + 8 * 3 + 4 * 9 + 4 * 9 + 4);

    private static long align8(long bytes) {
        return (bytes + 7) & -8L;
    }

    /**
     * Formats the span for a class, every block free, for a new owner; its arrays must fit the class
     * ({@link #fitArrays}, which the pool calls when it hands the span out). Called by the heap that takes it from the
     * pool: no other thread owns it.
     *
     * @param c           the class, of this span's kind
     * @param owner       the heap taking it
     * @param ownerThread the heap's platform thread, or {@code null} if it is lock-owned
     */
    void format(int c, Object owner, Thread ownerThread) {
        assert free.length >= (SizeClasses.blocks(c) + 63) >>> 6 : "arrays not fitted for class " + c;
        cls = c;
        blockSize = SizeClasses.blockSize(c);
        blockCount = SizeClasses.blocks(c);
        words = (blockCount + 63) >>> 6;
        reciprocal = SizeClasses.reciprocal(c);
        wide = SizeClasses.wideSlack(c);
        java.util.Arrays.fill(free, 0L);
        for (int w = 0; w < words; w++) {
            int left = blockCount - (w << 6);
            free[w] = left >= 64 ? -1L : (1L << left) - 1;
            // A bit a racing bad free left behind while the span was pooled means nothing now.
            REMOTE.getAndSet(remote, w, 0L);
        }
        used = 0;
        cursor = 0;
        freshFrom = freshPages ? 0 : blockCount;
        freshPages = false;
        listed = true;
        prev = null;
        next = null;
        heap = owner;
        this.ownerThread = ownerThread;
    }

    /**
     * Returns the requested size of a block from its slack.
     *
     * @param i a block index
     * @return the size it was allocated or last reallocated with
     */
    int requestedSize(int i) {
        if (wide) {
            return blockSize - ((slack[2 * i] & 0xFF) | (slack[2 * i + 1] & 0xFF) << 8);
        }
        int v = slack[i] & 0xFF;
        return blockSize - (v == 0xFF ? bigSlack[i] : v);
    }

    /**
     * Records a block's requested size.
     *
     * @param i        a block index
     * @param byteSize its size, {@code <= blockSize}
     */
    void setRequestedSize(int i, long byteSize) {
        int s = blockSize - (int) byteSize;
        if (wide) {
            slack[2 * i] = (byte) s;
            slack[2 * i + 1] = (byte) (s >>> 8);
        } else if (s < 0xFF) {
            slack[i] = (byte) s;
        } else {
            setBigSlack(i, s);
        }
    }

    private void setBigSlack(int i, int s) {
        if (bigSlack == null) {
            bigSlack = new char[slack.length];
        }
        bigSlack[i] = (char) s;
        slack[i] = (byte) 0xFF;
    }

    /**
     * Returns the index of the block at {@code offset}, or -1 if no block of this span starts there.
     *
     * @param offset an offset in one of the span's pages
     * @return the block index, or -1 (interior, misaligned, or past the last block)
     */
    int indexOf(long offset) {
        long relative = offset - base;
        int i = SizeClasses.index(relative, reciprocal);
        return i < blockCount && (long) i * blockSize == relative ? i : -1;
    }

    /**
     * Tells whether block {@code i} is free in the owner's bitmap or its remote bitmap.
     *
     * @param i a block index
     * @return {@code true} if the block is not live
     */
    boolean isFree(int i) {
        long bit = 1L << i;
        return ((free[i >>> 6] | (long) REMOTE.getVolatile(remote, i >>> 6)) & bit) != 0;
    }

    /**
     * Sets the remote bit of a block.
     *
     * @param i a block index
     * @return {@code true} if it was clear (this free counts), {@code false} if another free set it first
     */
    boolean setRemote(int i) {
        long bit = 1L << i;
        return ((long) REMOTE.getAndBitwiseOr(remote, i >>> 6, bit) & bit) == 0;
    }

    /**
     * Claims the right to put this span in its heap's remote queue.
     *
     * @return {@code true} if the caller must enqueue it
     */
    boolean claimQueued() {
        return queued == 0 && QUEUED.compareAndSet(this, 0, 1);
    }

    /** Tells whether the span has a free block in the owner's bitmap. */
    boolean hasFree() {
        return used < blockCount;
    }

    @Override
    public String toString() {
        return "span[page " + firstPage + ", kind " + kind + ", class " + cls + " (" + blockSize + " B x "
                + blockCount + "), used " + used + "]";
    }
}
