package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.util.Objects;

/**
 * A view of any allocator bound to one thread, as {@link java.lang.foreign.Arena#ofConfined()} is: a call from any
 * other thread throws {@link WrongThreadException} before reaching the delegate, so it changes nothing.
 *
 * <p>The check is one comparison of {@link Thread#currentThread()} (an intrinsic) with a final field, cheap enough
 * for the hot path. {@link #memory()} is not checked: memories are thread-safe.
 */
public final class ConfinedAllocator implements Allocator {

    private final Allocator delegate;
    private final Thread owner;

    /**
     * Confines {@code delegate} to {@code owner}.
     *
     * @param delegate the allocator to confine
     * @param owner    the only thread allowed to use it
     */
    public ConfinedAllocator(Allocator delegate, Thread owner) {
        this.delegate = Objects.requireNonNull(delegate, "allocator");
        this.owner = Objects.requireNonNull(owner, "owner");
    }

    private void requireOwnerThread() {
        if (Thread.currentThread() != owner) {
            throw wrongThread();
        }
    }

    private WrongThreadException wrongThread() {
        return new WrongThreadException("this allocator is confined to thread " + owner.threadId() + " ("
                + owner.getName() + "); called from thread " + Thread.currentThread().threadId() + " ("
                + Thread.currentThread().getName() + ")");
    }

    @Override
    public LinearMemory memory() {
        return delegate.memory();
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        requireOwnerThread();
        return delegate.tryAllocate(byteSize, byteAlignment);
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        requireOwnerThread();
        return delegate.tryAllocateZeroed(byteSize, byteAlignment);
    }

    @Override
    public void free(long offset) {
        requireOwnerThread();
        delegate.free(offset);
    }

    @Override
    public void free(long offset, long byteSize) {
        requireOwnerThread();
        delegate.free(offset, byteSize);
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        requireOwnerThread();
        return delegate.tryReallocate(offset, newByteSize, byteAlignment);
    }

    @Override
    public AllocatorStats stats() {
        requireOwnerThread();
        return delegate.stats();
    }

    @Override
    public void verify() {
        requireOwnerThread();
        delegate.verify();
    }

    @Override
    public String toString() {
        return "Allocator.confined(" + delegate + ")";
    }
}
