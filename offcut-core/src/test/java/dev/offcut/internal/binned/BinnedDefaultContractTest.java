package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.LinearMemory;

/** The allocator contract for {@code Allocator.binned(memory)} (Binning.DEFAULT). */
class BinnedDefaultContractTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.binned(memory);
    }
}
