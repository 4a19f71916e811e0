package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random sequences against {@code Allocator.confined(Allocator.bump(memory))}. */
class ConfinedAllocatorPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.confined(Allocator.bump(memory));
    }

    @Override
    protected boolean reusesFreedMemory() {
        return false;
    }
}
