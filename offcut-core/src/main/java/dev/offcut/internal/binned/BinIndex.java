package dev.offcut.internal.binned;

import dev.offcut.Binning;

/**
 * The size-to-bin arithmetic of the binned allocator: one bin per 16-byte size step up to a power of two
 * {@code 2^linearLimitShift}, then {@code 2^divisionShift} equal bins per power of two, the last bin taking every
 * larger size. This is talc's "linear extent, then linearly divided exponential" scheme (also TLSF's two-level
 * split), re-derived for 16-byte chunk units and a 32-byte minimum chunk.
 *
 * <pre>
 *   E = 2^linearLimitShift, D = 2^divisionShift, L = E / 16 - 2 linear bins
 *   size &lt; E:   bin = size / 16 - 2                     (32 -&gt; 0, 48 -&gt; 1, ..., E - 16 -&gt; L - 1)
 *   size &gt;= E:  g = floor(log2 size)
 *               bin = L + (g - log2 E) * D + (size &gt;&gt; (g - log2 D)) - D    (the D bits below the top bit pick
 *               the division), capped at binCount - 1
 * </pre>
 *
 * <p>Chunks in bin {@code b < binCount - 1} have sizes in {@code [lowerBound(b), lowerBound(b + 1))}. So every chunk
 * in a bin at or above {@link #ceilBinOf(long) ceilBinOf(n) = binOf(n - 1) + 1} is at least {@code n} bytes: the
 * allocator takes the head of the first non-empty such bin without looking at its size. Sizes below 32 map to
 * negative bins, which only {@code ceilBinOf(32) = 0} relies on. Every exponential division is at least 16 bytes
 * wide ({@code linearLimitShift - divisionShift >= 4}), so chunk sizes, multiples of 16, fall in every bin.
 */
public final class BinIndex {

    /**
     * Binning.DEFAULT: 14 linear bins to 256 B, then 8 per power of two; 256 bins (4 bitmap words), to 256 GiB; quick
     * lists for chunk sizes 32 to 1040 (requests up to 1 KiB, as glibc's tcache), because lists that large made the
     * small-block pair and random-action workloads as fast as malloc, for a fifth of a point of heap efficiency
     * (parked chunks do not merge); measurements in docs/notes/2026-11-21-binned-tuning.md, "quick lists". DEFAULT
     * is the speed configuration; better-fit looks from 16 KiB.
     */
    public static final BinIndex DEFAULT = new BinIndex(0, 8, 3, 256, 64, 16 * 1024);
    /**
     * Binning.COMPACT: 6 linear bins to 128 B, then 2 per power of two; 64 bins (one bitmap word), to 64 GiB;
     * better-fit looks in every exponential bin (its bins are wide: a look pays at every size there).
     */
    public static final BinIndex COMPACT = new BinIndex(1, 7, 1, 64, 0, 128);

    /** The id stored in the superblock. */
    public final int id;
    /** log2 of the first size of the exponential region. */
    public final int linearLimitShift;
    /** log2 of the divisions per power of two. */
    public final int divisionShift;
    /** The number of bins, a multiple of 64. */
    public final int binCount;
    /** The number of linear bins, {@code 2^linearLimitShift / 16 - 2}. */
    public final int linearBinCount;
    /** The number of 64-bit bitmap words. */
    public final int bitmapWordCount;
    /** The number of quick lists, for chunk sizes {@code 32 + 16 * i}; 0 for none. */
    public final int quickClassCount;
    /** The largest chunk size parked in a quick list, or 0 if there are none. */
    public final long quickMaxChunkSize;
    /**
     * The smallest chunk size whose allocation gets a bounded better-fit look. With DEFAULT's narrow bins most of the
     * look's heap-efficiency gain comes from chunks of 16 KiB and more, and below them it would put up to 16 more
     * reads on the common sizes' path for little; COMPACT's wide bins gain from 128 B. Measurements on talc's
     * heap-efficiency workload in docs/notes/2026-11-21-binned-tuning.md, "better-fit thresholds".
     */
    public final long betterFitMinChunkSize;

    private BinIndex(int id, int linearLimitShift, int divisionShift, int binCount, int quickClassCount,
            long betterFitMinChunkSize) {
        if (linearLimitShift - divisionShift < 4 || binCount % 64 != 0) {
            throw new IllegalArgumentException("bad binning parameters");
        }
        this.id = id;
        this.linearLimitShift = linearLimitShift;
        this.divisionShift = divisionShift;
        this.binCount = binCount;
        this.linearBinCount = (1 << linearLimitShift) / 16 - 2;
        this.bitmapWordCount = binCount >>> 6;
        this.quickClassCount = quickClassCount;
        this.quickMaxChunkSize = quickClassCount == 0 ? 0 : 32 + 16L * (quickClassCount - 1);
        this.betterFitMinChunkSize = betterFitMinChunkSize;
    }

    /**
     * Returns the superblock's byte size for this binning.
     *
     * @return the byte size
     */
    public int superblockByteSize() {
        return BinnedLayout.superblockByteSize(binCount, quickClassCount);
    }

    /**
     * Returns the arithmetic for a public binning.
     *
     * @param binning the binning
     * @return its arithmetic
     */
    public static BinIndex of(Binning binning) {
        return switch (binning) {
            case DEFAULT -> DEFAULT;
            case COMPACT -> COMPACT;
        };
    }

    /**
     * Returns the arithmetic stored under an id, or {@code null}.
     *
     * @param id an id from a superblock
     * @return the arithmetic, or {@code null} if the id is unknown
     */
    public static BinIndex ofId(long id) {
        return id == 0 ? DEFAULT : id == 1 ? COMPACT : null;
    }

    /**
     * Returns the public binning this arithmetic implements.
     *
     * @return the binning
     */
    public Binning binning() {
        return id == 0 ? Binning.DEFAULT : Binning.COMPACT;
    }

    /**
     * Returns the bin a free chunk of {@code size} bytes belongs in.
     *
     * @param size a size {@code >= 31} (chunk sizes are {@code >= 32}; {@code 31} comes from {@code ceilBinOf(32)})
     * @return the bin, in {@code [-1, binCount - 1]}
     */
    public int binOf(long size) {
        if (size < (1L << linearLimitShift)) {
            return (int) (size >>> 4) - 2;
        }
        int log2 = 63 - Long.numberOfLeadingZeros(size);
        int bin = linearBinCount + ((log2 - linearLimitShift) << divisionShift)
                + (int) (size >>> (log2 - divisionShift)) - (1 << divisionShift);
        return Math.min(bin, binCount - 1);
    }

    /**
     * Returns the lowest bin whose every chunk has at least {@code size} bytes, or {@code binCount} if no bin
     * guarantees that (then the last bin must be searched).
     *
     * @param size a chunk size {@code >= 32}
     * @return the bin, in {@code [0, binCount]}
     */
    public int ceilBinOf(long size) {
        return binOf(size - 1) + 1;
    }

    /**
     * Returns the smallest chunk size of a bin.
     *
     * @param bin a bin in {@code [0, binCount - 1]}
     * @return the smallest size the bin holds
     */
    public long lowerBound(int bin) {
        if (bin < linearBinCount) {
            return (bin + 2L) * 16;
        }
        int k = bin - linearBinCount;
        long levelBase = 1L << (linearLimitShift + (k >>> divisionShift));
        return levelBase + (k & ((1 << divisionShift) - 1)) * (levelBase >>> divisionShift);
    }
}
