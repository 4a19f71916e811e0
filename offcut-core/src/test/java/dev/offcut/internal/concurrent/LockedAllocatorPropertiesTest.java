package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random sequences against {@code Allocator.locked(Allocator.freeList(memory))}. */
class LockedAllocatorPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.locked(Allocator.freeList(memory));
    }
}
