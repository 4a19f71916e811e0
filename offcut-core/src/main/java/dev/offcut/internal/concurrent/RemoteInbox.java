package dev.offcut.internal.concurrent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What other threads write into a heap: the queue of its spans that hold remote frees, and the count and bytes of
 * those frees. Any thread pushes and adds; the heap's owner takes the queue.
 *
 * <p>Why a separate object, padded: a remote free makes two atomic adds here, and a span's first remote free of a
 * batch a CAS. Were these fields in {@link Heap} beside the owner's plain counters, every remote free would take
 * the owner's hot cache line away from it (false sharing), on exactly the producer/consumer workloads the remote
 * path exists for. HotSpot lays out a superclass's fields before a subclass's, so the 128 bytes of padding on each
 * side (two 64-byte lines, for adjacent-line prefetch) keep these fields off the lines of whatever objects lie next
 * to this one.
 */
final class RemoteInbox extends RemoteInboxFields {

    // Padding after the fields (read by nobody).
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    private static final VarHandle HEAD;
    private static final VarHandle COUNT;
    private static final VarHandle BYTES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(RemoteInboxFields.class, "head", Span.class);
            COUNT = l.findVarHandle(RemoteInboxFields.class, "count", long.class);
            BYTES = l.findVarHandle(RemoteInboxFields.class, "bytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Estimated Java-heap bytes: a 12-byte header, 32 padding longs, a reference and two longs, rounded. */
    static final long FOOTPRINT = 12 + 32 * 8 + 4 + 2 * 8 + 4;

    /**
     * Counts remote frees (or, negative, undoes them). Any thread.
     *
     * @param count blocks
     * @param bytes their requested bytes
     */
    void add(long count, long bytes) {
        COUNT.getAndAdd(this, count);
        BYTES.getAndAdd(this, bytes);
    }

    /**
     * Pushes a span on the queue. Any thread, after {@link Span#claimQueued()} succeeded.
     *
     * @param s a span of the inbox's heap
     */
    void push(Span s) {
        Span old;
        do {
            old = head;
            s.nextQueued = old;
        } while (!HEAD.compareAndSet(this, old, s));
    }

    /**
     * Takes the whole queue. The heap's owner.
     *
     * @return the first span, linked by {@link Span#nextQueued}, or {@code null}
     */
    Span takeAll() {
        return (Span) HEAD.getAndSet(this, (Span) null);
    }

    /** Tells whether the queue holds a span now. */
    boolean isEmpty() {
        return head == null;
    }

    /** Remote frees counted so far, undone ones deducted. */
    long count() {
        return count;
    }

    /** Their requested bytes. */
    long bytes() {
        return bytes;
    }
}

/** Padding before {@link RemoteInboxFields}' fields (read by nobody). */
abstract class RemoteInboxPad {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The fields of a {@link RemoteInbox}, between its two paddings. */
abstract class RemoteInboxFields extends RemoteInboxPad {
    /** Treiber stack of spans with remote frees, linked by {@link Span#nextQueued}. */
    volatile Span head;
    /** Remote frees counted by the freeing threads. */
    volatile long count;
    /** Their requested bytes. */
    volatile long bytes;
}
