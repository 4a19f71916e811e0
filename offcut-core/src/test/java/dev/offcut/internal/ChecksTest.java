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

    @Test
    void messagesReadNameMustBeInRangeWasValue() {
        assertEquals("byteSize must be in [0, 4611686018427387903], was -1",
                assertThrows(IllegalArgumentException.class, () -> Checks.checkByteSize(-1)).getMessage());
        assertEquals("newByteSize must be in [0, 4611686018427387903], was -1",
                assertThrows(IllegalArgumentException.class, () -> Checks.checkByteSize("newByteSize", -1))
                        .getMessage());
        assertEquals("count must be in [0, 5], was 6",
                assertThrows(IllegalArgumentException.class, () -> Checks.checkInRange("count", 6, 0, 5))
                        .getMessage());
        assertEquals("byteAlignment must be a power of two in [1, 4294967296], was 3",
                assertThrows(IllegalArgumentException.class, () -> Checks.checkByteAlignment(3)).getMessage());
        assertEquals("byteSize 25 is not the size of the block at offset 2848 (24)",
                Checks.wrongBlockSize(2848, 25, 24).getMessage());
    }
}
