package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.offcut.internal.binned.BinnedLayout.CHUNK_UNIT;
import static dev.offcut.internal.binned.BinnedTesting.assertFilled;
import static dev.offcut.internal.binned.BinnedTesting.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Alignment over its small domain: every power of two up to 64 KiB, against a free chunk whose block would start at
 * every residue (a multiple of 16, as every block is 16-aligned) modulo the alignment (both ends of the range for the largest ones), for several sizes. The block is
 * aligned, the heap verifies, the gap below is back in the free lists, and freeing restores one free chunk.
 */
class BinnedAlignmentTest {

    private static final long[] SIZES = {0, 1, 24, 100, 3000};

    @ParameterizedTest
    @EnumSource(Binning.class)
    void everyAlignmentFromEveryChunkResidue(Binning binning) {
        LinearMemory memory = BinnedTesting.fixed(1 << 20);
        long metadataEnd = BinIndex.of(binning).superblockByteSize();
        int checked = 0;
        for (int shift = 0; shift <= 16; shift++) {
            long alignment = 1L << shift;
            long span = Math.max(alignment, CHUNK_UNIT);
            long residues = span / CHUNK_UNIT; // blocks are 16-aligned: their residues are multiples of 16
            for (long k = 0; k < residues; k++) {
                if (residues > 128 && k >= 64 && k < residues - 64) {
                    continue; // the middle of the widest ranges: both ends are covered
                }
                long residue = k * CHUNK_UNIT;
                // The heap's first block (its first chunk plus the header) has the chosen residue modulo the
                // alignment; the heap starts 24 bytes below it, at 8 mod 16 (no pad word), or for every other
                // case 32 bytes below, at 0 mod 16 (a pad word before the first chunk).
                long aligned = (metadataEnd + 64 + span - 1) & -span;
                long firstBlock = aligned + span + residue;
                long base = firstBlock - ((k + shift) % 2 == 0 ? 24 : 32);
                BinnedAllocator allocator = BinnedAllocator.builder(memory).binning(binning)
                        .source(MemorySource.manual()).build();
                long heap = allocator.claim(base, 3 * Math.max(alignment, 64) + 4096);
                assertEquals(base, heap);
                assertEquals(firstBlock - 8, BinnedLayout.firstChunk(heap));
                for (long size : SIZES) {
                    long offset = allocator.tryAllocate(size, alignment);
                    assertTrue(offset != Allocator.NULL, "alignment " + alignment + " residue " + residue);
                    assertEquals(0, offset % alignment, "alignment " + alignment + " residue " + residue);
                    fill(allocator, offset, size);
                    allocator.verify();
                    AllocatorStats stats = allocator.stats();
                    long gap = offset - firstBlock;
                    assertTrue(gap == 0 || gap >= 32, "a gap is 0 or a whole free chunk, was " + gap);
                    assertTrue(gap < span + 32, "the block is at the first usable offset");
                    assertEquals(gap == 0 ? 1 : 2, stats.fragmentCount(), "the gap is a free chunk");
                    assertFilled(allocator, offset, size);
                    allocator.free(offset, size);
                    allocator.verify();
                    // reserved() consolidates chunks parked in quick lists (DEFAULT) before it measures.
                    assertEquals(0, allocator.reserved(heap));
                    assertEquals(1, allocator.stats().fragmentCount(), "everything merged back");
                    checked++;
                }
            }
        }
        assertTrue(checked > 2000);
        memory.close();
    }
}
