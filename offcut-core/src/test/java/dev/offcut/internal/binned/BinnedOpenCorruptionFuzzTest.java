package dev.offcut.internal.binned;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.FuzzArguments;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer target: {@link BinnedAllocator#open(LinearMemory)} over a heap whose bytes the fuzzer mutated.
 *
 * <p>The fuzzer's bytes build a heap (allocations, frees and reallocations recorded in a {@link LiveBlocks} model),
 * then flip bits, set bytes, shift or copy 8-byte words in the superblock, around live blocks' headers or anywhere
 * in the used part of the memory, and reopen. {@code open} may refuse with {@link IllegalArgumentException}; a
 * {@code verify()} that throws {@link IllegalStateException} right after it is the documented division of labour
 * ({@code open} refuses what would surface as damage, {@code verify} checks the rest). Otherwise the reopened
 * allocator must keep the promises of a healthy one: heap queries answer, and through up to
 * {@value #MAX_STEPS_AFTER_OPEN} more operations no live block moves or changes (bytes the fuzzer changed inside a
 * block become that block's contents), no block overlaps another, the only exceptions are the documented ones (a free
 * or reallocation refused with {@link IllegalArgumentException}, running out of memory), and {@code verify()} keeps
 * passing. Until the {@code open()} defects of issue 13 are fixed this target finds them; its committed inputs are
 * ones that pass.
 */
class BinnedOpenCorruptionFuzzTest {

    private static final int MAX_BUILD_STEPS = 24;
    private static final int MAX_MUTATIONS = 6;
    private static final int MAX_STEPS_AFTER_OPEN = 12;
    private static final long MAX_MEMORY_BYTE_SIZE = 16 * LinearMemory.PAGE_BYTE_SIZE;
    private static final long MAX_BLOCK_BYTE_SIZE = 20_000;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    @FuzzTest(maxDuration = "10m")
    void openOverMutatedMetadataRefusesOrKeepsThePromises(FuzzedDataProvider data) {
        Binning binning = data.pickValue(Binning.values());
        // Mostly heap memory: closing a native one is a handshake with every thread, slow next to a run.
        try (LinearMemory memory = data.consumeInt(0, 3) != 0 ? LinearMemory.ofHeap(MAX_MEMORY_BYTE_SIZE)
                : LinearMemory.ofNative(MAX_MEMORY_BYTE_SIZE)) {
            BinnedAllocator built = BinnedAllocator.builder(memory).binning(binning).build();
            LiveBlocks builtModel = new LiveBlocks(built, data.consumeLong());
            int buildSteps = data.consumeInt(1, MAX_BUILD_STEPS);
            for (int i = 0; i < buildSteps; i++) {
                step(builtModel, data, false);
            }
            builtModel.checkAll();
            if (memory.byteSize() == 0) {
                return; // nothing was ever allocated: no metadata to reopen
            }
            long superblockByteSize = BinIndex.of(binning).superblockByteSize();
            int mutations = data.consumeInt(1, MAX_MUTATIONS);
            boolean metadataChanged = false;
            for (int i = 0; i < mutations; i++) {
                metadataChanged |= mutate(memory, built, builtModel, superblockByteSize, data);
            }

            // With only blocks' own bytes changed the metadata is intact: open and verify must accept it.
            BinnedAllocator reopened;
            try {
                reopened = BinnedAllocator.open(memory);
            } catch (IllegalArgumentException refused) {
                if (metadataChanged) {
                    return;
                }
                throw new AssertionError("open refused intact metadata: " + refused, refused);
            }
            try {
                reopened.verify();
            } catch (IllegalStateException refusedByVerify) {
                if (metadataChanged) {
                    return;
                }
                throw new AssertionError("verify refused intact metadata: " + refusedByVerify, refusedByVerify);
            }
            LiveBlocks model = builtModel.reopenedAs(reopened);
            try {
                queryHeaps(reopened);
                model.checkAll();
                LiveBlocks.checkStatsRelations(reopened, reopened.stats());
                int steps = data.consumeInt(0, MAX_STEPS_AFTER_OPEN);
                for (int i = 0; i < steps; i++) {
                    // Only changed metadata (a header, a link) may make a free of a live block refusable.
                    step(model, data, metadataChanged);
                    model.checkAll();
                    LiveBlocks.checkStatsRelations(reopened, reopened.stats());
                }
                queryHeaps(reopened);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("reopened " + binning + " heap after " + mutations + " mutations broke a "
                        + "promise: " + e, e);
            }
        }
    }

    /** The heap-management queries must answer on any heap {@code open} accepted. */
    private static void queryHeaps(BinnedAllocator allocator) {
        long[] heaps = allocator.heaps();
        long memoryByteSize = allocator.memory().byteSize();
        for (long heap : heaps) {
            long heapByteSize = allocator.heapByteSize(heap);
            assertTrue(heap > 0 && heapByteSize > 0 && heapByteSize <= memoryByteSize - heap,
                    () -> "heap " + heap + " of " + heapByteSize + " bytes in a memory of " + memoryByteSize);
        }
    }

    /**
     * One operation on the model's allocator. After a reopen ({@code mayRefuse}), frees and reallocations may be
     * refused with {@link IllegalArgumentException}: a mutated header or neighbour is a bad free the allocator can
     * tell; nothing may change then.
     */
    private static void step(LiveBlocks model, FuzzedDataProvider data, boolean mayRefuse) {
        Allocator allocator = model.allocator();
        int kind = data.consumeInt(0, 5);
        if (kind <= 2 || model.isEmpty()) {
            long byteSize = data.consumeInt(0, 3) == 0 ? data.consumeLong(0, MAX_BLOCK_BYTE_SIZE)
                    : data.consumeLong(0, 256);
            long byteAlignment = 1L << (data.consumeInt(0, 7) == 0 ? data.consumeInt(5, 16) : data.consumeInt(0, 4));
            long offset = allocator.tryAllocate(byteSize, byteAlignment);
            if (offset != Allocator.NULL) {
                model.add(offset, byteSize, byteAlignment);
            }
            return;
        }
        LiveBlocks.Block block = model.pick(data.consumeInt());
        AllocatorStats before = allocator.stats();
        try {
            if (kind == 3) {
                allocator.free(block.offset(), block.byteSize());
                model.remove(block.offset());
            } else if (kind == 4) {
                allocator.free(block.offset());
                model.remove(block.offset());
            } else {
                long newByteSize = FuzzArguments.byteSize(data, MAX_BLOCK_BYTE_SIZE);
                long moved = allocator.tryReallocate(block.offset(), newByteSize, block.byteAlignment());
                if (moved != Allocator.NULL) {
                    model.reallocated(block.offset(), moved, newByteSize, block.byteAlignment());
                }
            }
        } catch (IllegalArgumentException refused) {
            if (!mayRefuse) {
                throw refused;
            }
            assertEquals(before, allocator.stats(), "a refused free or reallocation changes no counter");
        }
    }

    /**
     * One mutation of the memory's bytes; a live block whose bytes it changes takes them as its contents.
     *
     * @return whether it changed a byte outside every live block (metadata, or free space)
     */
    private static boolean mutate(LinearMemory memory, BinnedAllocator allocator, LiveBlocks model,
            long superblockByteSize, FuzzedDataProvider data) {
        long memoryByteSize = memory.byteSize();
        long usedEnd = allocator.metadataOffset() + superblockByteSize;
        for (LiveBlocks.Block block : model.blocks()) {
            usedEnd = Math.max(usedEnd, block.offset() + block.byteSize() + 64);
        }
        usedEnd = Math.min(usedEnd, memoryByteSize);
        long at = switch (data.consumeInt(0, 2)) {
            case 0 -> allocator.metadataOffset() + data.consumeLong(0, superblockByteSize - 1);
            case 1 -> model.isEmpty() ? data.consumeLong(0, usedEnd - 1)
                    : model.pick(data.consumeInt()).offset() + data.consumeLong(-24, 15);
            default -> data.consumeLong(0, usedEnd - 1);
        };
        at = Math.clamp(at, 0, memoryByteSize - 8);
        MemorySegment segment = memory.segment();
        long changedFrom = at;
        long changedTo = at + 1;
        switch (data.consumeInt(0, 3)) {
            case 0 -> segment.set(ValueLayout.JAVA_BYTE, at,
                    (byte) (segment.get(ValueLayout.JAVA_BYTE, at) ^ (1 << data.consumeInt(0, 7))));
            case 1 -> segment.set(ValueLayout.JAVA_BYTE, at, data.consumeByte());
            case 2 -> {
                long word = at & -8L;
                long delta = data.consumeLong(-64, 64) * (data.consumeBoolean() ? 16 : 1);
                segment.set(WORD, word, segment.get(WORD, word) + delta);
                changedFrom = word;
                changedTo = word + 8;
            }
            default -> {
                // A word copied from elsewhere in the used bytes: a plausible header, link or counter.
                long word = at & -8L;
                long from = Math.clamp(data.consumeLong(0, usedEnd - 8), 0, memoryByteSize - 8) & -8L;
                segment.set(WORD, word, segment.get(WORD, from));
                changedFrom = word;
                changedTo = word + 8;
            }
        }
        long insideBlocks = 0;
        for (LiveBlocks.Block block : model.blocks()) {
            long from = Math.max(changedFrom, block.offset());
            long to = Math.min(changedTo, block.offset() + block.byteSize());
            if (from < to) {
                model.adoptContents(block.offset());
                insideBlocks += to - from;
            }
        }
        return insideBlocks < changedTo - changedFrom;
    }
}
