package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.LinearMemory;

/** Random operation sequences against {@code Allocator.binned(memory)} (Binning.DEFAULT), checked against the model. */
class BinnedDefaultPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.binned(memory);
    }
}
