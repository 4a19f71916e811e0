package dev.offcut.internal.binned;

import dev.offcut.internal.Checks;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.LinearMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Helpers shared by the binned allocator's tests. */
final class BinnedTesting {

    private BinnedTesting() {
    }

    /** A fixed memory over a fresh, 64 KiB-aligned native segment of {@code byteSize} bytes, filled with junk. */
    static LinearMemory fixed(long byteSize) {
        MemorySegment segment = Arena.ofAuto().allocate(byteSize, LinearMemory.PAGE_BYTE_SIZE);
        segment.fill((byte) 0xA5); // fixed memories are dirty: nothing may rely on zeros
        return LinearMemory.of(segment);
    }

    /** Returns the check salt in an allocator's superblock. */
    static long salt(BinnedAllocator allocator) {
        return allocator.memory().segment().get(ValueLayout.JAVA_LONG_UNALIGNED,
                allocator.metadataOffset() + BinnedLayout.SB_SALT);
    }

    /** The memory's bytes now. */
    static byte[] snapshot(LinearMemory memory) {
        return memory.segment().toArray(ValueLayout.JAVA_BYTE);
    }

    /** Writes a pattern derived from the offset into a block. */
    static void fill(Allocator allocator, long offset, long byteSize) {
        MemorySegment s = allocator.memory().segment();
        for (long i = 0; i < byteSize; i++) {
            s.set(ValueLayout.JAVA_BYTE, offset + i, (byte) (offset * 31 + i));
        }
    }

    /** Checks the pattern {@link #fill} wrote. */
    static void assertFilled(Allocator allocator, long offset, long byteSize) {
        assertFilled(allocator, offset, byteSize, offset);
    }

    /** Checks the pattern {@link #fill} wrote at {@code filledAt}, now at {@code offset} (a moved block). */
    static void assertFilled(Allocator allocator, long offset, long byteSize, long filledAt) {
        MemorySegment s = allocator.memory().segment();
        for (long i = 0; i < byteSize; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, offset + i) != (byte) (filledAt * 31 + i)) {
                throw new AssertionError("block at " + offset + " changed at byte " + i);
            }
        }
    }

    /**
     * Asserts that {@code call} is refused with IllegalArgumentException and leaves memory, counters and invariants
     * exactly as they were.
     */
    static IllegalArgumentException assertRefusedUnchanged(Allocator allocator, Runnable call) {
        byte[] before = snapshot(allocator.memory());
        AllocatorStats stats = allocator.stats();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertArrayEquals(before, snapshot(allocator.memory()), "a refused call must not change one byte");
        assertEquals(stats, allocator.stats());
        allocator.verify();
        return e;
    }
}
