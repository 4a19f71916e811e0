package dev.offcut.internal.debug;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.LinearMemory;

/**
 * The contract for {@code Allocator.checked(Allocator.bump(memory))}: the bump allocator cannot tell a bad free, the
 * checked wrapper can, so every kind of bad free must be refused (the default hooks).
 */
class UnsyncCheckedBumpAllocatorTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.checked(Allocator.bump(memory));
    }

    @Override
    protected boolean reusesFreedMemory() {
        return false;
    }
}
