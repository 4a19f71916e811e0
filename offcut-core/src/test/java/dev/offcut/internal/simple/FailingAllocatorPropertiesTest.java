package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random sequences against {@link Allocator#failing()}: every allocation must fail. */
class FailingAllocatorPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.failing();
    }

    @Override
    protected boolean allocates() {
        return false;
    }
}
