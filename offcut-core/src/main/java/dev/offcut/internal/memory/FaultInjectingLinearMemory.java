package dev.offcut.internal.memory;

import dev.offcut.internal.Checks;
import dev.offcut.LinearMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongPredicate;

/**
 * A memory that refuses chosen grows, for tests of behaviour at exhaustion (lol_alloc's test {@code MemoryGrower}).
 *
 * <p>Every {@code grow(n)} with {@code n > 0} is numbered from 0; when the predicate accepts the number the call
 * returns {@code -1} without growing. {@code grow(0)} is a query and is never refused or counted. Thread-safe when
 * the predicate is: the call counter is updated under the monitor.
 */
public final class FaultInjectingLinearMemory implements LinearMemory {

    private final LinearMemory delegate;
    private final LongPredicate refuseGrow;
    private long growCalls;

    /**
     * Wraps {@code delegate}.
     *
     * @param delegate   the memory that does the work
     * @param refuseGrow decides, by call number, which grows to refuse
     */
    public FaultInjectingLinearMemory(LinearMemory delegate, LongPredicate refuseGrow) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
        this.refuseGrow = java.util.Objects.requireNonNull(refuseGrow, "refuseGrow");
    }

    /**
     * Returns how many non-zero grows were asked for so far, refused or not.
     *
     * @return the number of {@code grow(n > 0)} calls
     */
    public synchronized long growCalls() {
        return growCalls;
    }

    @Override
    public long pageCount() {
        return delegate.pageCount();
    }

    @Override
    public long maxPageCount() {
        return delegate.maxPageCount();
    }

    @Override
    public long byteSize() {
        return delegate.byteSize();
    }

    @Override
    public long maxByteSize() {
        return delegate.maxByteSize();
    }

    @Override
    public synchronized long grow(long pageCount) {
        Checks.checkInRange("pageCount", pageCount, 0, Long.MAX_VALUE);
        if (pageCount > 0 && refuseGrow.test(growCalls++)) {
            return -1;
        }
        return delegate.grow(pageCount);
    }

    @Override
    public MemorySegment segment() {
        return delegate.segment();
    }

    @Override
    public boolean growsInPlace() {
        return delegate.growsInPlace();
    }

    @Override
    public MemorySegment segment(Arena arena) {
        return delegate.segment(arena);
    }

    @Override
    public long addressAlignment() {
        return delegate.addressAlignment();
    }

    @Override
    public boolean releasePages(long offset, long byteSize) {
        return delegate.releasePages(offset, byteSize);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "LinearMemory.ofFaultInjecting[" + delegate + "]";
    }
}
