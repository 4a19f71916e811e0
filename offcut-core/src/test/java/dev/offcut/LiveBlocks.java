package dev.offcut;

import dev.offcut.internal.memory.NativeLinearMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The test model of an allocator's heap: every live block with the bytes it must hold.
 *
 * <p>Each block gets a fresh pseudo-random pattern written into it when it is recorded, so a block that another
 * block overlaps, or that the allocator's metadata overwrites, shows up as a content mismatch at the next
 * {@link #checkAll()}. Placement (non-zero, aligned, inside the memory, no overlap) is checked when a block is
 * recorded and again by {@link #checkAll()}. A size-0 block is treated as occupying one byte, which is exactly
 * "its offset is distinct from every other block's and is not inside another block".
 *
 * <p>All memory access re-reads {@code allocator.memory().segment()}, because heap memory moves when it grows.
 * Public so that allocator tests in other packages (e.g. {@code dev.offcut.internal}) can use it.
 */
public final class LiveBlocks {

    /**
     * One live block as the model knows it.
     *
     * @param offset        the block's offset
     * @param byteSize      the size it was requested with
     * @param byteAlignment the alignment it was requested with
     * @param contents      the bytes it must hold now ({@code byteSize} of them)
     */
    public record Block(long offset, long byteSize, long byteAlignment, byte[] contents) {
        /**
         * Returns the end of the range the block occupies for overlap checks (size 0 counts as 1 byte).
         *
         * @return the exclusive end offset used for overlap checks
         */
        long occupiedEnd() {
            return offset + Math.max(1, byteSize);
        }

        @Override
        public String toString() {
            return "Block[offset=" + offset + ", byteSize=" + byteSize + ", byteAlignment=" + byteAlignment + "]";
        }
    }

    private final Allocator allocator;
    private final TreeMap<Long, Block> blocks = new TreeMap<>();
    private final SplittableRandom random;

    /**
     * Creates an empty model of {@code allocator}.
     *
     * @param allocator the allocator whose blocks are recorded
     */
    public LiveBlocks(Allocator allocator) {
        this(allocator, 0x5EED_0FFC_0FFCL);
    }

    /**
     * Creates an empty model of {@code allocator} whose patterns derive from {@code seed}.
     *
     * @param allocator the allocator whose blocks are recorded
     * @param seed      the seed of the byte patterns
     */
    public LiveBlocks(Allocator allocator, long seed) {
        this.allocator = allocator;
        this.random = new SplittableRandom(seed);
    }

    /**
     * Returns a model of {@code reopened}, an allocator reopened over this model's memory, that expects the same live
     * blocks with the same contents. Nothing is written, so a block the reopen damaged shows at the next check.
     *
     * @param reopened the allocator that now owns the blocks
     * @return a new model with this model's blocks
     */
    public LiveBlocks reopenedAs(Allocator reopened) {
        LiveBlocks copy = new LiveBlocks(reopened, random.nextLong());
        copy.blocks.putAll(blocks);
        return copy;
    }

    /**
     * Returns the modelled allocator.
     *
     * @return the allocator
     */
    public Allocator allocator() {
        return allocator;
    }

    /**
     * Returns the number of live blocks.
     *
     * @return the count
     */
    public int size() {
        return blocks.size();
    }

    /**
     * Tells whether there is no live block.
     *
     * @return {@code true} if empty
     */
    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /**
     * Returns the live block at {@code offset}.
     *
     * @param offset a live block's offset
     * @return the block
     */
    public Block get(long offset) {
        Block block = blocks.get(offset);
        assertNotNull(block, () -> "no live block at " + offset);
        return block;
    }

    /**
     * Returns the live blocks in offset order (a copy).
     *
     * @return the blocks
     */
    public List<Block> blocks() {
        return new ArrayList<>(blocks.values());
    }

    /**
     * Returns the {@code index % size()}-th live block in offset order.
     *
     * @param index any non-negative number
     * @return a live block
     */
    public Block pick(int index) {
        if (blocks.isEmpty()) {
            throw new IllegalStateException("no live block");
        }
        int target = Math.floorMod(index, blocks.size());
        int i = 0;
        for (Block block : blocks.values()) {
            if (i++ == target) {
                return block;
            }
        }
        throw new AssertionError("unreachable");
    }

    /**
     * Returns the sum of the requested sizes of the live blocks.
     *
     * @return live bytes as requested
     */
    public long allocatedBytes() {
        long sum = 0;
        for (Block block : blocks.values()) {
            sum += block.byteSize;
        }
        return sum;
    }

    /**
     * Records a freshly allocated block: checks its placement, then writes a fresh pattern into it.
     *
     * @param offset        the offset the allocator returned
     * @param byteSize      the size requested
     * @param byteAlignment the alignment requested
     * @return the recorded block
     */
    public Block add(long offset, long byteSize, long byteAlignment) {
        checkPlacement(offset, byteSize, byteAlignment);
        Block block = new Block(offset, byteSize, byteAlignment, pattern(byteSize));
        write(block);
        blocks.put(offset, block);
        return block;
    }

    /**
     * Records a block returned by a zeroing allocation: checks its placement and that every byte is zero, then
     * writes a fresh pattern into it.
     *
     * @param offset        the offset the allocator returned
     * @param byteSize      the size requested
     * @param byteAlignment the alignment requested
     * @return the recorded block
     */
    public Block addZeroed(long offset, long byteSize, long byteAlignment) {
        checkPlacement(offset, byteSize, byteAlignment);
        assertZero(offset, byteSize);
        return add(offset, byteSize, byteAlignment);
    }

    /**
     * Forgets a block the test has just freed.
     *
     * @param offset the block's offset
     * @return the forgotten block
     */
    public Block remove(long offset) {
        Block block = blocks.remove(offset);
        assertNotNull(block, () -> "no live block at " + offset);
        return block;
    }

    /**
     * Records a successful reallocation: checks that the first {@code min(old, new)} bytes were kept and the new
     * placement, then writes a fresh pattern over the whole new block.
     *
     * @param oldOffset     the block that was reallocated
     * @param newOffset     the offset the allocator returned
     * @param newByteSize   the new size
     * @param byteAlignment the alignment passed to the reallocation
     * @return the recorded block
     */
    public Block reallocated(long oldOffset, long newOffset, long newByteSize, long byteAlignment) {
        Block old = remove(oldOffset);
        try {
            checkPlacement(newOffset, newByteSize, byteAlignment);
        } catch (AssertionError e) {
            blocks.put(oldOffset, old);
            throw e;
        }
        long kept = Math.min(old.byteSize, newByteSize);
        byte[] actual = read(newOffset, kept);
        int mismatch = Arrays.mismatch(actual, 0, (int) kept, old.contents, 0, (int) kept);
        if (mismatch >= 0) {
            fail("reallocate(" + oldOffset + " [" + old.byteSize + " bytes], " + newByteSize + ", " + byteAlignment
                    + ") -> " + newOffset + " did not keep byte " + mismatch + ": expected " + old.contents[mismatch]
                    + ", found " + actual[mismatch] + " (" + allocator + ")");
        }
        return add(newOffset, newByteSize, byteAlignment);
    }

    /**
     * Writes a fresh pattern into a live block (the model follows).
     *
     * @param offset the block's offset
     */
    public void rewrite(long offset) {
        Block old = get(offset);
        Block block = new Block(offset, old.byteSize, old.byteAlignment, pattern(old.byteSize));
        write(block);
        blocks.put(offset, block);
    }

    /**
     * Takes a live block's current bytes as the ones it must hold, after the test wrote into it directly.
     *
     * @param offset the block's offset
     */
    public void adoptContents(long offset) {
        Block old = get(offset);
        blocks.put(offset, new Block(offset, old.byteSize, old.byteAlignment, read(offset, old.byteSize)));
    }

    /**
     * Checks the allocator's own invariants, then every live block's placement and contents.
     */
    public void checkAll() {
        try {
            allocator.verify();
        } catch (IllegalStateException e) {
            throw new AssertionError("verify() failed on " + allocator + " with " + blocks.size()
                    + " live blocks: " + e.getMessage(), e);
        }
        checkPlacements();
        checkContents();
    }

    /**
     * Checks that the live blocks are inside the memory and do not overlap.
     */
    public void checkPlacements() {
        long memoryByteSize = allocator.memory().byteSize();
        Block previous = null;
        for (Block block : blocks.values()) {
            if (block.offset + block.byteSize > memoryByteSize) {
                fail(block + " ends past the memory's " + memoryByteSize + " bytes (" + allocator + ")");
            }
            if (previous != null && previous.occupiedEnd() > block.offset) {
                fail(previous + " overlaps " + block + " (" + allocator + ")");
            }
            previous = block;
        }
    }

    /**
     * Checks that every live block holds exactly the bytes last written into it.
     */
    public void checkContents() {
        MemorySegment memory = allocator.memory().segment();
        for (Block block : blocks.values()) {
            long mismatch = MemorySegment.mismatch(memory, block.offset, block.offset + block.byteSize,
                    MemorySegment.ofArray(block.contents), 0, block.byteSize);
            if (mismatch >= 0) {
                fail(block + " lost its contents at byte " + mismatch + ": expected " + block.contents[(int) mismatch]
                        + ", found " + memory.get(ValueLayout.JAVA_BYTE, block.offset + mismatch) + " ("
                        + allocator + ", " + blocks.size() + " live blocks)");
            }
        }
    }

    /**
     * Checks the statistics against the model: live count and bytes (if {@code countsLiveBlocks}), and the
     * relations between counters every allocator must keep.
     *
     * @param countsLiveBlocks whether the allocator's {@code allocationCount}/{@code allocatedBytes} follow frees
     */
    public void checkStats(boolean countsLiveBlocks) {
        AllocatorStats stats = allocator.stats();
        checkStatsRelations(allocator, stats);
        if (countsLiveBlocks) {
            assertEquals(blocks.size(), stats.allocationCount(), () -> "allocationCount of " + allocator + "\n" + stats);
            assertEquals(allocatedBytes(), stats.allocatedBytes(), () -> "allocatedBytes of " + allocator + "\n" + stats);
        } else {
            if (stats.allocationCount() < blocks.size() || stats.allocatedBytes() < allocatedBytes()) {
                fail("stats count fewer live blocks than the model's " + blocks.size() + " / " + allocatedBytes()
                        + " bytes (" + allocator + ")\n" + stats);
            }
        }
    }

    /**
     * Checks the relations between counters that hold for every allocator at any time.
     *
     * @param allocator the allocator the snapshot came from
     * @param stats     the snapshot
     */
    public static void checkStatsRelations(Allocator allocator, AllocatorStats stats) {
        String where = allocator + "\n" + stats;
        long[] nonNegative = {stats.allocationCount(), stats.totalAllocationCount(), stats.allocatedBytes(),
                stats.totalAllocatedBytes(), stats.availableBytes(), stats.fragmentCount(), stats.heapCount(),
                stats.totalHeapCount(), stats.claimedBytes(), stats.totalClaimedBytes(), stats.memoryByteSize(),
                stats.overheadBytes(), stats.freedBytes(), stats.freedCount()};
        for (int i = 0; i < nonNegative.length; i++) {
            if (nonNegative[i] < 0) {
                fail("counter #" + i + " is negative: " + where);
            }
        }
        // claimed = available + allocated + overhead holds by definition of overheadBytes(); what can break is that
        // available + allocated exceeds claimed, which the non-negative overheadBytes() above already refuses.
        check(stats.claimedBytes() <= stats.memoryByteSize(), "claimedBytes <= memoryByteSize", where);
        check(stats.claimedBytes() <= stats.totalClaimedBytes(), "claimedBytes <= totalClaimedBytes", where);
        check(stats.heapCount() <= stats.totalHeapCount(), "heapCount <= totalHeapCount", where);
        check(stats.availableBytes() == 0 || stats.fragmentCount() > 0, "available bytes lie in fragments", where);
        check(stats.allocationCount() == 0 || stats.heapCount() > 0, "live blocks lie in a heap", where);
        check(stats.allocationCount() > 0 || stats.allocatedBytes() == 0, "no live block, no live bytes", where);
        check(stats.memoryByteSize() == allocator.memory().byteSize(), "memoryByteSize = memory().byteSize()",
                where);
    }

    private static void check(boolean condition, String relation, String where) {
        if (!condition) {
            fail("stats break " + relation + ": " + where);
        }
    }

    private void checkPlacement(long offset, long byteSize, long byteAlignment) {
        LinearMemory memory = allocator.memory();
        if (offset == Allocator.NULL) {
            fail("offset 0 handed out for " + byteSize + " bytes (" + allocator + ")");
        }
        if (offset < 0 || Long.remainderUnsigned(offset, byteAlignment) != 0) {
            fail("offset " + offset + " is not aligned to " + byteAlignment + " (" + allocator + ")");
        }
        if (byteSize > memory.byteSize() - offset) {
            fail("block [" + offset + ", +" + byteSize + ") ends past the memory's " + memory.byteSize()
                    + " bytes (" + allocator + ")");
        }
        if (memory instanceof NativeLinearMemory && byteAlignment <= LinearMemory.PAGE_BYTE_SIZE) {
            long address = memory.segment().address() + offset;
            if (address % byteAlignment != 0) {
                fail("address " + Long.toHexString(address) + " of offset " + offset + " is not aligned to "
                        + byteAlignment);
            }
        }
        Block candidate = new Block(offset, byteSize, byteAlignment, new byte[0]);
        Map.Entry<Long, Block> below = blocks.floorEntry(offset);
        if (below != null && below.getValue().occupiedEnd() > offset) {
            fail("new " + candidate + " overlaps live " + below.getValue() + " (" + allocator + ")");
        }
        Map.Entry<Long, Block> above = blocks.higherEntry(offset);
        if (above != null && candidate.occupiedEnd() > above.getKey()) {
            fail("new " + candidate + " overlaps live " + above.getValue() + " (" + allocator + ")");
        }
    }

    /**
     * Asserts that {@code [offset, offset + byteSize)} is all zero.
     *
     * @param offset   where the range starts
     * @param byteSize how long it is
     */
    public void assertZero(long offset, long byteSize) {
        MemorySegment range = allocator.memory().segment().asSlice(offset, byteSize);
        long firstNonZero = range.mismatch(MemorySegment.ofArray(new byte[(int) byteSize]));
        if (firstNonZero >= 0) {
            fail("zeroed block [" + offset + ", +" + byteSize + ") has byte " + firstNonZero + " = "
                    + range.get(ValueLayout.JAVA_BYTE, firstNonZero) + " (" + allocator + ")");
        }
    }

    /**
     * Fills {@code [offset, offset + byteSize)} with {@code value}, outside the model (to dirty memory).
     *
     * @param offset   where the range starts
     * @param byteSize how long it is
     * @param value    the byte to write
     */
    public void fill(long offset, long byteSize, byte value) {
        allocator.memory().segment().asSlice(offset, byteSize).fill(value);
    }

    private byte[] read(long offset, long byteSize) {
        return allocator.memory().segment().asSlice(offset, byteSize).toArray(ValueLayout.JAVA_BYTE);
    }

    private void write(Block block) {
        MemorySegment.copy(block.contents, 0, allocator.memory().segment(), ValueLayout.JAVA_BYTE, block.offset,
                (int) block.byteSize);
    }

    private byte[] pattern(long byteSize) {
        if (byteSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model blocks must fit a byte[]: " + byteSize);
        }
        byte[] bytes = new byte[(int) byteSize];
        random.nextBytes(bytes);
        // Never all zero, so that a block the allocator zeroes behind our back shows.
        for (int i = 0; i < bytes.length; i += 7) {
            if (bytes[i] == 0) {
                bytes[i] = (byte) 0xA5;
            }
        }
        return bytes;
    }
}
