package dev.offcut.internal.debug;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random sequences against {@code Allocator.checked(Allocator.freeList(memory))}. */
class UnsyncCheckedAllocatorPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.checked(Allocator.freeList(memory));
    }
}
