package dev.offcut.internal.concurrent;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which heap a thread uses, and every heap there is.
 *
 * <ul>
 *   <li>A platform thread gets a heap of its own, found through a table of immutable {@link Binding}s indexed by
 *       {@code threadId & mask} and checked by {@code binding.thread == currentThread} (no {@code ThreadLocal}, no
 *       atomic, no lock); a thread whose slot is held by another live thread is found in a concurrent map
 *       instead.</li>
 *   <li>A virtual thread never gets one: it takes one of a fixed set of stripe heaps (twice the processors, a power
 *       of two) chosen by its id, with {@code tryLock}, trying the next stripes and finally waiting on its own.</li>
 *   <li>A heap whose thread died ({@code !thread.isAlive()}, which orders the thread's last action before the look)
 *       is found by {@link #scanForDeadOwners()} and becomes lock-owned: its remote frees are collected and its empty
 *       spans given back. The next new platform thread adopts it rather than making a heap, so heaps are bounded by
 *       the live platform threads that allocate, plus the stripes. Nothing waits for a garbage collection.</li>
 * </ul>
 */
final class HeapRegistry {

    /** An immutable pairing of a thread and its heap, safely published by its final fields. */
    static final class Binding {
        final Thread thread;
        final Heap heap;

        Binding(Thread thread, Heap heap) {
            this.thread = thread;
            this.heap = heap;
        }
    }

    private static final Binding UNBOUND = new Binding(null, null);

    /** Slots in the binding table. */
    static final int SLOTS = 1024;

    /** Estimated Java-heap bytes of the binding table: the array of compressed references. */
    static final long TABLE_FOOTPRINT = 16 + 4L * SLOTS;

    /** The binding table: read without a lock by the hot paths, written under {@link #lock}. */
    final Binding[] table = new Binding[SLOTS];

    private final ConcurrentHashMap<Thread, Heap> overflow = new ConcurrentHashMap<>();
    private final Heap[] stripes;
    private final SpanPool pool;
    /** Guards heap creation, adoption and abandonment, and {@link #heaps}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Every heap, stripes first; replaced by a copy when one is added (read by statistics without the lock). */
    private volatile Heap[] heaps;
    private final AtomicLong droppedDoubleFrees = new AtomicLong();
    private volatile long lastDroppedOffset;

    /**
     * Creates the registry and its stripes.
     *
     * @param pool        the span pool heaps take spans from
     * @param stripeCount the number of stripe heaps, a power of two
     */
    HeapRegistry(SpanPool pool, int stripeCount) {
        this.pool = pool;
        Arrays.fill(table, UNBOUND);
        stripes = new Heap[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = new Heap(pool, this::scanForDeadOwners, this::droppedDoubleFree, true, null);
        }
        heaps = stripes.clone();
    }

    /**
     * Returns the calling platform thread's heap, binding one (adopted or new) if it has none.
     *
     * @param t the current thread, not virtual
     * @return its heap
     */
    Heap heapOf(Thread t) {
        Binding b = table[(int) t.threadId() & (SLOTS - 1)];
        if (b.thread == t) {
            return b.heap;
        }
        Heap h = overflow.get(t);
        return h != null ? h : bind(t);
    }

    /**
     * Returns the calling platform thread's heap if it has one, without binding one.
     *
     * @param t the current thread, not virtual
     * @return its heap, or {@code null}
     */
    Heap boundHeapOf(Thread t) {
        Binding b = table[(int) t.threadId() & (SLOTS - 1)];
        return b.thread == t ? b.heap : overflow.get(t);
    }

    /**
     * Locks and returns a stripe heap for a virtual thread. The caller unlocks it.
     *
     * @param t the current thread
     * @return a stripe heap whose lock the caller now holds
     */
    Heap lockStripe(Thread t) {
        int mask = stripes.length - 1;
        int first = (int) t.threadId() & mask;
        for (int k = 0; k <= mask; k++) {
            Heap h = stripes[(first + k) & mask];
            if (h.lock.tryLock()) {
                return h;
            }
        }
        Heap h = stripes[first];
        h.lock.lock();
        return h;
    }

    private Heap bind(Thread t) {
        lock.lock();
        try {
            scanLocked();
            Heap h = null;
            for (Heap candidate : heaps) {
                if (!candidate.stripe && candidate.owner == null) {
                    h = candidate; // an abandoned heap: adopt it
                    break;
                }
            }
            if (h == null) {
                h = new Heap(pool, this::scanForDeadOwners, this::droppedDoubleFree, false, t);
                Heap[] more = Arrays.copyOf(heaps, heaps.length + 1);
                more[heaps.length] = h;
                heaps = more;
            } else {
                h.lock.lock(); // orders the drains of earlier lock holders before this thread's plain accesses
                try {
                    h.owner = t;
                } finally {
                    h.lock.unlock();
                }
            }
            int slot = (int) t.threadId() & (SLOTS - 1);
            Binding old = table[slot];
            if (old.thread == null || !old.thread.isAlive() || old.heap.owner != old.thread) {
                table[slot] = new Binding(t, h);
            } else {
                overflow.put(t, h);
            }
            return h;
        } finally {
            lock.unlock();
        }
    }

    /** Looks for heaps of dead threads, if no one else is looking. Any thread, from a heap's slow path. */
    void scanForDeadOwners() {
        if (lock.tryLock()) {
            try {
                scanLocked();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Abandons the heaps of dead threads and gives back the empty spans of every abandoned heap. Under the lock.
     */
    private void scanLocked() {
        for (Heap h : heaps) {
            Thread owner = h.owner;
            if (owner != null && !owner.isAlive()) {
                h.owner = null;
                int slot = (int) owner.threadId() & (SLOTS - 1);
                if (table[slot].thread == owner) {
                    table[slot] = UNBOUND;
                }
                overflow.remove(owner);
            }
            if (!h.stripe && h.owner == null && h.lock.tryLock()) {
                try {
                    if (h.owner == null) {
                        h.releaseEmptySpans();
                    }
                } finally {
                    h.lock.unlock();
                }
            }
        }
    }

    /**
     * Reclaims what can be reclaimed before an allocation fails: dead threads' heaps are abandoned and every
     * lock-owned heap (abandoned or stripe) that is not in use gives back its empty spans. Any thread.
     */
    void reclaim() {
        lock.lock();
        try {
            scanLocked();
            for (Heap h : stripes) {
                if (h.lock.tryLock()) {
                    try {
                        h.releaseEmptySpans();
                    } finally {
                        h.lock.unlock();
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns every heap now (stripes, bound and abandoned).
     *
     * @return the heaps; do not modify
     */
    Heap[] heaps() {
        return heaps;
    }

    /**
     * Returns the stripe heaps.
     *
     * @return the stripes; do not modify
     */
    Heap[] stripes() {
        return stripes;
    }

    /**
     * Records a remote free that found its block already free when the owner collected it.
     *
     * @param offset the block
     */
    void droppedDoubleFree(long offset) {
        lastDroppedOffset = offset;
        droppedDoubleFrees.incrementAndGet();
    }

    /**
     * Returns and clears the count of dropped racing double frees.
     *
     * @return how many since the last call
     */
    long takeDroppedDoubleFrees() {
        return droppedDoubleFrees.getAndSet(0);
    }

    /**
     * Returns the offset of the last dropped racing double free.
     *
     * @return an offset
     */
    long lastDroppedOffset() {
        return lastDroppedOffset;
    }
}
