package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static dev.offcut.internal.binned.BinnedTesting.assertFilled;
import static dev.offcut.internal.binned.BinnedTesting.assertRefusedUnchanged;
import static dev.offcut.internal.binned.BinnedTesting.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad frees are refused, not obeyed: each throws IllegalArgumentException and leaves every byte of the memory, every
 * counter and every invariant as it was; the live blocks keep their contents.
 */
class BinnedBadFreeTest {

    /** The scene: live blocks a, c, e, g with free chunks between some of them. */
    private static final class Scene {
        final LinearMemory memory;
        final BinnedAllocator allocator;
        final long a;
        final long b;
        final long c;
        final long d;
        final long e;
        final long heap;
        final long heapEnd;

        Scene(Binning binning, boolean heapMemory) {
            memory = heapMemory ? LinearMemory.ofHeap(1 << 20) : LinearMemory.ofNative(1 << 20);
            allocator = BinnedAllocator.builder(memory).binning(binning).build();
            a = allocator.allocate(40);
            b = allocator.allocate(100);
            c = allocator.allocate(72);
            d = allocator.allocate(200);
            e = allocator.allocate(24);
            for (long[] block : new long[][] {{a, 40}, {b, 100}, {c, 72}, {d, 200}, {e, 24}}) {
                fill(allocator, block[0], block[1]);
            }
            allocator.free(b); // b: a free chunk between a and c
            heap = allocator.heaps()[0];
            heapEnd = heap + allocator.heapByteSize(heap);
        }

        void assertLiveIntact() {
            assertFilled(allocator, a, 40);
            assertFilled(allocator, c, 72);
            assertFilled(allocator, d, 200);
            assertFilled(allocator, e, 24);
        }

        void refuse(long offset) {
            assertRefusedUnchanged(allocator, () -> allocator.free(offset));
            assertRefusedUnchanged(allocator, () -> allocator.free(offset, 8));
            assertRefusedUnchanged(allocator, () -> allocator.tryReallocate(offset, 64, 8));
            assertLiveIntact();
        }
    }

