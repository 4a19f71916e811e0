package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.LinearMemory;

/**
 * The contract for {@link Allocator#freeList(LinearMemory)} over heap memory, which moves to a new array on every
 * grow: the allocator must re-read {@code memory.segment()} after growing, and so must every test.
 */
class UnsyncFreeListAllocatorOnHeapTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.freeList(memory);
    }

    @Override
    protected LinearMemory newMemory(long maxByteSize) {
        return LinearMemory.ofHeap(maxByteSize);
    }
}
