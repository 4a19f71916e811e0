package dev.offcut.internal.binned;

import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The defects an adversarial review of the binned allocator found (issue 13, "Defects"), one test or more each; every
 * test here failed before its fix. Corruption is made by writing words of the memory directly, as a stray write or a
 * flipped bit would.
 */
class BinnedHardeningTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    static long word(LinearMemory memory, long offset) {
        return memory.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    static void putWord(LinearMemory memory, long offset, long value) {
        memory.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
    }

    static void assertMessageNames(RuntimeException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(part),
                    () -> "the message should name \"" + part + "\": " + e.getMessage());
        }
    }

    // Defect 6 ------------------------------------------------------------------------------------------------------

    @Test
    void aMetadataOffsetWithNoRoomForTheMetadataInTheMemorysMaximumIsRefused() {
        for (Binning binning : Binning.values()) {
            for (MemorySource source : new MemorySource[] {MemorySource.growAndExtend(), MemorySource.manual()}) {
                LinearMemory memory = LinearMemory.ofHeap(4 * PAGE, PAGE);
                long superblock = BinIndex.of(binning).superblockByteSize();
                for (long offset : new long[] {Long.MAX_VALUE & -64, (Long.MAX_VALUE - superblock) & -64,
                        4 * PAGE - superblock + 64}) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> BinnedAllocator.builder(memory).binning(binning).source(source)
                                    .metadataOffset(offset).build());
                    assertMessageNames(e, "metadataOffset", String.valueOf(offset));
                }
                // The last place the maximum holds is accepted (a growing source grows to it with the first
                // allocation; a manual one needs the bytes now).
                long last = (4 * PAGE - superblock) & -64;
                if (source == MemorySource.growAndExtend()) {
                    assertEquals(last, BinnedAllocator.builder(memory).binning(binning).source(source)
                            .metadataOffset(last).build().metadataOffset());
                } else {
                    assertThrows(IllegalStateException.class, () -> BinnedAllocator.builder(memory)
                            .binning(binning).source(source).metadataOffset(last).build());
                }
            }
        }
    }

    // Defect 5 ------------------------------------------------------------------------------------------------------

    @Test
    void verifyOnACorruptHeapListThrowsIllegalStateException() {
        for (long bad : new long[] {1L << 40, Long.MAX_VALUE - 7, -8, 4 * PAGE - 8, 4 * PAGE + 8, 12}) {
            for (boolean first : new boolean[] {true, false}) {
                LinearMemory memory = BinnedTesting.fixed(4 * PAGE);
                BinnedAllocator a = BinnedAllocator.builder(memory).source(MemorySource.manual()).build();
                long heap = a.claim(PAGE, PAGE);
                a.claim(2 * PAGE, PAGE);
                a.allocate(100);
                long at = first ? a.metadataOffset() + BinnedLayout.SB_FIRST_HEAP : heap + BinnedLayout.HEAP_NEXT;
                putWord(memory, at, bad);
                IllegalStateException e = assertThrows(IllegalStateException.class, a::verify,
                        () -> "heap link " + bad);
                assertMessageNames(e, "heap");
            }
        }
    }
}
