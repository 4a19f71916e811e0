package dev.offcut.bench.subject;

import dev.offcut.Allocator;
import dev.offcut.BumpAllocator;
import dev.offcut.ConcurrentAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.bench.Subject;

import java.util.function.Function;

/**
 * An Offcut allocator over a fixed native heap of the size asked for: handle = the block's offset (never 0),
 * address = memory base + offset.
 *
 * <p>The heap is {@code LinearMemory.of(segment)} over a fixed native region from {@link FixedHeaps}: it cannot
 * grow, like talc's benchmark arena, and like talc's arena it is pre-touched before timing (one byte in every
 * {@value RawMemory#PRE_TOUCH_STRIDE}) and reused by each trial's fresh allocator, so first-touch page faults are not
 * measured, as malloc's already-faulted process heap does not pay them either. (Every allocation is still touched
 * by the workloads, {@link Subject#touch}: the project requires every block to be written to when allocated.) The
 * allocator gets the whole heap; heap efficiency is measured against its size.
 */
final class OffcutSubject implements Subject {

    private final FixedHeaps.Lease heap; // null over growable memory
    private final LinearMemory memory;
    private final Allocator allocator;
    private final long baseAddress;

    OffcutSubject(FixedHeaps.Lease heap, LinearMemory memory, Allocator allocator) {
        this.heap = heap;
        this.memory = memory;
        this.allocator = allocator;
        this.baseAddress = memory.segment().address();
    }

    /**
     * Opens an allocator over native memory that starts empty and grows as the allocator asks (for footprint
     * measurements: {@link #committedBytes()} is then what the allocator really took).
     *
     * @param maxByteSize the most the memory may grow to
     * @param allocatorOf memory to allocator
     * @return the subject
     */
    static Subject openGrowable(long maxByteSize, Function<LinearMemory, Allocator> allocatorOf) {
        LinearMemory memory = LinearMemory.ofNative(maxByteSize);
        try {
            return new OffcutSubject(null, memory, allocatorOf.apply(memory));
        } catch (RuntimeException | Error failure) {
            memory.close();
            throw failure;
        }
    }

    /**
     * Opens an allocator over a fresh fixed native heap of {@code heapByteSize} (rounded up to pages).
     *
     * @param heapByteSize the heap size
     * @param allocatorOf  memory to allocator
     * @return the subject
     */
    static Subject open(long heapByteSize, Function<LinearMemory, Allocator> allocatorOf) {
        FixedHeaps.Lease heap = FixedHeaps.lease(heapByteSize);
        LinearMemory memory = LinearMemory.of(heap.segment());
        try {
            return new OffcutSubject(heap, memory, allocatorOf.apply(memory));
        } catch (RuntimeException | Error failure) {
            memory.close();
            heap.close();
            throw failure;
        }
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
    public long address(long handle) {
        return baseAddress + handle;
    }

    /**
     * Returns the concurrent allocator's {@link ConcurrentAllocator#committedByteSize()} (grown bytes - released +
     * Java-heap metadata); for the other allocators, which release nothing and keep their metadata in the memory,
     * the memory's grown bytes (a fixed heap reports its whole size).
     */
    @Override
    public long committedBytes() {
        return allocator instanceof ConcurrentAllocator concurrent ? concurrent.committedByteSize() : memory.byteSize();
    }

    @Override
    public long residentBytes() {
        return Resident.bytes(baseAddress, memory.byteSize());
    }

    @Override
    public long liveBytes() {
        return allocator.stats().allocatedBytes();
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
        if (heap != null) {
            heap.close();
        }
    }

    @Override
    public String toString() {
        return allocator.getClass().getSimpleName();
    }
}
