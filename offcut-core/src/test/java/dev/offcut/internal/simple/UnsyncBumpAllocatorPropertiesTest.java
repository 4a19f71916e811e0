package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random sequences against {@link Allocator#bump(LinearMemory)}. */
class UnsyncBumpAllocatorPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.bump(memory);
    }

    @Override
    protected boolean reusesFreedMemory() {
        return false;
    }
}
