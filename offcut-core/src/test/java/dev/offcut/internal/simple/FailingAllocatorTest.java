package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/** The contract for {@link Allocator#failing()}: every allocation fails, nothing else breaks. */
class FailingAllocatorTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.failing();
    }

    @Override
    protected boolean allocates() {
        return false;
    }

    @Override
    protected boolean answersSomeCallsWithoutItsMemory() {
        return true; // it never needs memory
    }

    @Test
    void closingOneFailingAllocatorsMemoryLeavesOthersWorking() {
        Allocator first = Allocator.failing();
        Allocator second = Allocator.failing();
        assertNotSame(first.memory(), second.memory());
        first.memory().close();
        assertEquals(0, second.memory().byteSize());
        assertEquals(0, second.tryAllocate(8, 8));
    }

    @Test
    void isStatelessOverAnEmptyMemory() {
        assertEquals(0, Allocator.failing().memory().byteSize());
        assertEquals(0, Allocator.failing().memory().maxByteSize());
        assertEquals(new AllocatorStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), Allocator.failing().stats());
    }
}
