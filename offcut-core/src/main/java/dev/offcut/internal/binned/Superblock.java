package dev.offcut.internal.binned;

import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;
import dev.offcut.internal.MemorySegments;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;

import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static dev.offcut.internal.binned.BinnedLayout.HEAP_OVERHEAD_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.SB_BITMAP;
import static dev.offcut.internal.binned.BinnedLayout.SB_BYTE_SIZE;
import static dev.offcut.internal.binned.BinnedLayout.SB_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_HEAPS_LOW;
import static dev.offcut.internal.binned.BinnedLayout.SB_MAGIC;
import static dev.offcut.internal.binned.BinnedLayout.SB_SALT;
import static dev.offcut.internal.binned.BinnedLayout.SB_TOTAL_CLAIMED_BYTES;
import static dev.offcut.internal.binned.BinnedLayout.SB_VERSION_BINNING;
import static dev.offcut.internal.binned.BinnedLayout.WORD;

/**
 * The metadata superblock's life (layout: {@link BinnedLayout}): its first write, for a pending allocator (one built
 * over a memory too small for it, or claimed before its first allocation) its move to pages of its own when someone
 * else grew the memory first, and, for {@code open}, finding it again and checking its header. Static functions of
 * the {@link ChunkStore} whose superblock it is.
 */
final class Superblock {

    private Superblock() {
    }

    /** Moves a pending allocator's superblock, before anything is written. */
    static void relocate(ChunkStore c, long newMeta) {
        c.meta = newMeta;
        c.salt = newSalt(newMeta);
        c.bitmapBase = newMeta + SB_BITMAP;
        c.headsBase = newMeta + BinnedLayout.binHeadsOffset(c.binCount);
        c.quickBase = newMeta + BinnedLayout.quickHeadsOffset(c.binCount);
    }

