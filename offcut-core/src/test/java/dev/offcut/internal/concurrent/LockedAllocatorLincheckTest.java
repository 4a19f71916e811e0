package dev.offcut.internal.concurrent;

import dev.offcut.internal.Checks;
import dev.offcut.internal.binned.UnsyncBinnedAllocator;
import dev.offcut.internal.simple.UnsyncFreeListAllocator;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Linearizability of {@code Allocator.locked(...)} over the binned and the free-list allocator, checked by Lincheck in
 * both its modes: model checking (it picks the thread switches, at shared reads and writes and at monitors) and stress
 * (real threads).
 *
 * <p>Why raw offsets are fair results: the wrapped allocators are deterministic, so one order of calls gives the same
 * offsets, refusals and statistics every time. Lincheck accepts a run only if some order that respects real time
 * reproduces every result, and a missing or leaky lock breaks that: one block handed to two threads, a statistics
 * snapshot taken halfway through another thread's call, metadata torn mid-update (found by {@code verify()} in the
 * validation), or a block whose bytes another thread's call overwrote.
 *
 * <p>Each thread keeps its own queue of live blocks, indexed by Lincheck's thread id, which the sequential replay also
 * receives. So every operation shares state with other threads through exactly one allocator call, and the test's own
 * bookkeeping adds no interleavings the replay lacks.
 *
 * <p>Public types and constructors: Lincheck creates the subjects by reflection from outside the module.
 */
class LockedAllocatorLincheckTest {

    private static final int THREADS = 2;

    // The largest size fails at times, so out of memory is also a result the replay must reproduce.
    private static final long[] BYTE_SIZES = {1, 24, 200, 12_000};
    private static final long[] BYTE_ALIGNMENTS = {8, 16, 64};

    @Test
    void lockedBinnedIsLinearizableUnderModelChecking() {
        modelChecking().check(Binned.class);
    }

    @Test
    void lockedBinnedIsLinearizableUnderStress() {
        stress().check(Binned.class);
    }

    @Test
    void lockedFreeListIsLinearizableUnderModelChecking() {
        modelChecking().check(FreeList.class);
    }

    @Test
    void lockedFreeListIsLinearizableUnderStress() {
        stress().check(FreeList.class);
    }

