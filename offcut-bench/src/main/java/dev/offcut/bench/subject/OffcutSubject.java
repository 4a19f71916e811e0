package dev.offcut.bench.subject;

import dev.offcut.Allocator;
import dev.offcut.BumpAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.bench.Subject;

import java.util.function.Function;

/**
 * An Offcut allocator over a fixed native heap of the size asked for: handle = the block's offset (never 0),
 * address = memory base + offset.
 *
 * <p>The heap is {@code LinearMemory.ofNative(size, size)}: reserved and committed at open, so it cannot grow,
 * like talc's benchmark arena and like {@code LinearMemory.of(segment)} over a fixed segment, but without zeroing
 * 128 MiB per trial (the pages are faulted in on first touch, mostly during warm-up). The allocators use the
 * memory's existing pages first, so the whole heap is theirs; heap efficiency is measured against its size.
 */
final class OffcutSubject implements Subject {

    private final LinearMemory memory;
    private final Allocator allocator;
    private final long baseAddress;

    OffcutSubject(LinearMemory memory, Allocator allocator) {
        this.memory = memory;
        this.allocator = allocator;
        this.baseAddress = memory.segment().address();
    }

    /**
     * Opens an allocator over a fresh fixed native heap of {@code heapByteSize} (rounded up to pages).
     *
     * @param heapByteSize the heap size
     * @param allocatorOf  memory to allocator
     * @return the subject
     */
    static Subject open(long heapByteSize, Function<LinearMemory, Allocator> allocatorOf) {
        LinearMemory memory = fixedNativeHeap(heapByteSize);
        try {
            return new OffcutSubject(memory, allocatorOf.apply(memory));
        } catch (RuntimeException | Error failure) {
            memory.close();
            throw failure;
        }
    }

    /**
     * Reserves and commits a native heap that cannot grow.
     *
     * @param heapByteSize the size, rounded up to whole pages
     * @return the memory
     */
    static LinearMemory fixedNativeHeap(long heapByteSize) {
        long pages = Math.max(1, (heapByteSize + LinearMemory.PAGE_BYTE_SIZE - 1) / LinearMemory.PAGE_BYTE_SIZE);
        long byteSize = pages * LinearMemory.PAGE_BYTE_SIZE;
        return LinearMemory.ofNative(byteSize, byteSize);
    }

    @Override
    public long allocate(long byteSize, long byteAlignment) {
        return allocator.tryAllocate(byteSize, byteAlignment);
    }

    @Override
    public void free(long handle, long byteSize, long byteAlignment) {
        allocator.free(handle);
    }

    @Override
    public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
        return allocator.tryReallocate(handle, newByteSize, byteAlignment);
    }

    @Override
    public void touch(long handle, long byteSize) {
        RawMemory.touch(baseAddress + handle, byteSize);
    }

    @Override
    public boolean reset() {
        if (allocator instanceof BumpAllocator bump) {
            bump.reset();
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        memory.close();
    }

    @Override
    public String toString() {
        return allocator.getClass().getSimpleName();
    }
}
