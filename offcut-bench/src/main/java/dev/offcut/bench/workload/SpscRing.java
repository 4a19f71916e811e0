package dev.offcut.bench.workload;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer single-consumer queue of {@code long}s: a power-of-two array and two counters,
 * published with release/acquire. Allocation-free; each side caches the other's counter to touch its cache
 * line only when the queue looks full (or empty).
 */
final class SpscRing {

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(SpscRing.class, "head", long.class);
            TAIL = lookup.findVarHandle(SpscRing.class, "tail", long.class);
        } catch (ReflectiveOperationException impossible) {
            throw new ExceptionInInitializerError(impossible);
        }
    }

    private final long[] values;
    private final int mask;
    // Padding keeps the producer's and the consumer's counters on separate cache lines.
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;
    private long tail;
    private long cachedHead;
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7;
    private long head;
    private long cachedTail;

    SpscRing(int capacity) {
        values = new long[capacity];
        mask = capacity - 1;
    }

    /** Producer: adds a value, or returns false when full. */
    boolean offer(long value) {
        long at = tail;
        if (at - cachedHead == values.length) {
            cachedHead = (long) HEAD.getAcquire(this);
            if (at - cachedHead == values.length) {
                return false;
            }
        }
        values[(int) at & mask] = value;
        TAIL.setRelease(this, at + 1);
        return true;
    }

    /** Consumer: tells whether a value is waiting. */
    boolean isEmpty() {
        if (head == cachedTail) {
            cachedTail = (long) TAIL.getAcquire(this);
        }
        return head == cachedTail;
    }

    /**
     * Waits a little: spins at first, then yields the processor, because on a machine with two (busy) cores the
     * other side may not be running at all while this one spins.
     *
     * @param attempt how many times in a row this side has waited
     */
    static void idle(int attempt) {
        if (attempt < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    private static final int SPINS_BEFORE_YIELD = 64;

    /** Consumer: takes the next value; call only after {@link #isEmpty()} said false. */
    long take() {
        long at = head;
        long value = values[(int) at & mask];
        HEAD.setRelease(this, at + 1);
        return value;
    }
}
