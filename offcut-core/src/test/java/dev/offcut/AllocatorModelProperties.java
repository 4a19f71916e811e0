package dev.offcut;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property tests (jqwik): random sequences of allocate, allocateZeroed, tryAllocate, free, sized free, reallocate and
 * rewrite, with random sizes and alignments, run against an allocator and checked step by step against a
 * {@link LiveBlocks} model -- a map of live blocks to the bytes each must hold. After every step: the allocator's
 * {@code verify()}, every live block's placement (non-zero, aligned, inside the memory, no overlap) and contents, and
 * the statistics.
 *
 * <p>Subclass it once per allocator with {@link #newAllocator(LinearMemory)} and the capability hooks that differ
 * from the defaults. Name subclasses {@code *PropertiesTest} so that surefire's default includes pick them up.
 * Tries and sequence lengths are modest so that one subclass runs in seconds.
 */
// Public members reached by jqwik through subclasses in other packages; their signatures use jqwik types.
@SuppressWarnings("exports")
public abstract class AllocatorModelProperties {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    /** Creates the property suite; jqwik instantiates each subclass through its no-arg constructor. */
    public AllocatorModelProperties() {
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Hooks

    /**
     * Creates the allocator under test over {@code memory}.
     *
     * @param memory a fresh memory, closed after the try
     * @return a new allocator over {@code memory}
     */
    protected abstract Allocator newAllocator(LinearMemory memory);

    /**
     * Creates the roomy memory of the main property: nothing should run out in it.
     *
     * @return a fresh memory
     */
    protected LinearMemory newMemory() {
        return LinearMemory.ofNative(32L << 20);
    }

    /**
     * Creates the small memory of the exhaustion property: sequences run out often in it.
     *
     * @return a fresh memory
     */
    protected LinearMemory newSmallMemory() {
        return LinearMemory.ofNative(4 * PAGE);
    }

    /**
     * Creates the heap memory of the heap property (segments go stale on every grow).
     *
     * @return a fresh memory, or {@code null} to skip the heap property
     */
    protected LinearMemory newHeapMemory() {
        return LinearMemory.ofHeap(16L << 20);
    }

    /**
     * Tells whether allocations can succeed ({@code false} for {@link Allocator#failing()}: every allocation is then
     * asserted to fail).
     *
     * @return {@code true} if allocations can succeed
     */
    protected boolean allocates() {
        return true;
    }

    /**
     * Tells whether freed memory is handed out again.
     *
     * @return {@code true} if free makes room
     */
    protected boolean reusesFreedMemory() {
        return true;
    }

    /**
     * Tells whether {@code allocationCount}/{@code allocatedBytes} drop when a block is freed.
     *
     * @return {@code true} if the live counters follow frees
     */
    protected boolean countsFrees() {
        return reusesFreedMemory();
    }

    /**
     * Tells whether the allocator accepts {@code byteAlignment}; unsupported ones must be refused with
     * {@link IllegalArgumentException}.
     *
     * @param byteAlignment a power of two
     * @return {@code true} if supported
     */
    protected boolean supportsAlignment(long byteAlignment) {
        return true;
    }

    /**
     * Returns the room, beyond the request itself and its alignment, an allocator may need to grow the memory by to
     * satisfy a request (headers, metadata, rounding). A request the memory could still grow by this much for must
     * not fail in the main property.
     *
     * @return slack in bytes
     */
    protected long growthSlackByteSize() {
        return 2 * PAGE;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Operations

    /** What one step does. */
    public enum Kind {
        /** {@code allocate(size, alignment)}. */
        ALLOCATE,
        /** {@code allocateZeroed(size, alignment)}: the block must be zero. */
        ALLOCATE_ZEROED,
        /** {@code tryAllocate(size, alignment)}. */
        TRY_ALLOCATE,
        /** {@code free(offset)} of a live block. */
        FREE,
        /** {@code free(offset, size)} of a live block. */
        SIZED_FREE,
        /** {@code reallocate(offset, size, alignment)} of a live block. */
        REALLOCATE,
        /** Write a fresh pattern into a live block. */
        REWRITE
    }

    /**
     * One step of a sequence.
     *
     * @param kind          what it does
     * @param byteSize      the size for allocations and reallocations
     * @param alignmentLog2 log2 of the alignment
     * @param pick          which live block, modulo their number, frees/reallocations/rewrites use
     */
    public record Operation(Kind kind, long byteSize, int alignmentLog2, int pick) {
        /**
         * Returns the alignment.
         *
         * @return {@code 1 << alignmentLog2}
         */
        public long byteAlignment() {
            return 1L << alignmentLog2;
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + "(" + byteSize + ", " + byteAlignment() + ", #" + pick + ")";
        }
    }

    /**
     * Generates operation sequences: mostly small sizes, some medium, a few over a page; mostly small alignments, a
     * few up to a page.
     *
     * @return the sequences
     */
    @Provide
    public Arbitrary<List<Operation>> operations() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(List.of(
                Tuple.of(6, Kind.ALLOCATE), Tuple.of(3, Kind.ALLOCATE_ZEROED), Tuple.of(2, Kind.TRY_ALLOCATE),
                Tuple.of(3, Kind.FREE), Tuple.of(2, Kind.SIZED_FREE), Tuple.of(3, Kind.REALLOCATE),
                Tuple.of(1, Kind.REWRITE)));
        Arbitrary<Long> sizes = Arbitraries.frequencyOf(List.of(
                Tuple.of(50, Arbitraries.longs().between(0, 64)),
                Tuple.of(30, Arbitraries.longs().between(65, 2048)),
                Tuple.of(12, Arbitraries.longs().between(2049, 70_000)),
                Tuple.of(8, Arbitraries.of(0L, 8L, 16L, 4096L, PAGE - 8, PAGE, PAGE + 1))));
        Arbitrary<Integer> alignments = Arbitraries.frequencyOf(List.of(
                Tuple.of(70, Arbitraries.integers().between(0, 4)),
                Tuple.of(25, Arbitraries.integers().between(5, 12)),
                Tuple.of(5, Arbitraries.integers().between(13, 16))));
        Arbitrary<Integer> picks = Arbitraries.integers().between(0, 1000);
        return Combinators.combine(kinds, sizes, alignments, picks).as(Operation::new).list().ofMinSize(1)
                .ofMaxSize(60);
    }

    @Property(tries = 150)
    public void randomSequencesKeepTheModel(@ForAll("operations") List<Operation> operations) {
        try (LinearMemory memory = newMemory()) {
            run(memory, operations, false);
        }
    }

    @Property(tries = 80)
    public void randomSequencesNearExhaustionKeepTheModel(@ForAll("operations") List<Operation> operations) {
        try (LinearMemory memory = newSmallMemory()) {
            run(memory, operations, true);
        }
    }

    @Property(tries = 40)
    public void randomSequencesOnHeapMemoryKeepTheModel(@ForAll("operations") List<Operation> operations) {
        LinearMemory heap = newHeapMemory();
        if (heap == null) {
            return;
        }
        try (LinearMemory memory = heap) {
            run(memory, operations, false);
        }
    }

    @Property(tries = 40)
    public void randomSequencesOnAMemoryThatAlreadyHasDirtyPagesKeepTheModel(
            @ForAll("operations") List<Operation> operations) {
        // Existing pages are used first and are not known to be zero; blocks can then move down as well as up.
        try (LinearMemory memory = LinearMemory.ofNative(32L << 20, 3 * PAGE)) {
            memory.segment().fill((byte) 0xA5);
            run(memory, operations, false);
        }
    }

    @Property(tries = 40)
    public void randomSequencesWhileSomeoneElseGrowsTheMemoryKeepTheModel(
            @ForAll("operations") List<Operation> operations) {
        // Another owner grows the shared memory (and fills its pages) every few steps: the allocator must never
        // hand out, zero or overwrite those bytes, on native memory and on heap memory that moves when it grows.
        for (LinearMemory memory : new LinearMemory[] {LinearMemory.ofNative(64L << 20), newHeapMemory()}) {
            if (memory == null) {
                continue;
            }
            try (memory) {
                runSharing(memory, operations);
            }
        }
    }

    /**
     * Generates the 0-based indices of the grow calls a fault-injecting memory refuses.
     *
     * @return sets of small indices
     */
    @Provide
    public Arbitrary<Set<Integer>> refusedGrowCalls() {
        return Arbitraries.integers().between(0, 12).set().ofMaxSize(6);
    }

    @Property(tries = 60)
    public void randomSequencesWithRefusedGrowsKeepTheModel(@ForAll("operations") List<Operation> operations,
            @ForAll("refusedGrowCalls") Set<Integer> refusedGrowCalls) {
        try (LinearMemory memory = LinearMemory.ofFaultInjecting(newMemory(),
                call -> call < Integer.MAX_VALUE && refusedGrowCalls.contains((int) call))) {
            run(memory, operations, true);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The runner

    private static final MemorySegment FOREIGN_PAGE = MemorySegment.ofArray(new byte[(int) PAGE]).fill((byte) 0x3C);

    private void runSharing(LinearMemory memory, List<Operation> operations) {
        Allocator allocator = newAllocator(memory);
        LiveBlocks model = new LiveBlocks(allocator, operations.hashCode());
        List<Long> foreignPages = new java.util.ArrayList<>();
        int step = 0;
        for (Operation operation : operations) {
            if (step++ % 4 == 0) {
                long page = memory.grow(1);
                if (page >= 0) {
                    memory.segment().asSlice(page * PAGE, PAGE).fill((byte) 0x3C);
                    foreignPages.add(page * PAGE);
                }
            }
            apply(model, operation, true);
            model.checkAll();
            for (long foreign : foreignPages) {
                long mismatch = memory.segment().asSlice(foreign, PAGE).mismatch(FOREIGN_PAGE);
                if (mismatch >= 0) {
                    throw new AssertionError("step " + step + ": the foreign page at " + foreign
                            + " was written at +" + mismatch + " by " + allocator);
                }
            }
        }
        allocator.verify();
    }

    private void run(LinearMemory memory, List<Operation> operations, boolean mayRunOut) {
        Allocator allocator = newAllocator(memory);
        LiveBlocks model = new LiveBlocks(allocator, operations.hashCode());
        int step = 0;
        try {
            for (Operation operation : operations) {
                apply(model, operation, mayRunOut);
                model.checkAll();
                model.checkStats(countsFrees());
                step++;
            }
            if (reusesFreedMemory()) {
                for (LiveBlocks.Block block : model.blocks()) {
                    allocator.free(block.offset(), block.byteSize());
                    model.remove(block.offset());
                    model.checkAll();
                }
                AllocatorStats stats = allocator.stats();
                assertEquals(0, stats.allocationCount(), () -> "after freeing everything\n" + stats);
                assertEquals(0, stats.allocatedBytes(), () -> "after freeing everything\n" + stats);
            }
        } catch (AssertionError | RuntimeException | OutOfMemoryError e) {
            throw new AssertionError("step " + step + " of " + operations + " on " + allocator + ": " + e, e);
        }
    }

    private void apply(LiveBlocks model, Operation operation, boolean mayRunOut) {
        Allocator allocator = model.allocator();
        long byteSize = operation.byteSize();
        long byteAlignment = operation.byteAlignment();
        Kind kind = operation.kind();
        boolean needsBlock = kind == Kind.FREE || kind == Kind.SIZED_FREE || kind == Kind.REALLOCATE
                || kind == Kind.REWRITE;
        if (needsBlock && model.isEmpty()) {
            kind = Kind.ALLOCATE;
        }
        boolean allocating = kind == Kind.ALLOCATE || kind == Kind.ALLOCATE_ZEROED || kind == Kind.TRY_ALLOCATE
                || kind == Kind.REALLOCATE;
        if (allocating && !supportsAlignment(byteAlignment)) {
            Kind refused = kind;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                switch (refused) {
                    case ALLOCATE -> allocator.allocate(byteSize, byteAlignment);
                    case ALLOCATE_ZEROED -> allocator.allocateZeroed(byteSize, byteAlignment);
                    case TRY_ALLOCATE -> allocator.tryAllocate(byteSize, byteAlignment);
                    default -> allocator.tryReallocate(model.pick(operation.pick()).offset(), byteSize, byteAlignment);
                }
            }, () -> "unsupported alignment " + byteAlignment + " must be refused");
            assertTrue(e.getMessage().contains("byteAlignment"), e::getMessage);
            return;
        }
        switch (kind) {
            case ALLOCATE, ALLOCATE_ZEROED, TRY_ALLOCATE -> {
                long offset;
                try {
                    offset = switch (kind) {
                        case ALLOCATE -> allocator.allocate(byteSize, byteAlignment);
                        case ALLOCATE_ZEROED -> allocator.allocateZeroed(byteSize, byteAlignment);
                        default -> allocator.tryAllocate(byteSize, byteAlignment);
                    };
                } catch (OutOfMemoryError e) {
                    offset = Allocator.NULL;
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "OutOfMemoryError message");
                }
                if (offset == Allocator.NULL) {
                    checkMayRunOut(allocator, byteSize, byteAlignment, mayRunOut);
                } else if (!allocates()) {
                    fail("an allocation succeeded on " + allocator);
                } else if (kind == Kind.ALLOCATE_ZEROED) {
                    model.addZeroed(offset, byteSize, byteAlignment);
                } else {
                    model.add(offset, byteSize, byteAlignment);
                }
            }
            case FREE -> {
                long offset = model.pick(operation.pick()).offset();
                allocator.free(offset);
                model.remove(offset);
            }
            case SIZED_FREE -> {
                LiveBlocks.Block block = model.pick(operation.pick());
                allocator.free(block.offset(), block.byteSize());
                model.remove(block.offset());
            }
            case REALLOCATE -> {
                LiveBlocks.Block block = model.pick(operation.pick());
                long moved;
                try {
                    moved = operation.pick() % 2 == 0 ? allocator.reallocate(block.offset(), byteSize, byteAlignment)
                            : allocator.tryReallocate(block.offset(), byteSize, byteAlignment);
                } catch (OutOfMemoryError e) {
                    moved = Allocator.NULL;
                }
                if (moved == Allocator.NULL) {
                    checkMayRunOut(allocator, byteSize, byteAlignment, mayRunOut);
                } else {
                    model.reallocated(block.offset(), moved, byteSize, byteAlignment);
                }
            }
            case REWRITE -> model.rewrite(model.pick(operation.pick()).offset());
        }
    }

    /** A request may fail only in the small memory, or when the memory could not grow by the request. */
    private void checkMayRunOut(Allocator allocator, long byteSize, long byteAlignment, boolean mayRunOut) {
        if (!allocates() || mayRunOut) {
            return;
        }
        LinearMemory memory = allocator.memory();
        long room = memory.maxByteSize() - memory.byteSize();
        long needed = byteSize + byteAlignment + growthSlackByteSize();
        if (room >= needed) {
            fail("a request for " + byteSize + " bytes aligned to " + byteAlignment + " failed while the memory could"
                    + " still grow by " + room + " bytes (" + allocator + ")\n" + allocator.stats());
        }
    }
}
