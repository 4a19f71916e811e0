package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.LinearMemory;

/** The allocator contract for {@code Allocator.locked(Allocator.binned(memory))}. */
class BinnedLockedContractTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.locked(Allocator.binned(memory));
    }
}
