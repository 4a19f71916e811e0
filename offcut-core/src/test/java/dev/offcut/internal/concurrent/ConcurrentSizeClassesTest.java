package dev.offcut.internal.concurrent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The size-class arithmetic, exhaustively: every size up to 32 KiB, every alignment, every offset in a span. */
class ConcurrentSizeClassesTest {

    @Test
    void everySizeGetsTheSmallestClassThatHoldsIt() {
        for (long size = 0; size <= SizeClasses.MAX_BLOCK_SIZE; size++) {
            int c = SizeClasses.classOf(size);
            assertEquals(SizeClasses.arithmeticClassOf(size), c, "table and arithmetic agree at " + size);
            int block = SizeClasses.blockSize(c);
            if (block < size) {
                fail("class " + c + " of " + block + " B is too small for " + size);
            }
            if (c > 0 && SizeClasses.blockSize(c - 1) >= size) {
                fail("class " + (c - 1) + " would hold " + size + " too");
            }
            if (size > 128 && block * 4 >= size * 5) {
                fail("waste above 1.25 for " + size + " in " + block);
            }
            if (block % 16 != 0) {
                fail("block size " + block + " is not 16-aligned");
            }
        }
        assertEquals(SizeClasses.COUNT - 1, SizeClasses.classOf(SizeClasses.MAX_BLOCK_SIZE));
        assertEquals(-1, SizeClasses.classFor(SizeClasses.MAX_BLOCK_SIZE + 1, 8));
    }

    @Test
    void everyAlignmentGetsTheSmallestAlignedClass() {
        for (long alignment = 1; alignment <= 1L << 20; alignment <<= 1) {
            for (long size = 0; size <= SizeClasses.MAX_BLOCK_SIZE + 1; size++) {
                int c = SizeClasses.classFor(size, alignment);
                if (size > SizeClasses.MAX_BLOCK_SIZE || alignment > SizeClasses.MAX_ALIGNMENT) {
                    assertEquals(-1, c, "no class for " + size + " aligned to " + alignment);
                    continue;
                }
                int block = SizeClasses.blockSize(c);
                if (block < size || block % Math.max(16, alignment) != 0) {
                    fail(size + " aligned to " + alignment + " got " + block);
                }
                for (int smaller = 0; smaller < c; smaller++) {
                    int b = SizeClasses.blockSize(smaller);
                    if (b >= size && b % alignment == 0) {
                        fail("class " + smaller + " (" + b + ") also serves " + size + " aligned to " + alignment);
                    }
                }
            }
        }
    }

    @Test
    void spansHoldAtLeastEightBlocksAndTheReciprocalDividesExactly() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int block = SizeClasses.blockSize(c);
            long spanBytes = SizeClasses.spanBytes(SizeClasses.kind(c));
            assertTrue(SizeClasses.blocks(c) >= 8, "class " + c);
            assertEquals(spanBytes / block, SizeClasses.blocks(c));
            assertTrue(SizeClasses.blocks(c) <= SizeClasses.MAX_BLOCKS);
            long reciprocal = SizeClasses.reciprocal(c);
            for (long relative = 0; relative < spanBytes; relative++) {
                if (SizeClasses.index(relative, reciprocal) != relative / block) {
                    fail("class " + c + ": " + relative + " / " + block + " computed as "
                            + SizeClasses.index(relative, reciprocal));
                }
            }
        }
    }

    @Test
    void slackIsKeptExactlyForEveryRequestOfEveryClass() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span s = new Span(SizeClasses.kind(c), 1);
            s.fitArrays(c);
            s.format(c, null, null);
            int last = s.blockCount - 1;
            for (int size = 0; size <= s.blockSize; size++) {
                s.setRequestedSize(last, size);
                if (s.requestedSize(last) != size) {
                    fail("class " + c + " keeps " + size + " as " + s.requestedSize(last));
                }
            }
        }
    }
}
