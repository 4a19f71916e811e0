package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Long random runs that mix what the model properties keep apart: allocations at alignments up to 4096, frees
 * (sized and not), reallocations that shrink below half, shrink a little or grow, claims at offsets that are 0, 8
 * or neither mod 16, truncates, extends, and reopening, over three setups (fixed memory with manual claims, a
 * growing native memory, a parent source). After every step: {@code verify()}, and every live block keeps its
 * bytes; a reopened allocator reports the same statistics; a shrink that keeps the alignment never fails or grows
 * anything. First written by a reviewer of layout version 4 (16-byte chunks, padded heaps, moving shrinks).
 */
class BinnedRandomHeapsTest {

    private static final int STEPS = 2500;

    /** What a run did, so that it can fail if it never reached the cases it is for. */
    private int shrinksMoved;
    private final int[] heapsClaimedByResidue = new int[2];

    enum Setup { FIXED_MANUAL, GROWING, PARENT }

    /** A live block: its size, alignment and the seed of its byte pattern. */
    private record Block(long byteSize, long byteAlignment, byte seed) {
    }

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (Binning binning : Binning.values()) {
            for (Setup setup : Setup.values()) {
                for (long seed = 1; seed <= 4; seed++) {
                    runs.add(Arguments.of(binning, setup, seed));
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest
    @MethodSource("runs")
    void randomOperationsKeepEveryBlockAndEveryInvariant(Binning binning, Setup setup, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        LinearMemory memory = setup == Setup.FIXED_MANUAL ? BinnedTesting.fixed(4 << 20)
                : LinearMemory.ofNative(64L << 20);
        try {
            BinnedAllocator parent = setup == Setup.PARENT ? BinnedAllocator.builder(memory).binning(binning).build()
                    : null;
            BinnedAllocator allocator = switch (setup) {
                case FIXED_MANUAL -> BinnedAllocator.builder(memory).binning(binning).source(MemorySource.manual())
                        .build();
                case GROWING -> BinnedAllocator.builder(memory).binning(binning).build();
                case PARENT -> BinnedAllocator.builder(memory).binning(binning)
                        .source(MemorySource.fromParent(parent)).build();
            };
            Map<Long, Block> live = new HashMap<>();
            List<Long> offsets = new ArrayList<>();
            for (int step = 0; step < STEPS; step++) {
                int action = random.nextInt(100);
                String what;
                if (action < 35) {
                    what = allocate(random, memory, allocator, live, offsets);
                } else if (action < 55 && !offsets.isEmpty()) {
                    long offset = offsets.remove(random.nextInt(offsets.size()));
                    Block block = live.remove(offset);
                    assertPattern(memory, offset, block, block.byteSize(), "before free");
                    what = "free " + offset;
                    if (random.nextBoolean()) {
                        allocator.free(offset);
                    } else {
                        allocator.free(offset, block.byteSize());
                    }
                } else if (action < 85 && !offsets.isEmpty()) {
                    what = reallocate(random, memory, allocator, live, offsets);
                } else if (action < 90 && setup == Setup.FIXED_MANUAL) {
                    long offset = (random.nextLong(8192, memory.byteSize() - 1000) & -16)
                            + new long[] {0, 8, 1, 7, 15, 9}[random.nextInt(6)];
                    long byteSize = random.nextInt(3) == 0 ? 50 + random.nextInt(40) : random.nextLong(56, 200_000);
                    what = "claim " + offset + " " + byteSize;
                    try {
                        long heap = allocator.claim(offset, byteSize);
                        assertEquals(0, heap % 8, what);
                        heapsClaimedByResidue[(int) (heap % 16 / 8)]++;
                        assertEquals(0, (heap + allocator.heapByteSize(heap)) % 16, what + ": a heap ends at 0 mod 16");
                    } catch (IllegalArgumentException refused) {
                        // overlaps a heap or the metadata, or too small: nothing changed (verify below)
                    }
                } else if (action < 95 && setup != Setup.PARENT && allocator.heaps().length > 0) {
                    long[] heaps = allocator.heaps();
                    long heap = heaps[random.nextInt(heaps.length)];
                    long byteSize = allocator.heapByteSize(heap);
                    long reserved = allocator.reserved(heap);
                    long wanted = Math.min(byteSize, random.nextBoolean() ? random.nextLong(0, byteSize + 1)
                            : reserved + random.nextLong(0, 100));
                    what = "truncate " + heap + " (" + byteSize + ", reserved " + reserved + ") to " + wanted;
                    long result = allocator.truncate(heap, wanted);
                    assertTrue(result == 0 || result >= reserved, what + " gave " + result);
                    if (result != 0) {
                        assertEquals(result, allocator.heapByteSize(heap), what);
                        assertEquals(0, (heap + result) % 16, what + ": a heap ends at 0 mod 16");
                    }
                } else if (action < 98 && setup != Setup.PARENT && allocator.heaps().length > 0) {
                    long[] heaps = allocator.heaps();
                    long heap = heaps[random.nextInt(heaps.length)];
                    long wanted = allocator.heapByteSize(heap) + random.nextLong(0, 5000);
                    what = "extend " + heap + " to " + wanted;
                    try {
                        assertEquals(0, (heap + allocator.extend(heap, wanted)) % 16, what);
                    } catch (IllegalArgumentException refused) {
                        // would overlap the next heap or leave the memory
                    }
                } else if (action >= 98 && memory.byteSize() > 0) {
                    what = "reopen";
                    AllocatorStats before = allocator.stats();
                    allocator = switch (setup) {
                        case FIXED_MANUAL -> BinnedAllocator.builder(memory).source(MemorySource.manual()).open();
                        case GROWING -> BinnedAllocator.open(memory);
                        case PARENT -> BinnedAllocator.builder(memory).source(MemorySource.fromParent(parent))
                                .metadataOffset(allocator.metadataOffset()).open();
                    };
                    assertEquals(before, allocator.stats(), "statistics after reopening, step " + step);
                } else {
                    continue;
                }
                try {
                    allocator.verify();
                    if (parent != null) {
                        parent.verify();
                    }
                } catch (IllegalStateException broken) {
                    throw new AssertionError("step " + step + ": " + what, broken);
                }
            }
            for (Map.Entry<Long, Block> entry : live.entrySet()) {
                assertPattern(memory, entry.getKey(), entry.getValue(), entry.getValue().byteSize(), "at the end");
                allocator.free(entry.getKey());
            }
            allocator.verify();
            assertEquals(0, allocator.stats().allocationCount());
            assertEquals(0, allocator.stats().allocatedBytes());
            assertTrue(allocator.stats().totalAllocationCount() > STEPS / 3, "the run allocated");
            assertTrue(shrinksMoved > 0, "some shrink moved");
            if (setup == Setup.FIXED_MANUAL) {
                assertTrue(heapsClaimedByResidue[0] > 0 && heapsClaimedByResidue[1] > 0,
                        "heaps claimed at 0 and at 8 mod 16");
            }
        } finally {
            memory.close();
        }
    }

    private static String allocate(SplittableRandom random, LinearMemory memory, Allocator allocator,
            Map<Long, Block> live, List<Long> offsets) {
        long byteSize = randomSize(random);
        long byteAlignment = random.nextInt(4) == 0 ? 1L << random.nextInt(13) : 1L << random.nextInt(5);
        String what = "allocate " + byteSize + " at " + byteAlignment;
        long offset = allocator.tryAllocate(byteSize, byteAlignment);
        if (offset != Allocator.NULL) {
            assertEquals(0, offset % Math.max(16, byteAlignment), what + ": blocks are 16-aligned at least");
            Block block = new Block(byteSize, byteAlignment, (byte) random.nextInt());
            writePattern(memory, offset, block);
            assertNull(live.put(offset, block), what + " handed out a live offset");
            offsets.add(offset);
        }
        return what;
    }

    private String reallocate(SplittableRandom random, LinearMemory memory, Allocator allocator,
            Map<Long, Block> live, List<Long> offsets) {
        int index = random.nextInt(offsets.size());
        long offset = offsets.get(index);
        Block block = live.get(offset);
        long newByteSize = switch (random.nextInt(4)) {
            case 0 -> block.byteSize() / (2 + random.nextInt(20)); // below half: may move
            case 1 -> block.byteSize() - random.nextLong(0, Math.max(1, block.byteSize() / 3));
            default -> randomSize(random);
        };
        long byteAlignment = random.nextBoolean() ? block.byteAlignment() : 1L << random.nextInt(5);
        String what = "reallocate " + offset + " from " + block.byteSize() + " to " + newByteSize + " at "
                + byteAlignment;
        boolean keepsAlignment = offset % byteAlignment == 0;
        boolean shrinks = newByteSize <= block.byteSize();
        long memoryByteSize = memory.byteSize();
        long moved = allocator.tryReallocate(offset, newByteSize, byteAlignment);
        if (moved == Allocator.NULL) {
            assertTrue(!shrinks || !keepsAlignment, what + ": a shrink that keeps its alignment failed");
            assertPattern(memory, offset, block, block.byteSize(), what + " failed");
            return what;
        }
        if (shrinks && keepsAlignment) {
            assertEquals(memoryByteSize, memory.byteSize(), what + ": a shrink grew the memory");
            shrinksMoved += moved != offset ? 1 : 0;
        }
        assertEquals(0, moved % Math.max(16, byteAlignment), what);
        assertPattern(memory, moved, block, Math.min(block.byteSize(), newByteSize), what);
        live.remove(offset);
        offsets.remove(index);
        Block resized = new Block(newByteSize, byteAlignment, (byte) random.nextInt());
        writePattern(memory, moved, resized);
        assertNull(live.put(moved, resized), what + " moved onto a live block");
        offsets.add(moved);
        return what;
    }

    private static long randomSize(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0 -> random.nextLong(0, 64);
            case 1 -> random.nextLong(0, 1100);
            case 2 -> random.nextLong(0, 20_000);
            case 3 -> random.nextLong(10_000, 120_000);
            default -> random.nextLong(0, 4000);
        };
    }

    private static void writePattern(LinearMemory memory, long offset, Block block) {
        MemorySegment s = memory.segment();
        for (long i = 0; i < block.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, offset + i, (byte) (block.seed() + i * 7));
        }
    }

    private static void assertPattern(LinearMemory memory, long offset, Block block, long byteCount, String when) {
        MemorySegment s = memory.segment();
        for (long i = 0; i < byteCount; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, offset + i) != (byte) (block.seed() + i * 7)) {
                throw new AssertionError(when + ": the block at " + offset + " (" + block.byteSize()
                        + " bytes) changed at byte " + i);
            }
        }
    }
}
