package dev.offcut.internal.binned;

import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The on-memory format: a memory written by a build of the current layout version reopens and is checked block by
 * block; one written by an older version is refused with a message that names both versions.
 *
 * <p>{@code binned-heap-vN.bin.gz} (the memory's bytes) and {@code binned-heap-vN.txt} (its allocators, their stats and
 * every live block with the seed of its byte pattern) were written by {@code MakeImage.java}, kept beside them in the
 * test resources, run on the class path of a build of layout version N (v4: the build before issue 11's split, on its
 * shaded benchmarks jar; v5: issue 13's, whose check bits cover the size, on offcut-core's classes). The memory holds a
 * DEFAULT allocator (grow-and-claim, nine heaps, bins and quick lists in use) and a COMPACT child that borrows its
 * metadata and heaps from it. When the layout version changes on purpose, run MakeImage with the new build: the
 * current-version test looks for the new version's files, and the old ones join the refused.
 */
class BinnedHeapImageTest {

    private record Block(String owner, long offset, long byteSize, long seed) {
    }

    /** The byte pattern at index {@code i} of the block with seed {@code seed}; MakeImage.java has the same formula. */
    private static byte pattern(long seed, long i) {
        return (byte) (seed * 7 + i + (i >>> 8) * 13);
    }

    private static byte[] imageBytes(int version) throws IOException {
        try (InputStream in = new GZIPInputStream(resource("binned-heap-v" + version + ".bin.gz"))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aMemoryOfAnOlderLayoutVersionIsRefusedWithAMessageNamingBothVersions() throws IOException {
        for (int version = 4; version < BinnedLayout.LAYOUT_VERSION; version++) {
            byte[] bytes = imageBytes(version);
            LinearMemory memory = LinearMemory.ofHeap(64 * LinearMemory.PAGE_BYTE_SIZE, bytes.length);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, memory.segment(), 0, bytes.length);
            byte[] before = memory.segment().toArray(ValueLayout.JAVA_BYTE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BinnedAllocator.builder(memory).source(MemorySource.growAndClaim()).open());
            String message = e.getMessage();
            assertTrue(message.contains("layout version " + version)
                    && message.contains("layout version " + BinnedLayout.LAYOUT_VERSION)
                    && message.contains("older"), message);
            assertArrayEquals(before, memory.segment().toArray(ValueLayout.JAVA_BYTE), "refused without a write");
        }
    }

    @Test
    void aMemoryOfTheCurrentLayoutVersionReopensWithEveryBlockIntact() throws IOException {
        String name = "binned-heap-v" + BinnedLayout.LAYOUT_VERSION;
        byte[] bytes = imageBytes(BinnedLayout.LAYOUT_VERSION);
        Map<String, Long> meta = new HashMap<>();
        Map<String, long[]> stats = new HashMap<>();
        List<Block> blocks = new ArrayList<>();
        long memoryByteSize = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(resource(name + ".txt"),
                StandardCharsets.US_ASCII))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "memory" -> memoryByteSize = Long.parseLong(f[1]);
                    case "allocator" -> meta.put(f[1], Long.parseLong(f[2]));
                    case "stats" -> stats.put(f[1], new long[] {Long.parseLong(f[2]), Long.parseLong(f[3]),
                            Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7])});
                    case "block" -> blocks.add(new Block(f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
                            Long.parseLong(f[4])));
                    default -> assertTrue(f[0].startsWith("#"), line);
                }
            }
        }
        assertEquals(memoryByteSize, bytes.length);
        LinearMemory memory = LinearMemory.ofHeap(64 * LinearMemory.PAGE_BYTE_SIZE, bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, memory.segment(), 0, bytes.length);

        BinnedAllocator parent = BinnedAllocator.builder(memory).source(MemorySource.growAndClaim()).open();
        BinnedAllocator child = BinnedAllocator.builder(memory).source(MemorySource.fromParent(parent))
                .metadataOffset(meta.get("child")).open();
        assertEquals((long) meta.get("parent"), parent.metadataOffset());
        assertEquals(Binning.DEFAULT, parent.binning());
        assertEquals(Binning.COMPACT, child.binning());
        parent.verify();
        child.verify();
        assertStats(stats.get("parent"), parent.stats());
        assertStats(stats.get("child"), child.stats());
        assertEquals(9, parent.heaps().length, "the image has several heaps");
        MemorySegment s = memory.segment();
        BinIndex bins = BinIndex.DEFAULT;
        long quickHeads = BinnedLayout.quickHeadsOffset(bins.binCount);
        long parkedLists = 0;
        for (int i = 0; i < bins.quickClassCount; i++) {
            parkedLists += s.get(ValueLayout.JAVA_LONG_UNALIGNED, quickHeads + 8L * i) != 0 ? 1 : 0;
        }
        assertTrue(parkedLists > 0, "and parked chunks in quick lists");
        assertNotEquals(0, s.get(ValueLayout.JAVA_LONG_UNALIGNED, BinnedLayout.SB_BITMAP), "and binned free chunks");

        for (Block b : blocks) {
            long header = s.get(ValueLayout.JAVA_LONG_UNALIGNED, b.offset() - BinnedLayout.HEADER_BYTE_SIZE);
            assertEquals(b.byteSize(), BinnedLayout.requestedByteSize(header), () -> b + ": requested size in its header");
            for (long i = 0; b.seed() >= 0 && i < b.byteSize(); i++) {
                if (s.get(ValueLayout.JAVA_BYTE, b.offset() + i) != pattern(b.seed(), i)) {
                    throw new AssertionError(b + " differs at byte " + i);
                }
            }
        }

        // Free every block with its size (a sized free checks it too); the child's heaps go back to the parent.
        for (Block b : blocks) {
            if (b.owner().equals("child")) {
                child.free(b.offset(), b.byteSize());
            }
        }
        child.verify();
        assertEquals(0, child.stats().allocationCount());
        assertEquals(0, child.heaps().length, "every emptied heap went back to the parent");
        for (Block b : blocks) {
            if (b.owner().equals("parent") && b.seed() >= 0) {
                parent.free(b.offset(), b.byteSize());
            }
        }
        parent.verify();
        assertEquals(1, parent.stats().allocationCount(), "only the child's metadata block is left");

        // And allocate again: small (quick lists), aligned, and one that needs the memory to grow.
        List<Long> again = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long byteSize = 1 + (i * 37L) % 3000;
            long offset = parent.allocate(byteSize, i % 5 == 0 ? 256 : 16);
            MemorySegment.copy(MemorySegment.ofArray(new byte[(int) byteSize]), 0, memory.segment(), offset, byteSize);
            again.add(offset);
        }
        long large = parent.allocate(3 * LinearMemory.PAGE_BYTE_SIZE);
        assertTrue(memory.byteSize() > memoryByteSize, "the large block grew the memory");
        long childBlock = child.allocate(5000);
        parent.verify();
        child.verify();
        child.free(childBlock);
        parent.free(large);
        again.forEach(parent::free);
        parent.verify();
        child.verify();
    }

    private static void assertStats(long[] expected, AllocatorStats actual) {
        assertEquals(expected[0], actual.allocationCount(), "allocationCount");
        assertEquals(expected[1], actual.allocatedBytes(), "allocatedBytes");
        assertEquals(expected[2], actual.heapCount(), "heapCount");
        assertEquals(expected[3], actual.claimedBytes(), "claimedBytes");
        assertEquals(expected[4], actual.fragmentCount(), "fragmentCount");
        assertEquals(expected[5], actual.availableBytes(), "availableBytes");
    }

    private static InputStream resource(String name) {
        InputStream in = BinnedHeapImageTest.class.getResourceAsStream(name);
        if (in == null) {
            throw new AssertionError("test resource " + name + " is missing");
        }
        return in;
    }
}