    /** Sized for a few seconds per allocator on two busy cores; each invocation is one explored interleaving. */
    private static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions().threads(THREADS).actorsPerThread(3).actorsBefore(3).actorsAfter(2)
                .iterations(5).invocationsPerIteration(200)
                // verify() runs only in the validation, after the threads are done: nothing to interleave, and
                // analysing its walk over every chunk would cost most of the test's time.
                .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(UnsyncBinnedAllocator.class.getName(),
                        "dev.offcut.internal.binned.BinnedCheck", // the binned walk, which verify() delegates to
                        UnsyncFreeListAllocator.class.getName()).methods("verify").ignore());
    }

    private static StressOptions stress() {
        return new StressOptions().threads(THREADS).actorsPerThread(4).actorsBefore(3).actorsAfter(2)
                .iterations(10).invocationsPerIteration(1_000);
    }

    /** What a free found in the block before handing it back. */
    public enum Freed {
        /** The thread had no live block. */
        NOTHING,
        /** The block still held its stamp. */
        INTACT,
        /** Someone else wrote into the block. */
        OVERWRITTEN
    }

    /**
     * A statistics snapshot as an operation result: compared whole (every field follows from the order of the calls),
     * printed on one line in Lincheck's tables. The line leaves out the fields that stay fixed over a fixed memory.
     */
    public record Snapshot(AllocatorStats stats) {
        @Override
        public String toString() {
            return "live " + stats.allocationCount() + " (" + stats.allocatedBytes() + " B), ever "
                    + stats.totalAllocationCount() + " (" + stats.totalAllocatedBytes() + " B), available "
                    + stats.availableBytes() + " B in " + stats.fragmentCount() + " fragments";
        }
    }

    /** A live block of one thread. Not a record: model checking cannot take a record field's offset, and warns. */
    private static final class Block {
        final long offset;
        final long byteSize;
        /** Every byte of the block holds it. */
        final byte stamp;

        Block(long offset, long byteSize, byte stamp) {
            this.offset = offset;
            this.byteSize = byteSize;
            this.stamp = stamp;
        }

        @Override
        public String toString() {
            return "block " + offset + " (" + byteSize + " B, stamp " + stamp + ")";
        }
    }

    /** The operations, on a fresh allocator over a fresh fixed memory per scenario run and per sequential replay. */
    public abstract static class Subject {

        private final MemorySegment segment;
        private final Allocator allocator;
        private final List<ArrayDeque<Block>> live = new ArrayList<>(); // the init part, each thread, the post part
        private final int[] blockCounts = new int[THREADS + 2];

        Subject(Function<LinearMemory, Allocator> delegate) {
            // A fixed segment, not a growing memory: a grow could move a heap memory under another thread's writes,
            // and a native memory's reservation goes back only on close(), for which Lincheck has no hook. The GC
            // reclaims automatic arenas, and Lincheck creates thousands of subjects.
            this.segment = Arena.ofAuto().allocate(LinearMemory.PAGE_BYTE_SIZE, LinearMemory.PAGE_BYTE_SIZE);
            this.allocator = Allocator.locked(delegate.apply(LinearMemory.of(segment)));
            for (int thread = 0; thread < THREADS + 2; thread++) {
                live.add(new ArrayDeque<>());
            }
        }

        /**
         * Allocates a block and fills it with a stamp of this thread.
         *
         * @param thread         Lincheck's thread id
         * @param sizeIndex      the size, an index into {@link #BYTE_SIZES}
         * @param alignmentIndex the alignment, an index into {@link #BYTE_ALIGNMENTS}
         * @return the offset, or 0 when refused
         */
        @Operation
        public long allocate(@Param(gen = ThreadIdGen.class) int thread,
                             @Param(gen = IntGen.class, conf = "0:3") int sizeIndex,
                             @Param(gen = IntGen.class, conf = "0:2") int alignmentIndex) {
            long byteSize = BYTE_SIZES[sizeIndex];
            long offset = allocator.tryAllocate(byteSize, BYTE_ALIGNMENTS[alignmentIndex]);
            if (offset != Allocator.NULL) {
                Block block = new Block(offset, byteSize, nextStamp(thread));
                fill(block);
                live.get(thread).addLast(block);
            }
            return offset;
        }

        /**
         * Frees this thread's oldest block, by the plain or the sized free, after checking its contents.
         *
         * @param thread Lincheck's thread id
         * @param sized  whether to use the sized free
         * @return what the block held
         */
        @Operation
        public Freed free(@Param(gen = ThreadIdGen.class) int thread, boolean sized) {
            Block block = live.get(thread).pollFirst();
            if (block == null) {
                return Freed.NOTHING;
            }
            boolean intact = holdsStamp(block, block.byteSize);
            if (sized) {
                allocator.free(block.offset, block.byteSize);
            } else {
                allocator.free(block.offset);
            }
            return intact ? Freed.INTACT : Freed.OVERWRITTEN;
        }

        /**
         * Moves this thread's newest block to a new size, checks the kept bytes and stamps the whole block again.
         *
         * @param thread    Lincheck's thread id
         * @param sizeIndex the new size, an index into {@link #BYTE_SIZES}
         * @return the new offset; 0 when refused (the block stays) or when the thread has no block
         */
        @Operation
        public long reallocate(@Param(gen = ThreadIdGen.class) int thread,
                               @Param(gen = IntGen.class, conf = "0:3") int sizeIndex) {
            Block block = live.get(thread).pollLast();
            if (block == null) {
                return Allocator.NULL;
            }
            long newByteSize = BYTE_SIZES[sizeIndex];
            long offset = allocator.tryReallocate(block.offset, newByteSize, Allocator.DEFAULT_BYTE_ALIGNMENT);
            if (offset == Allocator.NULL) {
                live.get(thread).addLast(block);
                return offset;
            }
            Block moved = new Block(offset, newByteSize, block.stamp);
            if (!holdsStamp(moved, Math.min(block.byteSize, newByteSize))) {
                // An exception is a result the replay does not produce, so Lincheck reports it with the interleaving.
                throw new AssertionError("reallocate lost the kept bytes of " + block + ", now at " + offset);
            }
            fill(moved);
            live.get(thread).addLast(moved);
            return offset;
        }

        /**
         * Checks that every live block of this thread still holds its stamp.
         *
         * @param thread Lincheck's thread id
         * @return whether all do
         */
        @Operation
        public boolean blocksIntact(@Param(gen = ThreadIdGen.class) int thread) {
            for (Block block : live.get(thread)) {
                if (!holdsStamp(block, block.byteSize)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Takes a statistics snapshot.
         *
         * @return the snapshot
         */
        @Operation
        public Snapshot stats() {
            return new Snapshot(allocator.stats());
        }

        /** After each run: the heap's own invariants, and its counts against the blocks the threads hold. */
        @Validate
        public void verifyHeap() {
            allocator.verify();
            long count = 0;
            long byteSize = 0;
            for (ArrayDeque<Block> blocks : live) {
                for (Block block : blocks) {
                    count++;
                    byteSize += block.byteSize;
                    if (!holdsStamp(block, block.byteSize)) {
                        throw new IllegalStateException(block + " was overwritten");
                    }
                }
            }
            AllocatorStats stats = allocator.stats();
            if (stats.allocationCount() != count || stats.allocatedBytes() != byteSize) {
                throw new IllegalStateException(
                        "the threads hold " + count + " blocks of " + byteSize + " bytes, but " + new Snapshot(stats));
            }
        }

        /** Stamps differ between the blocks of a scenario (a few per thread), so a block given twice shows. */
        private byte nextStamp(int thread) {
            return (byte) (thread * 61 + ++blockCounts[thread]);
        }

        private void fill(Block block) {
            segment.asSlice(block.offset, block.byteSize).fill(block.stamp);
        }

        private boolean holdsStamp(Block block, long byteSize) {
            // One bulk comparison: model checking tracks every access the test code makes, so a loop over a 12 KB
            // block would cost seconds.
            MemorySegment expected = MemorySegment.ofArray(new byte[Math.toIntExact(byteSize)]).fill(block.stamp);
            return segment.asSlice(block.offset, byteSize).mismatch(expected) == -1;
        }
    }

    /** {@code Allocator.locked(Allocator.binned(memory))}. */
    public static final class Binned extends Subject {
        /** Lincheck calls it for every run and every sequential replay. */
        public Binned() {
            super(Allocator::binned);
        }
    }

    /** {@code Allocator.locked(Allocator.freeList(memory))}. */
    public static final class FreeList extends Subject {
        /** Lincheck calls it for every run and every sequential replay. */
        public FreeList() {
            super(Allocator::freeList);
        }
    }
}
