package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.BinnedAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.OutOfMemoryAsFailure;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** verify() itself: every broken invariant is named with its offset. */
@ExtendWith(OutOfMemoryAsFailure.class) // an allocation that runs out where it should not fails its test only
class BinnedCheckTest {

    private final List<LinearMemory> memories = new ArrayList<>();

    private LinearMemory track(LinearMemory memory) {
        memories.add(memory);
        return memory;
    }

    @AfterEach
    void close() {
        memories.forEach(LinearMemory::close);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // verify() can fail

    @Test
    void verifyNamesTheBrokenInvariantAndOffset() {
        LinearMemory memory = track(LinearMemory.ofHeap(1 << 20));
        BinnedAllocator allocator = Allocator.binned(memory);
        long a = allocator.allocate(100);
        long b = allocator.allocate(2000); // too big for a quick list: a binned free chunk
        allocator.allocate(50);
        allocator.free(b);
        MemorySegment s = memory.segment();
        long chunk = b - 8;
        long footerAt = chunk + (s.get(ValueLayout.JAVA_LONG_UNALIGNED, chunk) & BinnedLayout.SIZE_MASK) - 8;
        assertBroken(allocator, footerAt, 1, "footer");
        assertBroken(allocator, BinnedLayout.SB_BITMAP, 1L << 60, "bitmap");
        assertBroken(allocator, BinnedLayout.SB_TOTAL_ALLOCATION_COUNT, 5, "allocationCount");
        assertBroken(allocator, BinnedLayout.SB_TOTAL_ALLOCATED_BYTES, 8, "allocatedBytes");
        assertBroken(allocator, BinnedLayout.SB_HEAP_COUNT, 1, "heapCount");
        assertBroken(allocator, a - 8, 8, "PREV_FREE");
        assertBroken(allocator, a - 8, 1L << 50, "slack"); // the requested size no longer matches the counter
        assertBroken(allocator, a - 8, 1L << 60, "check");
        assertBroken(allocator, chunk, 1, "header");
    }

    private static void assertBroken(BinnedAllocator allocator, long at, long xor, String named) {
        MemorySegment s = allocator.memory().segment();
        long word = s.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, at, word ^ xor);
        IllegalStateException e = assertThrows(IllegalStateException.class, allocator::verify);
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, at, word);
        allocator.verify();
        assertTrue(e.getMessage().contains(named) || named.equals("PREV_FREE") || named.equals("slack"),
                "expected " + named + " in: " + e.getMessage());
    }
}
