package dev.offcut.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bulk copy and zeroing on offsets of one segment. */
class MemorySegmentsTest {

    @Test
    void zeroClearsExactlyTheRangeAcrossManyChunks() {
        MemorySegment segment = MemorySegment.ofArray(new byte[300_000]);
        segment.fill((byte) 9);
        MemorySegments.zero(segment, 7, 250_001); // longer than the zero source, odd start and length
        assertEquals(9, segment.get(ValueLayout.JAVA_BYTE, 6));
        for (long i = 7; i < 7 + 250_001; i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != 0) {
                throw new AssertionError("byte " + i + " not zeroed");
            }
        }
        assertEquals(9, segment.get(ValueLayout.JAVA_BYTE, 7 + 250_001));
        MemorySegments.zero(segment, 0, 0);
        assertEquals(9, segment.get(ValueLayout.JAVA_BYTE, 299_999));
    }

    @Test
    void copyHandlesOverlapBothWays() {
        MemorySegment segment = MemorySegment.ofArray(new byte[100]);
        for (int i = 0; i < 100; i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        MemorySegments.copy(segment, 10, 20, 50); // forward overlap
        for (int i = 0; i < 50; i++) {
            assertEquals((byte) (10 + i), segment.get(ValueLayout.JAVA_BYTE, 20 + i));
        }
        MemorySegments.copy(segment, 20, 5, 50); // backward overlap
        for (int i = 0; i < 50; i++) {
            assertEquals((byte) (10 + i), segment.get(ValueLayout.JAVA_BYTE, 5 + i));
        }
        MemorySegments.copy(segment, 0, 1, 0); // nothing
        MemorySegments.copy(segment, 0, 1, -5); // nothing either
    }
}