    /**
     * A fresh salt for a superblock at {@code meta}: random per build (and per relocation before the first write), so
     * that the tags of an earlier allocator over the same bytes -- built again rather than reopened -- or of a nested
     * allocator match this one's only by chance (2<sup>-10</sup> per word), never by construction. Reopening reads the
     * stored salt. Not a secret: it only has to differ.
     */
    static long newSalt(long meta) {
        return mix(meta ^ ThreadLocalRandom.current().nextLong());
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** Writes a fresh superblock; for growing sources, the memory's bytes above it become the first heap. */
    static void initialize(ChunkStore c, MemorySource source) {
        initialize(c, source, c.memory.byteSize() & -CHUNK_UNIT);
    }

    /**
     * Writes a fresh superblock; for growing sources, the bytes from its end up to {@code end} (a multiple of 16)
     * become the first heap.
     */
    private static void initialize(ChunkStore c, MemorySource source, long end) {
        writeSuperblock(c);
        if (MemorySources.growing(source)) {
            long base = c.meta + c.metaSize;
            if (end >= BinnedLayout.minHeapEnd(base)) {
                BinnedHeaps.claimRegion(c, base, end);
            }
        }
    }

    /** Writes a fresh superblock with no heap; the allocator is ready from then on. */
    static void writeSuperblock(ChunkStore c) {
        MemorySegment s = c.refresh();
        MemorySegments.zero(s, c.meta, c.metaSize);
        s.set(WORD, c.meta + SB_MAGIC, BinnedLayout.MAGIC);
        s.set(WORD, c.meta + SB_VERSION_BINNING, ((long) BinnedLayout.LAYOUT_VERSION << 32) | c.bins.id);
        s.set(WORD, c.meta + SB_SALT, c.salt);
        s.set(WORD, c.meta + SB_BYTE_SIZE, c.metaSize);
        s.set(WORD, c.meta + SB_HEAPS_LOW, Long.MAX_VALUE);
        s.set(WORD, c.meta + SB_CLAIMED_BYTES, c.metaSize);
        s.set(WORD, c.meta + SB_TOTAL_CLAIMED_BYTES, c.metaSize);
        c.ready = true;
    }

    /**
     * For a pending allocator: grows the memory for the superblock and a chunk of {@code want} bytes, once. Other
     * sharers of the memory may grow it at any moment, also between our look at its size and our grow, or between
     * our grow and our first write: the grow's return value is the only sure word on which pages are ours, so every
     * heap ends at the end of our pages or at the size we looked at, never at a size read later.
     * <ul>
     *   <li>Relocatable (no metadata offset given): the superblock goes at the start of our pages (offset 0 when the
     *       memory was empty and no one grew it first), the first heap after it, up to the end of our pages.</li>
     *   <li>An explicit metadata offset: the caller vouches for the bytes at it that exist when we look (as when
     *       they grew the memory for it themselves), so the superblock goes there if it lies in those bytes or in
     *       our pages; if it would reach into pages someone else's grow added between our look and ours, nothing is
     *       written, the allocation fails and the allocator stays pending (the pages our grow added stay unused).
     *       Heaps: the bytes after the superblock up to the size we looked at, and our pages.</li>
     * </ul>
     */
    static boolean initializeByGrowing(ChunkStore c, MemorySource source, long want) {
        if (c.relocatable) {
            long pages = BinnedHeaps.pagesFor(c.metaSize + HEAP_OVERHEAD_BYTE_SIZE + want);
            long before = c.memory.grow(pages);
            if (before < 0) {
                return false;
            }
            long base = before << LinearMemory.PAGE_SHIFT;
            if (base != c.meta) {
                relocate(c, base); // someone else grew the memory first: the superblock's place is theirs
            }
            initialize(c, source, (before + pages) << LinearMemory.PAGE_SHIFT);
            return true;
        }
        long now = c.memory.byteSize();
        long missing = c.meta + c.metaSize + HEAP_OVERHEAD_BYTE_SIZE + want - now;
        if (missing <= 0) {
            initialize(c, source, now & -CHUNK_UNIT); // someone (the caller) grew the memory enough since the build
            return true;
        }
        long pages = BinnedHeaps.pagesFor(missing);
        long before = c.memory.grow(pages);
        if (before < 0) {
            return false;
        }
        long base = before << LinearMemory.PAGE_SHIFT;
        long end = (before + pages) << LinearMemory.PAGE_SHIFT;
        if (base == now || c.meta >= base) {
            initialize(c, source, end); // [meta, end) is the caller's bytes and our pages, in one piece
            return true;
        }
        // Someone else's grow landed between our look and ours: [now, base) is theirs.
        if (c.meta + c.metaSize > now) {
            return false; // the superblock would reach into it
        }
        initialize(c, source, now & -CHUNK_UNIT);
        if (MemorySources.growing(source)) {
            BinnedHeaps.claimRegion(c, base, end);
        }
        return true;
    }

    /**
     * Finds the superblock of an allocator reopened without a metadata offset: at offset 0, where {@code build()}
     * puts it; else at the one page start that holds one, where a growing allocator moves it when someone else grew
     * the memory before its first allocation. Returns 0 (for open's own error) if none is found; throws if two are.
     * Scans at most one word per page, and only when offset 0 holds no superblock.
     */
    static long find(MemorySegment s) {
        if (s.byteSize() < BinnedLayout.SB_BITMAP || s.get(WORD, SB_MAGIC) == BinnedLayout.MAGIC) {
            return 0;
        }
        long found = -1;
        for (long at = LinearMemory.PAGE_BYTE_SIZE; at <= s.byteSize() - BinnedLayout.SB_BITMAP;
                at += LinearMemory.PAGE_BYTE_SIZE) {
            if (s.get(WORD, at + SB_MAGIC) == BinnedLayout.MAGIC
                    && s.get(WORD, at + SB_VERSION_BINNING) >>> 32 == BinnedLayout.LAYOUT_VERSION) {
                if (found >= 0) {
                    throw new IllegalArgumentException("binned-allocator metadata at offsets " + found + " and "
                            + at + ": name one with builder(memory).metadataOffset(...)");
                }
                found = at;
            }
        }
        return Math.max(found, 0);
    }

    /**
     * Checks the superblock {@code open} found at {@code meta}: magic, layout version, a known binning whose
     * superblock size it records and the memory holds, and the binning expected (if any).
     *
     * @return the superblock's binning arithmetic
     */
    static BinIndex checkedBinIndex(MemorySegment s, long meta, Binning binning) {
        if (meta < 0 || meta > s.byteSize() - BinnedLayout.SB_BITMAP
                || s.get(WORD, meta + SB_MAGIC) != BinnedLayout.MAGIC) {
            throw new IllegalArgumentException("no binned-allocator metadata at offset " + meta);
        }
        long versionBinning = s.get(WORD, meta + SB_VERSION_BINNING);
        long version = versionBinning >>> 32;
        if (version != BinnedLayout.LAYOUT_VERSION) {
            throw new IllegalArgumentException("binned-allocator metadata at offset " + meta + " has layout version "
                    + version + ", but this build reads only layout version " + BinnedLayout.LAYOUT_VERSION
                    + (version < BinnedLayout.LAYOUT_VERSION
                            ? ": the memory was written by an older Offcut, whose chunk tags this one does not accept"
                            : ": the memory was written by a newer Offcut"));
        }
        BinIndex bins = BinIndex.ofId(versionBinning & 0xFFFF_FFFFL);
        if (bins == null || s.get(WORD, meta + SB_BYTE_SIZE) != bins.superblockByteSize()
                || meta + bins.superblockByteSize() > s.byteSize()) {
            throw new IllegalArgumentException("corrupt binned-allocator metadata at offset " + meta);
        }
        if (binning != null && bins.binning() != binning) {
            throw new IllegalArgumentException("the memory's allocator uses Binning." + bins.binning()
                    + ", not Binning." + binning);
        }
        return bins;
    }

    /**
     * A claim before the first allocation, when there is no superblock yet. The memory grew since the build (else
     * it could not hold the region), and the bytes it grew may be someone else's, so nothing is written until the
     * region passes every check, and only the superblock and the region are written: unlike the first allocation,
     * a claim never takes the rest of the memory as a heap. A relocatable allocator (built without a metadata
     * offset) whose memory someone else grew puts its superblock at the first page start in the region, where
     * {@code open(memory)} looks for it, and makes the rest of the region a heap: the bytes after the superblock, and
     * those before it if they make a heap of the minimum size.
     */
    static long claimFirst(ChunkStore c, long offset, long byteSize) {
        BinnedHeaps.checkClaim(c, offset, byteSize);
        long base = BinnedHeaps.claimBase(offset);
        long end = BinnedHeaps.claimEnd(offset, byteSize);
        if (c.relocatable && c.memory.byteSize() != c.memoryByteSizeAtBuild) {
            long newMeta = (base + LinearMemory.PAGE_BYTE_SIZE - 1) & -LinearMemory.PAGE_BYTE_SIZE;
            long heapBase = newMeta + c.metaSize;
            if (end > c.memory.byteSize() || end < BinnedLayout.minHeapEnd(heapBase)) {
                throw new IllegalArgumentException("region [" + base + ", " + end + ") of the " + c.memory.byteSize()
                        + "-byte memory cannot hold this allocator's " + c.metaSize + "-byte metadata at a page start "
                        + "and a heap after it: it needs [" + base + ", " + BinnedLayout.minHeapEnd(heapBase)
                        + ") at least");
            }
            relocate(c, newMeta);
            writeSuperblock(c);
            long below = newMeta & -CHUNK_UNIT;
            if (below >= BinnedLayout.minHeapEnd(base)) {
                BinnedHeaps.claimRegion(c, base, below);
            }
            return BinnedHeaps.claimRegion(c, heapBase, end);
        }
        if (c.memory.byteSize() < c.meta + c.metaSize) {
            throw new IllegalArgumentException("region [" + base + ", " + end + ") is outside the memory of "
                    + c.memory.byteSize() + " bytes, which has no room for the allocator's metadata yet");
        }
        BinnedHeaps.checkRegion(c, base, end);
        writeSuperblock(c);
        return BinnedHeaps.claimRegion(c, base, end);
    }
}
