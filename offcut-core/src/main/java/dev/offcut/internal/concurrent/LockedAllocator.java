package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.util.Objects;

/**
 * A thread-safe view of any allocator: every call runs under one monitor (lol_alloc's {@code LockedAllocator},
 * talc's {@code TalcLock}).
 *
 * <p>Why a monitor and not a spin lock: critical sections are tens of nanoseconds, HotSpot's lightweight locking makes
 * the uncontended case a single CAS, and since JDK 24 a virtual thread holding a monitor no longer pins its carrier.
 * Argument checks run inside the delegate, under the lock; a refused argument leaves the lock released.
 *
 * <p>Invariant: the delegate is reached only through this object once wrapped; using it directly as well breaks
 * thread safety. The delegate's own {@code memory()} is shared as-is (memories are thread-safe).
 */
public final class LockedAllocator implements Allocator {

    private final Allocator delegate;
    private final Object lock = new Object();

    /**
     * Wraps {@code delegate}.
     *
     * @param delegate the allocator to guard
     */
    public LockedAllocator(Allocator delegate) {
        this.delegate = Objects.requireNonNull(delegate, "allocator");
    }

    @Override
    public LinearMemory memory() {
        return delegate.memory();
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        synchronized (lock) {
            return delegate.tryAllocate(byteSize, byteAlignment);
        }
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        synchronized (lock) {
            return delegate.tryAllocateZeroed(byteSize, byteAlignment);
        }
    }

    @Override
    public void free(long offset) {
        synchronized (lock) {
            delegate.free(offset);
        }
    }

    @Override
    public void free(long offset, long byteSize) {
        synchronized (lock) {
            delegate.free(offset, byteSize);
        }
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        synchronized (lock) {
            return delegate.tryReallocate(offset, newByteSize, byteAlignment);
        }
    }

    @Override
    public AllocatorStats stats() {
        synchronized (lock) {
            return delegate.stats();
        }
    }

    @Override
    public void verify() {
        synchronized (lock) {
            delegate.verify();
        }
    }

    @Override
    public String toString() {
        return "Allocator.locked(" + delegate + ")";
    }
}