    private static List<Object[]> cases() {
        List<Object[]> cases = new ArrayList<>();
        for (Binning binning : Binning.values()) {
            cases.add(new Object[] {binning, false});
            cases.add(new Object[] {binning, true});
        }
        return cases;
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void doubleFreeIsRefused(Binning binning) {
        for (Object[] c : cases()) {
            if (c[0] != binning) {
                continue;
            }
            Scene scene = new Scene(binning, (Boolean) c[1]);
            IllegalArgumentException e = assertRefusedUnchanged(scene.allocator, () -> scene.allocator.free(scene.b));
            assertTrue(e.getMessage().contains("already free"), e.getMessage());
            // d merges with nothing; then c merges into b's free chunk below it and d above: both headers scrubbed.
            scene.allocator.free(scene.d);
            scene.allocator.free(scene.c);
            scene.allocator.verify();
            for (long stale : new long[] {scene.b, scene.c, scene.d}) {
                assertRefusedUnchanged(scene.allocator, () -> scene.allocator.free(stale));
                assertRefusedUnchanged(scene.allocator, () -> scene.allocator.free(stale, 72));
            }
            assertFilled(scene.allocator, scene.a, 40);
            assertFilled(scene.allocator, scene.e, 24);
        }
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void interiorAndMisalignedOffsetsAreRefused(Binning binning) {
        for (boolean heapMemory : new boolean[] {false, true}) {
            Scene scene = new Scene(binning, heapMemory);
            // Blocks are 16-aligned: offsets 8 past a multiple of 16 fail the alignment check, the 16-step ones
            // reach the tag checks.
            for (long offset : new long[] {scene.a + 1, scene.a + 4, scene.a + 8, scene.a + 16, scene.a + 32,
                    scene.d + 8, scene.d + 48, scene.d + 192, scene.c - 1}) {
                scene.refuse(offset);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void foreignOffsetsAreRefused(Binning binning) {
        Scene scene = new Scene(binning, false);
        for (long offset : new long[] {-8, -1, Long.MIN_VALUE, Long.MAX_VALUE - 7, scene.memory.byteSize(),
                scene.memory.byteSize() + 8, scene.heapEnd + 8, scene.heapEnd + 16,
                scene.b + 8, scene.b + 16, scene.b + 24, scene.b + 32, scene.b + 48, // a free chunk's links and body
                scene.e + 4096}) { // free space at the top of the heap
            scene.refuse(offset);
        }
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void theHeapsOwnMetadataIsRefused(Binning binning) {
        Scene scene = new Scene(binning, false);
        long metadataEnd = BinIndex.of(binning).superblockByteSize();
        for (long offset = 8; offset <= metadataEnd + 8; offset += 8) {
            scene.refuse(offset); // every word of the superblock, and the heap header after it
        }
        scene.refuse(scene.heap + 8);
        scene.refuse(scene.heap + 16);
        scene.refuse(scene.heapEnd); // its header would be the sentinel
        scene.refuse(scene.heapEnd - 8);
        scene.refuse(scene.heapEnd - 16);
    }

    @ParameterizedTest
    @EnumSource(Binning.class)
    void sizedFreeWithAWrongSizeIsRefused(Binning binning) {
        Scene scene = new Scene(binning, true);
        for (long wrong : new long[] {0, 1, 39, 41, 48, 64, 100, Allocator.MAX_BYTE_SIZE}) {
            assertRefusedUnchanged(scene.allocator, () -> scene.allocator.free(scene.a, wrong));
        }
        for (long wrong : new long[] {0, 23, 25, 32}) {
            assertRefusedUnchanged(scene.allocator, () -> scene.allocator.free(scene.e, wrong));
        }
        scene.assertLiveIntact();
        scene.allocator.free(scene.a, 40);
        scene.allocator.free(scene.e, 24);
        scene.allocator.verify();
        // After a resize the block's size is the new one: the old is refused.
        long f = scene.allocator.reallocate(scene.c, 10);
        assertRefusedUnchanged(scene.allocator, () -> scene.allocator.free(f, 72));
        scene.allocator.free(f, 10);
        scene.allocator.verify();
    }

    @Test
    void aParentsBlockCannotBeFreedThroughItsChild() {
        LinearMemory memory = LinearMemory.ofNative(4 << 20);
        BinnedAllocator parent = BinnedAllocator.builder(memory).build();
        BinnedAllocator child = BinnedAllocator.builder(memory).source(MemorySource.fromParent(parent)).build();
        long own = parent.allocate(100);
        fill(parent, own, 100);
        long borrowed = child.allocate(64);
        fill(child, borrowed, 64);
        assertRefusedUnchanged(child, () -> child.free(own));
        assertRefusedUnchanged(child, () -> child.free(child.metadataOffset()));
        assertRefusedUnchanged(child, () -> child.free(child.metadataOffset() + 64));
        assertRefusedUnchanged(parent, () -> parent.free(borrowed));
        assertFilled(parent, own, 100);
        assertFilled(child, borrowed, 64);
        parent.verify();
        memory.close();
    }

    /**
     * The second tag: a header forged inside a live block with the right check bits for its position (as a stale
     * header, or user data that copies one, could carry) passes the first check; the next header, where the forged
     * size points, is user data without a tag, and refuses it. Without the second read this free would be obeyed.
     */
    @ParameterizedTest
    @EnumSource(Binning.class)
    void aForgedHeaderWhoseNextHeaderIsNotATagIsRefused(Binning binning) {
        LinearMemory memory = LinearMemory.ofHeap(1 << 20);
        BinnedAllocator allocator = BinnedAllocator.builder(memory).binning(binning).build();
        long block = allocator.allocate(1000);
        long other = allocator.allocate(100);
        fill(allocator, other, 100);
        MemorySegment s = memory.segment();
        long salt = BinnedTesting.salt(allocator);
        long chunk = block + 24; // 8 mod 16, as every chunk is
        while (BinnedLayout.checkBits(chunk + 64, 0, salt) == 0) {
            chunk += 16; // the next "header" is 0: it must not carry a valid tag by chance
        }
        assertTrue(chunk + 72 <= block + 1000, "the forged chunk and its next word lie inside the block");
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, chunk,
                64 | BinnedLayout.ALLOCATED | BinnedLayout.checkBits(chunk, 64, salt));
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, chunk + 64, 0);
        long forged = chunk + 8;
        assertRefusedUnchanged(allocator, () -> allocator.free(forged));
        assertRefusedUnchanged(allocator, () -> allocator.free(forged, 56));
        assertRefusedUnchanged(allocator, () -> allocator.tryReallocate(forged, 64, 8));
        assertFilled(allocator, other, 100);
        allocator.verify();
        assertEquals(2, allocator.stats().allocationCount());
    }

    /**
     * The scrub on merge: a block merged into the free chunk below it leaves its header word inside the merged chunk.
     * Once a new block covers that word without writing it, a second free of the old offset would find an intact
     * allocated header followed by a valid next header -- both tags pass -- unless the merge zeroed the word.
     */
    @ParameterizedTest
    @EnumSource(Binning.class)
    void aSecondFreeOfABlockMergedDownAndReallocatedOverIsRefused(Binning binning) {
        LinearMemory memory = LinearMemory.ofHeap(1 << 20);
        BinnedAllocator allocator = BinnedAllocator.builder(memory).binning(binning).build();
        long below = allocator.allocate(2040); // 2048-byte chunks, above DEFAULT's quick lists: merged when freed
        long block = allocator.allocate(2040);
        long above = allocator.allocate(2040);
        fill(allocator, above, 2040);
        allocator.free(below);
        allocator.free(block); // merges down into below's chunk; its header word is now inside a free chunk
        long cover = allocator.allocate(4088); // exactly the merged 4096-byte chunk
        assertEquals(below, cover, "the merged chunk is reused whole");
        fill(allocator, cover, 100); // the old header word, 2048 bytes in, is left as it was
        assertRefusedUnchanged(allocator, () -> allocator.free(block));
        assertRefusedUnchanged(allocator, () -> allocator.tryReallocate(block, 10, 8));
        assertFilled(allocator, cover, 100);
        assertFilled(allocator, above, 2040);
        allocator.verify();
    }
}
