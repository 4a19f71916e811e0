package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorModelProperties;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;

/** Random operation sequences against the binned allocator with {@link Binning#COMPACT}, checked against the model. */
class BinnedCompactPropertiesTest extends AllocatorModelProperties {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return BinnedAllocator.builder(memory).binning(Binning.COMPACT).build();
    }
}
