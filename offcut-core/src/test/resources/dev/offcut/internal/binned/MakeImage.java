import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes binned-heap-vN.bin.gz and binned-heap-vN.txt, N being the layout version of the build it runs with (read
 * back from the superblock it wrote): a memory holding a DEFAULT allocator (growAndClaim, several
 * heaps) and a COMPACT child borrowing from it (fromParent), after a deterministic mix of allocations, aligned
 * allocations, reallocations and frees, with a known byte pattern in every live block. Run with the build whose
 * format is to be kept on the class path, e.g. its shaded benchmarks jar or offcut-core's compiled classes:
 *   java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar MakeImage.java OUT_DIR
 *   java --enable-native-access=ALL-UNNAMED -cp offcut-core/target/classes MakeImage.java OUT_DIR
 * The salt is random per build, so two runs give different bytes; the format is what matters. (The v4 files were
 * written by this program's first revision, whose output names were fixed to v4.)
 */
public class MakeImage {

    /** The byte pattern at index i of the block with seed seed (BinnedHeapImageTest has the same formula). */
    static byte pattern(long seed, long i) {
        return (byte) (seed * 7 + i + (i >>> 8) * 13);
    }

    record Block(String owner, long offset, long byteSize, long seed) {
    }

    static final long[] SIZES = {0, 1, 8, 15, 16, 24, 40, 100, 256, 500, 1000, 1024, 2000, 5000, 20_000, 40_000};
    static final long[] ALIGNMENTS = {16, 16, 16, 16, 64, 256, 4096};

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : ".");
        LinearMemory memory = LinearMemory.ofHeap(64 * LinearMemory.PAGE_BYTE_SIZE, LinearMemory.PAGE_BYTE_SIZE);
        BinnedAllocator parent = BinnedAllocator.builder(memory).binning(Binning.DEFAULT)
                .source(MemorySource.growAndClaim()).build();
        SplittableRandom random = new SplittableRandom(2026_11_21);
        List<Block> live = new ArrayList<>();
        long seed = 1;
        for (int round = 0; round < 400; round++) {
            int action = random.nextInt(10);
            if (action < 5 || live.size() < 8) {
                long byteSize = SIZES[random.nextInt(SIZES.length)];
                long alignment = ALIGNMENTS[random.nextInt(ALIGNMENTS.length)];
                long offset = parent.allocate(byteSize, alignment);
                live.add(write(memory, new Block("parent", offset, byteSize, seed++)));
            } else if (action < 7) {
                int i = random.nextInt(live.size());
                Block old = live.get(i);
                long byteSize = SIZES[random.nextInt(SIZES.length)];
                long offset = parent.reallocate(old.offset(), byteSize);
                check(memory, new Block("parent", offset, Math.min(byteSize, old.byteSize()), old.seed()));
                live.set(i, write(memory, new Block("parent", offset, byteSize, seed++)));
            } else {
                Block gone = live.remove(random.nextInt(live.size()));
                parent.free(gone.offset(), gone.byteSize());
            }
        }
        // A child over the same memory: its metadata and heaps are blocks of the parent (listed with seed -1).
        BinnedAllocator child = BinnedAllocator.builder(memory).binning(Binning.COMPACT)
                .source(MemorySource.fromParent(parent)).build();
        List<Block> childLive = new ArrayList<>();
        for (int round = 0; round < 120; round++) {
            if (random.nextInt(3) > 0 || childLive.isEmpty()) {
                long byteSize = SIZES[random.nextInt(SIZES.length - 2)];
                long offset = child.allocate(byteSize, ALIGNMENTS[random.nextInt(5)]);
                childLive.add(write(memory, new Block("child", offset, byteSize, seed++)));
            } else {
                Block gone = childLive.remove(random.nextInt(childLive.size()));
                child.free(gone.offset());
            }
        }
        // Park small chunks last, so that the quick lists are not empty in the image.
        for (int i = live.size() - 1; i >= 0 && i >= live.size() - 60; i -= 3) {
            if (live.get(i).byteSize() <= 1024) {
                Block gone = live.remove(i);
                parent.free(gone.offset());
            }
        }
        parent.verify();
        child.verify();
        Files.createDirectories(out);
        MemorySegment s = memory.segment();
        long version = s.get(ValueLayout.JAVA_LONG_UNALIGNED, 8) >>> 32; // the superblock's VERSION_BINNING word
        String name = "binned-heap-v" + version;
        byte[] bytes = s.asSlice(0, memory.byteSize()).toArray(ValueLayout.JAVA_BYTE);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(out.resolve(name + ".bin.gz")))) {
            o.write(bytes);
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve(name + ".txt")))) {
            w.println("# Written by MakeImage.java (same folder) with a build of layout version " + version + ".");
            w.println("# Lines: memory BYTE_SIZE; allocator NAME METADATA_OFFSET BINNING");
            w.println("# SOURCE; stats NAME allocationCount allocatedBytes heapCount claimedBytes fragmentCount");
            w.println("# availableBytes; block OWNER OFFSET BYTE_SIZE SEED (seed -1: the bytes are the child's).");
            w.println("memory " + memory.byteSize());
            w.println("allocator parent " + parent.metadataOffset() + " DEFAULT growAndClaim");
            w.println("allocator child " + child.metadataOffset() + " COMPACT fromParent");
            for (var e : List.of(java.util.Map.entry("parent", parent), java.util.Map.entry("child", child))) {
                var st = e.getValue().stats();
                w.println("stats " + e.getKey() + " " + st.allocationCount() + " " + st.allocatedBytes() + " "
                        + st.heapCount() + " " + st.claimedBytes() + " " + st.fragmentCount() + " "
                        + st.availableBytes());
            }
            w.println("block parent " + child.metadataOffset() + " " + bins(Binning.COMPACT) + " -1");
            for (long heap : child.heaps()) {
                w.println("block parent " + heap + " " + child.heapByteSize(heap) + " -1");
            }
            for (Block b : live) {
                check(memory, b);
                w.println("block parent " + b.offset() + " " + b.byteSize() + " " + b.seed());
            }
            for (Block b : childLive) {
                check(memory, b);
                w.println("block child " + b.offset() + " " + b.byteSize() + " " + b.seed());
            }
        }
        System.out.println(parent.stats());
        System.out.println(child.stats());
        System.out.println("heaps " + java.util.Arrays.toString(parent.heaps()) + " memory " + memory.byteSize());
    }

    /** The child's superblock size: its metadata block's requested size. */
    static long bins(Binning binning) {
        return binning == Binning.COMPACT ? 768 : 2816;
    }

    static Block write(LinearMemory memory, Block b) {
        MemorySegment s = memory.segment();
        for (long i = 0; i < b.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, b.offset() + i, pattern(b.seed(), i));
        }
        return b;
    }

    static void check(LinearMemory memory, Block b) {
        MemorySegment s = memory.segment();
        for (long i = 0; i < b.byteSize(); i++) {
            if (s.get(ValueLayout.JAVA_BYTE, b.offset() + i) != pattern(b.seed(), i)) {
                throw new AssertionError(b + " byte " + i);
            }
        }
    }
}
