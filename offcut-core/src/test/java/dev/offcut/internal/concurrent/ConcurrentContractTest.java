package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.LinearMemory;

/** The allocator contract for {@code Allocator.concurrent(memory)}, used from one thread. */
class ConcurrentContractTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.concurrent(memory);
    }

    /** A small-block call is answered from the Java-heap state; only calls that reach the memory throw. */
    @Override
    protected boolean answersSomeCallsWithoutItsMemory() {
        return true;
    }
}
