package dev.offcut.internal;

import dev.offcut.Allocator;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared argument checks: exact boundaries and messages that name the argument, range and value. */
class ChecksTest {

    @Test
    void byteSizeBoundaries() {
        assertEquals(0, Checks.checkByteSize(0));
        assertEquals(Allocator.MAX_BYTE_SIZE, Checks.checkByteSize(Allocator.MAX_BYTE_SIZE));
        for (long bad : new long[] {-1, Long.MIN_VALUE, Allocator.MAX_BYTE_SIZE + 1, Long.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checks.checkByteSize(bad));
            assertTrue(e.getMessage().contains("byteSize") && e.getMessage().contains(Long.toString(bad))
                    && e.getMessage().contains(Long.toString(Allocator.MAX_BYTE_SIZE)), e.getMessage());
        }
    }

    @Test
    void byteAlignmentBoundaries() {
        for (long good = 1; good <= Allocator.MAX_BYTE_ALIGNMENT; good <<= 1) {
            assertEquals(good, Checks.checkByteAlignment(good));
        }
        for (long bad : new long[] {0, -1, -2, 3, 12, Allocator.MAX_BYTE_ALIGNMENT << 1,
                Allocator.MAX_BYTE_ALIGNMENT + 1, Long.MIN_VALUE, Long.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Checks.checkByteAlignment(bad));
            assertTrue(e.getMessage().contains("byteAlignment") && e.getMessage().contains(Long.toString(bad)),
                    e.getMessage());
        }
    }

    @Test
    void rangeChecksAndAlignUp() {
        assertEquals(5, Checks.checkInRange("count", 5, 5, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checks.checkInRange("count", 6, 0, 5));
        assertTrue(e.getMessage().contains("count") && e.getMessage().contains("[0, 5]")
                && e.getMessage().contains("6"), e.getMessage());
        assertEquals(0, Checks.alignUp(0, 16));
        assertEquals(16, Checks.alignUp(1, 16));
        assertEquals(16, Checks.alignUp(16, 16));
        assertEquals(1L << 32, Checks.alignUp(1, 1L << 32));
        assertEquals(Allocator.MAX_BYTE_SIZE + 1, Checks.alignUp(Allocator.MAX_BYTE_SIZE, 1L << 32));
        assertTrue(Checks.notABlock(64, "why").getMessage().contains("64"));
    }
}
