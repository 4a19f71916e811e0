package dev.offcut.internal.binned;

import dev.offcut.Binning;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Exhaustive checks of the size-to-bin arithmetic over its whole small domain. */
class BinIndexTest {

    /** Every chunk size (multiple of 16, at least 32) up to 16 MiB maps monotonically, without skipping bins. */
    @ParameterizedTest
    @EnumSource(Binning.class)
    void everyChunkSizeToSixteenMebibytesMapsMonotonicallyWithoutGaps(Binning binning) {
        BinIndex bins = BinIndex.of(binning);
        int previous = bins.binOf(32);
        assertEquals(0, previous, "the smallest chunk is in bin 0");
        for (long size = 32 + CHUNK_UNIT; size <= 16L << 20; size += CHUNK_UNIT) {
            int bin = bins.binOf(size);
            if (bin != previous && bin != previous + 1) {
                fail("size " + size + " maps to bin " + bin + " after bin " + previous);
            }
            if (bin != previous) {
                assertEquals(size, bins.lowerBound(bin), "the first size of bin " + bin);
            }
            previous = bin;
        }
    }

    /**
     * Each bin's lower bound is a chunk size and maps to it, the chunk size below maps to the bin before (so every bin
     * can hold chunks); the last bin takes everything.
     */
    @ParameterizedTest
    @EnumSource(Binning.class)
    void everyBinsBoundsAreExact(Binning binning) {
        BinIndex bins = BinIndex.of(binning);
        assertEquals(binning.binCount(), bins.binCount);
        for (int bin = 0; bin < bins.binCount; bin++) {
            long low = bins.lowerBound(bin);
            assertEquals(0, low % CHUNK_UNIT, "bounds are chunk sizes");
            assertEquals(bin, bins.binOf(low), "lowerBound(" + bin + ")");
            if (bin > 0) {
                assertEquals(bin - 1, bins.binOf(low - CHUNK_UNIT), "size below bin " + bin);
                assertTrue(low > bins.lowerBound(bin - 1));
            }
            if (bin < bins.binCount - 1) {
                assertEquals(bin, bins.binOf(bins.lowerBound(bin + 1) - CHUNK_UNIT), "last size of bin " + bin);
            }
        }
        long top = bins.lowerBound(bins.binCount - 1);
        for (long size : new long[] {top, top + 16, top * 2, 1L << 47, (1L << 48) - 16, Long.MAX_VALUE / 2}) {
            assertEquals(bins.binCount - 1, bins.binOf(size), "size " + size + " is in the last bin");
        }
    }

    /**
     * For every request size up to 1 MiB, and at every bin boundary: the ceiling bin's smallest chunk fits it, and it
     * is the lowest such bin (so taking a head from it never wastes a better bin).
     */
    @ParameterizedTest
    @EnumSource(Binning.class)
    void ceilingBinIsTheLowestBinWhoseEveryChunkFits(Binning binning) {
        BinIndex bins = BinIndex.of(binning);
        for (long need = 32; need <= 1L << 20; need += 8) {
            checkCeiling(bins, need);
        }
        for (int bin = 1; bin < bins.binCount; bin++) {
            long low = bins.lowerBound(bin);
            checkCeiling(bins, low);
            checkCeiling(bins, low - 8);
            checkCeiling(bins, low + 8);
        }
        long top = bins.lowerBound(bins.binCount - 1);
        assertEquals(bins.binCount, bins.ceilBinOf(top + 8), "past the last bound no bin guarantees a fit");
    }

    private static void checkCeiling(BinIndex bins, long need) {
        int ceil = bins.ceilBinOf(need);
        if (ceil < bins.binCount) {
            assertTrue(bins.lowerBound(ceil) >= need, "bin " + ceil + " holds chunks smaller than " + need);
        }
        if (ceil > 0) {
            int below = Math.min(ceil - 1, bins.binCount - 1);
            assertTrue(bins.lowerBound(below) < need || ceil == bins.binCount,
                    "bin " + below + " already guarantees " + need);
        }
    }

    /** The superblock sizes the Binning Javadoc promises, and that ids round-trip. */
    @ParameterizedTest
    @EnumSource(Binning.class)
    void superblockSizesAndIdsAreAsDocumented(Binning binning) {
        BinIndex bins = BinIndex.of(binning);
        assertEquals(binning == Binning.DEFAULT ? 2816 : 768, bins.superblockByteSize());
        assertEquals(bins, BinIndex.ofId(bins.id));
        assertEquals(binning, bins.binning());
    }
}
