package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random sequences against {@link Allocator#pages(LinearMemory)}. */
class UnsyncPageAllocatorPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.pages(memory);
    }

    @Override
    protected boolean reusesFreedMemory() {
        return false;
    }

    @Override
    protected LinearMemory newSmallMemory() {
        return LinearMemory.ofNative(16 * LinearMemory.PAGE_BYTE_SIZE);
    }
}
