package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;

/** The allocator contract for the binned allocator with {@link Binning#COMPACT}. */
class BinnedCompactContractTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return BinnedAllocator.builder(memory).binning(Binning.COMPACT).build();
    }
}
