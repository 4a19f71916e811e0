package dev.offcut;

import dev.offcut.internal.binned.BinIndex;

/**
 * How a {@link BinnedAllocator} sorts its free chunks into bins (segregated free lists), chosen once when the
 * allocator is built and stored in its metadata, so that {@link BinnedAllocator#open(LinearMemory)} finds it again.
 *
 * <p>Every binning has one bin per 16-byte chunk size up to a small limit, then a fixed number of bins per power of two,
 * and a last bin for every larger chunk. A bitmap of non-empty bins finds the first bin that is sure to fit a request
 * in a few bit operations. More bins fit requests more closely (less fragmentation, fewer list walks) but make the
 * metadata, which lives in the first bytes of the memory, larger.
 */
public enum Binning {

    /**
     * Tuned for speed on general workloads: 256 bins (14 of 16-byte steps up to 256 bytes, then 8 per power of two
     * up to 256 GiB), a 4-word bitmap, quick lists that recycle freed chunks of up to 1040 bytes (requests up to
     * 1 KiB) without merging them, and 2816 bytes of metadata. The quick lists are emptied (their chunks freed and
     * merged) when an allocation would otherwise fail or grow the memory, and by
     * {@link BinnedAllocator#truncate(long, long)} (so also by {@link BinnedAllocator#resize(long, long)} when it
     * shrinks) and {@link BinnedAllocator#reserved(long)}, so that parked chunks do not count as live.
     */
    DEFAULT,

    /**
     * For small heaps and small metadata, after talc's WebAssembly binning: 64 bins (6 of 16-byte steps up to 128
     * bytes, then 2 per power of two up to 64 GiB), a 1-word bitmap and 768 bytes of metadata. Coarser bins mean
     * more searching within a bin and somewhat more fragmentation.
     */
    COMPACT;

    /**
     * Returns the number of bins.
     *
     * @return 256 for {@link #DEFAULT}, 64 for {@link #COMPACT}
     */
    public int binCount() {
        return BinIndex.of(this).binCount;
    }
}
