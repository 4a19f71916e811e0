package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random operation sequences against {@code Allocator.locked(Allocator.binned(memory))}, checked against the model. */
class BinnedLockedPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.locked(Allocator.binned(memory));
    }
}
