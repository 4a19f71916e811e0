package dev.offcut.internal.simple;

import dev.offcut.Allocator;
import dev.offcut.BumpAllocator;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Random sequences of allocations, in-place and moving reallocations, marks and resets against
 * {@link Allocator#bump(LinearMemory)}: a reset drops exactly the blocks allocated after its mark, every other block
 * keeps its place and contents, and the counters return to the mark's.
 */
class UnsyncBumpAllocatorMarkPropertiesTest {

    enum Kind {
        ALLOCATE, ALLOCATE_ZEROED, REALLOCATE_LAST, REALLOCATE_ANY, MARK, RESET, RESET_ALL, BOGUS_RESET
    }

    record Step(Kind kind, long byteSize, int alignmentLog2, int pick) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + "(" + byteSize + ", " + (1L << alignmentLog2) + ", #"
                    + pick + ")";
        }
    }

    /** A mark and the blocks that were live when it was taken. */
    private record Mark(long mark, Set<Long> liveOffsets, long allocationCount, long allocatedBytes) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(List.of(Tuple.of(6, Kind.ALLOCATE),
                Tuple.of(2, Kind.ALLOCATE_ZEROED), Tuple.of(3, Kind.REALLOCATE_LAST), Tuple.of(2, Kind.REALLOCATE_ANY),
                Tuple.of(3, Kind.MARK), Tuple.of(3, Kind.RESET), Tuple.of(1, Kind.RESET_ALL),
                Tuple.of(1, Kind.BOGUS_RESET)));
        Arbitrary<Long> sizes = Arbitraries.frequencyOf(List.of(Tuple.of(70, Arbitraries.longs().between(0, 300)),
                Tuple.of(30, Arbitraries.longs().between(301, 100_000))));
        return Combinators.combine(kinds, sizes, Arbitraries.integers().between(0, 8),
                Arbitraries.integers().between(0, 1000)).as(Step::new).list().ofMinSize(1).ofMaxSize(50);
    }

    @Property(tries = 150)
    void resetsDropExactlyWhatCameAfterTheMark(@ForAll("steps") List<Step> steps) {
        try (LinearMemory memory = LinearMemory.ofNative(64L << 20)) {
            BumpAllocator allocator = Allocator.bump(memory);
            LiveBlocks model = new LiveBlocks(allocator, steps.hashCode());
            List<Mark> marks = new ArrayList<>();
            long last = Allocator.NULL;
            int index = 0;
            try {
                for (Step step : steps) {
                    last = apply(allocator, model, marks, last, step);
                    model.checkAll();
                    model.checkStats(false);
                    index++;
                }
            } catch (AssertionError | RuntimeException | OutOfMemoryError e) {
                throw new AssertionError("step " + index + " of " + steps + ": " + e, e);
            }
        }
    }

    private static long apply(BumpAllocator allocator, LiveBlocks model, List<Mark> marks, long last, Step step) {
        long byteSize = step.byteSize();
        long byteAlignment = 1L << step.alignmentLog2();
        switch (step.kind()) {
            case ALLOCATE -> {
                long offset = allocator.allocate(byteSize, byteAlignment);
                model.add(offset, byteSize, byteAlignment);
                return offset;
            }
            case ALLOCATE_ZEROED -> {
                long offset = allocator.allocateZeroed(byteSize, byteAlignment);
                model.addZeroed(offset, byteSize, byteAlignment);
                return offset;
            }
            case REALLOCATE_LAST, REALLOCATE_ANY -> {
                if (model.isEmpty()) {
                    return last;
                }
                long offset = step.kind() == Kind.REALLOCATE_LAST && last != Allocator.NULL && isLive(model, last)
                        ? last : model.pick(step.pick()).offset();
                long keptAlignment = model.get(offset).byteAlignment();
                long moved = allocator.reallocate(offset, byteSize, keptAlignment);
                model.reallocated(offset, moved, byteSize, keptAlignment);
                return moved;
            }
            case MARK -> {
                long mark = allocator.mark();
                Set<Long> live = new HashSet<>();
                model.blocks().forEach(block -> live.add(block.offset()));
                marks.add(new Mark(mark, live, allocator.stats().allocationCount(),
                        allocator.stats().allocatedBytes()));
                return last;
            }
            case RESET -> {
                if (marks.isEmpty()) {
                    return last;
                }
                int i = Math.floorMod(step.pick(), marks.size());
                Mark mark = marks.get(i);
                allocator.reset(mark.mark());
                marks.subList(i + 1, marks.size()).clear();
                for (LiveBlocks.Block block : model.blocks()) {
                    if (!mark.liveOffsets().contains(block.offset())) {
                        model.remove(block.offset());
                    }
                }
                assertEquals(mark.allocationCount(), allocator.stats().allocationCount(), "count back to the mark's");
                assertEquals(mark.allocatedBytes(), allocator.stats().allocatedBytes(), "bytes back to the mark's");
                return Allocator.NULL;
            }
            case RESET_ALL -> {
                allocator.reset();
                marks.clear();
                model.blocks().forEach(block -> model.remove(block.offset()));
                assertEquals(0, allocator.stats().allocationCount());
                return Allocator.NULL;
            }
            case BOGUS_RESET -> {
                long top = allocator.mark(); // a real mark at the top; one past it is not a mark
                marks.add(new Mark(top, liveOffsets(model), allocator.stats().allocationCount(),
                        allocator.stats().allocatedBytes()));
                var before = allocator.stats();
                assertThrows(IllegalArgumentException.class, () -> allocator.reset(top + 1 + step.pick()));
                assertEquals(before, allocator.stats());
                return last;
            }
        }
        throw new AssertionError("unreachable");
    }

    private static Set<Long> liveOffsets(LiveBlocks model) {
        Set<Long> live = new HashSet<>();
        model.blocks().forEach(block -> live.add(block.offset()));
        return live;
    }

    private static boolean isLive(LiveBlocks model, long offset) {
        return model.blocks().stream().anyMatch(block -> block.offset() == offset);
    }
}
