package dev.offcut;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.offcut.AllocatorContractTest.BadFree;
import dev.offcut.AllocatorContractTest.BadFreeResponse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Jazzer target: operation sequences on every allocator and wrapper the public API offers, checked against the
 * {@link LiveBlocks} model that the property and contract suites use.
 *
 * <p>The fuzzer's bytes choose the allocator, the memory it runs over and up to {@value #MAX_STEPS} steps: allocate,
 * zeroed allocate, try-allocate, free, sized free, reallocate (throwing and not) with fuzzed sizes and alignments,
 * and hostile calls: out-of-range sizes and alignments (documented: {@link IllegalArgumentException}, nothing
 * changes), frees and reallocations of offsets that are not live blocks, and sized frees of the wrong size (refused
 * or tolerated as {@link AllocatorContractTest.BadFreeResponse} says per allocator, as the contract suite does).
 * After every step: {@code verify()}, every live block's placement (non-zero, aligned, inside the memory, no overlap)
 * and contents (a pattern per block), and the {@code stats()} relations. Running out of memory is fine where each
 * method documents it ({@code NULL} or {@link OutOfMemoryError}); any other exception is a finding.
 *
 * <p>{@code mvn verify} replays the committed inputs in
 * {@code src/test/resources/dev/offcut/AllocatorSequenceFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (see
 * {@code docs/notes/2026-12-08-fuzzing.md}).
 */
class AllocatorSequenceFuzzTest {

    private static final int MAX_STEPS = 40;
    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;
    /** Large enough for several multi-page blocks, small enough that sequences reach exhaustion. */
    private static final long MAX_MEMORY_BYTE_SIZE = 32 * PAGE;
    /**
     * The largest medium size drawn. Page-sized and larger blocks come from the edge sizes; a larger medium range
     * made most of a run's time the model's pattern writes and content checks, not the allocator's code.
     */
    private static final long MAX_MEDIUM_BYTE_SIZE = PAGE / 4;

    /** How an allocator answers each kind of bad free: the contract suite's hooks, per subject. */
    private enum BadFrees {
        /** Every bad free is refused (an exact record, a chunk walk, headers with check bits, span bitmaps). */
        REFUSED_ALL,
        /** {@code free} checks that the offset could be a block, then does nothing (bump and page allocators). */
        FOREIGN_REFUSED_REST_TOLERATED;

        BadFreeResponse response(BadFree kind) {
            return this == REFUSED_ALL || kind == BadFree.FOREIGN ? BadFreeResponse.REFUSED
                    : BadFreeResponse.TOLERATED;
        }
    }

    /** Every allocator and wrapper of the public API, with what the model may expect of it. */
    private enum Subject {
        FAILING(memory -> Allocator.failing(), false, false, BadFrees.REFUSED_ALL, false),
        PAGES(Allocator::pages, true, false, BadFrees.FOREIGN_REFUSED_REST_TOLERATED, false),
        BUMP(Allocator::bump, true, false, BadFrees.FOREIGN_REFUSED_REST_TOLERATED, false),
        FREE_LIST(Allocator::freeList, true, true, BadFrees.REFUSED_ALL, false),
        BINNED(Allocator::binned, true, true, BadFrees.REFUSED_ALL, true),
        BINNED_COMPACT(memory -> BinnedAllocator.builder(memory).binning(Binning.COMPACT).build(), true, true,
                BadFrees.REFUSED_ALL, true),
        LOCKED_BINNED(memory -> Allocator.locked(Allocator.binned(memory)), true, true, BadFrees.REFUSED_ALL, true),
        LOCKED_FREE_LIST(memory -> Allocator.locked(Allocator.freeList(memory)), true, true, BadFrees.REFUSED_ALL,
                false),
        CONFINED_BUMP(memory -> Allocator.confined(Allocator.bump(memory)), true, false,
                BadFrees.FOREIGN_REFUSED_REST_TOLERATED, false),
        CONFINED_BINNED(memory -> Allocator.confined(Allocator.binned(memory)), true, true, BadFrees.REFUSED_ALL,
                true),
        CHECKED_FREE_LIST(memory -> Allocator.checked(Allocator.freeList(memory)), true, true, BadFrees.REFUSED_ALL,
                false),
        CHECKED_BINNED(memory -> Allocator.checked(Allocator.binned(memory)), true, true, BadFrees.REFUSED_ALL, false),
        CHECKED_BUMP(memory -> Allocator.checked(Allocator.bump(memory)), true, false, BadFrees.REFUSED_ALL, false),
        CONCURRENT(Allocator::concurrent, true, true, BadFrees.REFUSED_ALL, true);

        final Function<LinearMemory, Allocator> factory;
        final boolean allocates;
        final boolean reusesFreedMemory;
        final BadFrees badFrees;
        /**
         * Whether the allocator tells a bad free by a header word's check bits, which a word inside a live block's
         * bytes passes with probability 2^-20 (documented): such frees are not tried, or millions of runs would
         * report that documented chance as a finding.
         */
        final boolean checksHeaderWords;

        Subject(Function<LinearMemory, Allocator> factory, boolean allocates, boolean reusesFreedMemory,
                BadFrees badFrees, boolean checksHeaderWords) {
            this.factory = factory;
            this.allocates = allocates;
            this.reusesFreedMemory = reusesFreedMemory;
            this.badFrees = badFrees;
            this.checksHeaderWords = checksHeaderWords;
        }
    }

    /** The memories an allocator can run over: grown in place, moved on growth, dirty and fixed. */
    private enum Backing {
        NATIVE, NATIVE_WITH_DIRTY_PAGES, HEAP, FIXED
    }

    @FuzzTest(maxDuration = "10m")
    void operationSequencesKeepTheModel(FuzzedDataProvider data) {
        Subject subject = data.pickValue(Subject.values());
        // Native memories are a quarter of the runs: closing one is a handshake with every thread, which would
        // otherwise take most of a run's time; the heap and fixed backings reach the same allocator code.
        Backing backing = switch (data.consumeInt(0, 7)) {
            case 0 -> Backing.NATIVE;
            case 1 -> Backing.NATIVE_WITH_DIRTY_PAGES;
            case 2, 3, 4 -> Backing.HEAP;
            default -> Backing.FIXED;
        };
        try (Arena arena = Arena.ofConfined(); LinearMemory memory = newMemory(backing, arena)) {
            Allocator allocator = subject.factory.apply(memory);
            new Run(subject, new LiveBlocks(allocator, data.consumeLong()), data).run();
        }
    }

    private static LinearMemory newMemory(Backing backing, Arena arena) {
        return switch (backing) {
            case NATIVE -> LinearMemory.ofNative(MAX_MEMORY_BYTE_SIZE);
            case NATIVE_WITH_DIRTY_PAGES -> {
                // Existing pages are used first and are not known to be zero.
                LinearMemory memory = LinearMemory.ofNative(MAX_MEMORY_BYTE_SIZE, 2 * PAGE);
                memory.segment().fill((byte) 0xA5);
                yield memory;
            }
            case HEAP -> LinearMemory.ofHeap(MAX_MEMORY_BYTE_SIZE);
            case FIXED -> {
                MemorySegment segment = arena.allocate(8 * PAGE, PAGE);
                segment.fill((byte) 0x5A);
                yield LinearMemory.of(segment);
            }
        };
    }

    /** One sequence: the subject, its model, the fuzzer's bytes, and offsets freed earlier (for double frees). */
    private static final class Run {
        private final Subject subject;
        private final LiveBlocks model;
        private final Allocator allocator;
        private final FuzzedDataProvider data;
        private final List<Long> freedOffsets = new ArrayList<>();
        private long freedByPreviousStep = Allocator.NULL;
        private long freedByThisStep = Allocator.NULL;
        private int step;

        Run(Subject subject, LiveBlocks model, FuzzedDataProvider data) {
            this.subject = subject;
            this.model = model;
            this.allocator = model.allocator();
            this.data = data;
        }

        void run() {
            try {
                while (step < MAX_STEPS && data.remainingBytes() > 0) {
                    step();
                    model.checkAll();
                    model.checkStats(subject.reusesFreedMemory);
                    step++;
                }
                if (subject.reusesFreedMemory) {
                    for (LiveBlocks.Block block : model.blocks()) {
                        allocator.free(block.offset(), block.byteSize());
                        model.remove(block.offset());
                    }
                    model.checkAll();
                    AllocatorStats stats = allocator.stats();
                    assertEquals(0, stats.allocationCount(), () -> "after freeing everything\n" + stats);
                    assertEquals(0, stats.allocatedBytes(), () -> "after freeing everything\n" + stats);
                }
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("step " + step + " on " + subject + " (" + allocator + "): " + e, e);
            }
        }

        private void step() {
            freedByPreviousStep = freedByThisStep;
            freedByThisStep = Allocator.NULL;
            switch (data.consumeInt(0, 13)) {
                case 0, 1, 2 -> allocate(false, true);
                case 3 -> allocate(true, true);
                case 4 -> allocate(false, false);
                case 5 -> allocate(true, false);
                case 6 -> free(false);
                case 7 -> free(true);
                case 8 -> reallocate();
                case 9 -> {
                    if (!model.isEmpty()) {
                        model.rewrite(model.pick(data.consumeInt()).offset());
                    }
                }
                case 10 -> hostileArguments();
                case 11 -> badFree();
                case 12 -> wrongSizeFree();
                default -> nullOffsets();
            }
        }

        private void allocate(boolean zeroed, boolean throwing) {
            long byteSize = FuzzArguments.byteSize(data, MAX_MEDIUM_BYTE_SIZE);
            long byteAlignment = FuzzArguments.byteAlignment(data);
            long offset;
            try {
                offset = zeroed ? (throwing ? allocator.allocateZeroed(byteSize, byteAlignment)
                        : allocator.tryAllocateZeroed(byteSize, byteAlignment))
                        : (throwing ? allocator.allocate(byteSize, byteAlignment)
                        : allocator.tryAllocate(byteSize, byteAlignment));
                if (throwing) {
                    assertTrue(offset != Allocator.NULL, "a throwing allocation returned NULL");
                }
            } catch (OutOfMemoryError e) {
                assertTrue(throwing, () -> "a try- allocation threw " + e);
                offset = Allocator.NULL;
            }
            if (offset == Allocator.NULL) {
                return;
            }
            if (!subject.allocates) {
                fail("an allocation succeeded on " + allocator);
            }
            if (zeroed) {
                model.addZeroed(offset, byteSize, byteAlignment);
            } else {
                model.add(offset, byteSize, byteAlignment);
            }
        }

        private void free(boolean sized) {
            if (model.isEmpty()) {
                return;
            }
            LiveBlocks.Block block = model.pick(data.consumeInt());
            if (sized) {
                allocator.free(block.offset(), block.byteSize());
            } else {
                allocator.free(block.offset());
            }
            model.remove(block.offset());
            freedOffsets.add(block.offset());
            freedByThisStep = block.offset();
        }

        private void reallocate() {
            long byteSize = FuzzArguments.byteSize(data, MAX_MEDIUM_BYTE_SIZE);
            long byteAlignment = FuzzArguments.byteAlignment(data);
            boolean throwing = data.consumeBoolean();
            if (model.isEmpty()) {
                return;
            }
            LiveBlocks.Block block = model.pick(data.consumeInt());
            long moved;
            try {
                moved = throwing ? allocator.reallocate(block.offset(), byteSize, byteAlignment)
                        : allocator.tryReallocate(block.offset(), byteSize, byteAlignment);
            } catch (OutOfMemoryError e) {
                assertTrue(throwing, () -> "tryReallocate threw " + e);
                moved = Allocator.NULL;
            }
            if (moved != Allocator.NULL) {
                if (moved != block.offset()) {
                    freedOffsets.add(block.offset());
                }
                model.reallocated(block.offset(), moved, byteSize, byteAlignment);
            }
        }

        /** Out-of-range sizes and alignments: refused with IllegalArgumentException naming them; nothing changes. */
        private void hostileArguments() {
            boolean badSize = data.consumeBoolean();
            long byteSize = badSize ? FuzzArguments.badByteSize(data) : FuzzArguments.byteSize(data, 4096);
            long byteAlignment = badSize && data.consumeBoolean() ? FuzzArguments.byteAlignment(data)
                    : FuzzArguments.badByteAlignment(data);
            int method = data.consumeInt(0, 6);
            long offset = model.isEmpty() || data.consumeBoolean() ? Allocator.NULL
                    : model.pick(data.consumeInt()).offset();
            if (method == 6 && !badSize) {
                return; // a sized free has no alignment to get wrong
            }
            AllocatorStats before = allocator.stats();
            try {
                switch (method) {
                    case 0 -> allocator.tryAllocate(byteSize, byteAlignment);
                    case 1 -> allocator.allocate(byteSize, byteAlignment);
                    case 2 -> allocator.tryAllocateZeroed(byteSize, byteAlignment);
                    case 3 -> allocator.allocateZeroed(byteSize, byteAlignment);
                    case 4 -> allocator.tryReallocate(offset, byteSize, byteAlignment);
                    case 5 -> allocator.reallocate(offset, byteSize, byteAlignment);
                    default -> allocator.free(offset == Allocator.NULL ? 8 : offset, byteSize);
                }
                fail("method " + method + " accepted byteSize " + byteSize + ", byteAlignment " + byteAlignment);
            } catch (IllegalArgumentException expected) {
                // "byteSize", "newByteSize" or "byteAlignment": the message names the argument.
                String argument = badSize ? "bytesize" : "bytealignment";
                String message = String.valueOf(expected.getMessage()).toLowerCase(Locale.ROOT);
                assertTrue(message.contains(argument),
                        () -> "the refusal must name " + argument + ": " + expected.getMessage());
            }
            assertEquals(before, allocator.stats(), "a refused call changes no counter");
        }

        /** Frees and reallocations of offsets that are not live blocks: double, interior and foreign. */
        private void badFree() {
            long memoryByteSize = allocator.memory().byteSize();
            BadFree kind;
            long offset;
            switch (data.consumeInt(0, 2)) {
                case 0 -> {
                    if (freedOffsets.isEmpty()) {
                        return;
                    }
                    kind = BadFree.DOUBLE_FREE;
                    offset = freedOffsets.get(data.consumeInt(0, freedOffsets.size() - 1));
                }
                case 1 -> {
                    if (model.isEmpty()) {
                        return;
                    }
                    LiveBlocks.Block block = model.pick(data.consumeInt());
                    kind = BadFree.INTERIOR;
                    offset = block.offset() + data.consumeLong(1, Math.max(1, block.byteSize() - 1));
                }
                default -> {
                    kind = BadFree.FOREIGN;
                    offset = data.consumeBoolean() ? data.consumeLong(Long.MIN_VALUE, -1)
                            : memoryByteSize + data.consumeLong(0, Long.MAX_VALUE - memoryByteSize);
                }
            }
            if (isLive(offset) || offset == Allocator.NULL || mayPassAHeaderCheck(offset)) {
                return; // not a bad free after all, or one the allocator documents it may miss
            }
            // What a tolerated reallocation of a bad offset does is not documented (it may copy from it): only frees.
            boolean tolerated = subject.badFrees.response(kind) == BadFreeResponse.TOLERATED;
            int method = data.consumeInt(0, tolerated ? 1 : 2);
            long byteSize = data.consumeLong(0, 256);
            AllocatorStats before = allocator.stats();
            boolean refused;
            try {
                switch (method) {
                    case 0 -> allocator.free(offset);
                    case 1 -> allocator.free(offset, byteSize);
                    default -> assertEquals(Allocator.NULL, allocator.tryReallocate(offset, byteSize, 8),
                            "a reallocation of a bad offset that was not refused must do nothing");
                }
                refused = false;
            } catch (IllegalArgumentException e) {
                refused = true;
            }
            if (refused) {
                assertEquals(before, allocator.stats(), () -> "a refused " + kind + " changes no counter");
            } else if (!tolerated) {
                fail(kind + " of " + offset + " by method " + method + " was not refused");
            }
        }

        /** A sized free of a live block with a size other than its own. */
        private void wrongSizeFree() {
            if (model.isEmpty()) {
                return;
            }
            LiveBlocks.Block block = model.pick(data.consumeInt());
            long wrong = block.byteSize() + data.consumeLong(-64, 64);
            if (wrong == block.byteSize() || wrong < 0) {
                return;
            }
            AllocatorStats before = allocator.stats();
            try {
                allocator.free(block.offset(), wrong);
                if (subject.badFrees.response(BadFree.WRONG_SIZE) == BadFreeResponse.REFUSED) {
                    fail("a sized free of " + block + " with size " + wrong + " was not refused");
                }
                // Tolerated: the allocator did nothing, and the block is still live.
            } catch (IllegalArgumentException expected) {
                assertEquals(before, allocator.stats(), "a refused wrong-size free changes no counter");
            }
        }

        /** {@code free(NULL)} does nothing; {@code tryReallocate(NULL, n, a)} allocates. */
        private void nullOffsets() {
            AllocatorStats before = allocator.stats();
            if (data.consumeBoolean()) {
                allocator.free(Allocator.NULL);
            } else {
                allocator.free(Allocator.NULL, data.consumeLong(0, 4096));
            }
            assertEquals(before, allocator.stats(), "freeing NULL changes no counter");
            long byteSize = FuzzArguments.byteSize(data, MAX_MEDIUM_BYTE_SIZE);
            long byteAlignment = FuzzArguments.byteAlignment(data);
            long offset = allocator.tryReallocate(Allocator.NULL, byteSize, byteAlignment);
            if (offset != Allocator.NULL) {
                if (!subject.allocates) {
                    fail("tryReallocate(NULL, ...) succeeded on " + allocator);
                }
                model.add(offset, byteSize, byteAlignment);
            }
        }

        private boolean isLive(long offset) {
            for (LiveBlocks.Block block : model.blocks()) {
                if (block.offset() == offset) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Tells whether a bad free of {@code offset} could pass a header check by the documented 2^-20 chance: any
         * 16-aligned offset whose header word may hold bytes a caller wrote (the model's random patterns, now or
         * before the bytes were freed), which is every one but a block freed by the step just before.
         */
        private boolean mayPassAHeaderCheck(long offset) {
            return subject.checksHeaderWords && (offset & 15) == 0 && offset != freedByPreviousStep;
        }
    }
}
