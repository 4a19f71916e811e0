package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random sequences against {@link Allocator#freeList(LinearMemory)}. */
class UnsyncFreeListAllocatorPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.freeList(memory);
    }
}
