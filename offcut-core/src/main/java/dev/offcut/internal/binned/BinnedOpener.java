package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;
import dev.offcut.internal.Checks;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static dev.offcut.Allocator.NULL;
import static dev.offcut.internal.binned.BinnedLayout.SB_SALT;
import static dev.offcut.internal.binned.BinnedLayout.WORD;

/**
 * Creation and reopening of the binned allocator, the cold half of its life cycle: checks the arguments, places or
 * finds the superblock ({@link Superblock} writes and reads it) and hands the hot class its state. Kept out of
 * {@link UnsyncBinnedAllocator} so that the hot class holds the allocation, free and reallocation paths.
 */
public final class BinnedOpener {

    private BinnedOpener() {
    }

    /**
     * Builds a new allocator with fresh metadata; see {@link BinnedAllocator.Builder#build()}.
     *
     * @param memory         the memory
     * @param binning        the binning
     * @param memorySource   the source
     * @param metadataOffset where the superblock goes, or -1 for the default
     * @return the allocator
     */
    public static UnsyncBinnedAllocator create(LinearMemory memory, Binning binning, MemorySource memorySource,
            long metadataOffset) {
        Objects.requireNonNull(memory, "memory");
        BinIndex bins = BinIndex.of(Objects.requireNonNull(binning, "binning"));
        MemorySource source = Objects.requireNonNull(memorySource, "source");
        long superSize = bins.superblockByteSize();
        if (source instanceof MemorySources.FromParent(Allocator parent)) {
            if (parent.memory() != memory) {
                throw new IllegalArgumentException("the parent allocator must be over the same memory");
            }
            if (metadataOffset >= 0) {
                throw new IllegalArgumentException("a parent-sourced allocator's metadata is a block of the parent; "
                        + "do not set metadataOffset when building");
            }
            long meta = parent.tryAllocate(superSize, BinnedLayout.SUPERBLOCK_ALIGNMENT);
            if (meta == NULL) {
                throw new IllegalStateException("the parent cannot give a " + superSize + "-byte block for metadata");
            }
            UnsyncBinnedAllocator allocator = new UnsyncBinnedAllocator(memory, bins, source, meta,
                    Superblock.newSalt(meta), false);
            Superblock.initialize(allocator, source);
            return allocator;
        }
        long meta = Math.max(metadataOffset, 0);
        // A memory that can hold the metadata at its maximum, but not at this offset, makes the offset out of range
        // (no grow will ever make room: not a state to wait for). Compared without forming meta + superSize, which
        // overflows for offsets near Long.MAX_VALUE. A memory too small for the metadata anywhere is the memory's
        // fault: the IllegalStateException below, as before.
        long maxByteSize = memory.maxByteSize();
        if (maxByteSize >= superSize && meta > maxByteSize - superSize) {
            throw Checks.outOfRange("metadataOffset", meta, "a multiple of " + BinnedLayout.SUPERBLOCK_ALIGNMENT
                    + " in [0, " + (maxByteSize - superSize) + "], so that the " + superSize + "-byte metadata of "
                    + "Binning." + binning + " fits the memory's maximum of " + maxByteSize + " bytes");
        }
        UnsyncBinnedAllocator allocator = new UnsyncBinnedAllocator(memory, bins, source, meta,
                Superblock.newSalt(meta), false);
        allocator.relocatable = metadataOffset < 0;
        if (memory.byteSize() - superSize >= meta) {
            Superblock.initialize(allocator, source);
        } else if (!MemorySources.growing(source)) {
            throw new IllegalStateException("memory of " + memory.byteSize() + " bytes cannot hold the " + superSize
                    + "-byte metadata of Binning." + binning + " at offset " + meta + ", and " + source
                    + " never grows it");
        }
        // Else the first allocation grows the memory for the metadata and itself in one step.
        return allocator;
    }

    /**
     * Reopens an allocator from its metadata; see {@link BinnedAllocator.Builder#open()}.
     *
     * @param memory         the memory
     * @param binning        the binning expected, or {@code null} to accept the stored one
     * @param memorySource   the source
     * @param metadataOffset where the superblock is, or -1 to find it (see {@link Superblock#find})
     * @return the allocator
     */
    public static UnsyncBinnedAllocator open(LinearMemory memory, Binning binning, MemorySource memorySource,
            long metadataOffset) {
        Objects.requireNonNull(memory, "memory");
        MemorySource source = Objects.requireNonNull(memorySource, "source");
        if (source instanceof MemorySources.FromParent(Allocator parent)) {
            if (parent.memory() != memory) {
                throw new IllegalArgumentException("the parent allocator must be over the same memory");
            }
            if (metadataOffset < 0) {
                // Searching would find the parent's own superblock at 0: two objects over one state.
                throw new IllegalArgumentException("a parent-sourced allocator's metadata is a block of the parent: "
                        + "reopen it with builder(memory).metadataOffset(its metadataOffset())");
            }
        }
        MemorySegment s = memory.segment();
        long meta = metadataOffset >= 0 ? metadataOffset : Superblock.find(s);
        BinIndex bins = Superblock.checkedBinIndex(s, meta, binning);
        UnsyncBinnedAllocator allocator = new UnsyncBinnedAllocator(memory, bins, source, meta,
                s.get(WORD, meta + SB_SALT), true);
        BinnedCheck.openCounters(allocator);
        return allocator;
    }
}
