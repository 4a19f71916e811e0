package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;
import dev.offcut.internal.binned.UnsyncBinnedAllocator;

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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;

/**
 * Allocate, free, free from another thread and racing double frees on the thread-safe allocators, checked by
 * Lincheck (model checking and stress) against {@link ConcurrentLincheckModel}: a sequential model in which every
 * allocation gives a new block, each thread's blocks are freed intact, a block handed to another thread through a
 * mailbox is freed there intact, and of two frees of one block the first is accepted and every later one refused.
 *
 * <p>Why not raw offsets, as {@link LockedAllocatorLincheckTest} compares: an allocator with per-thread heaps hands
 * out different offsets to different threads, and the sequential replay runs on one thread. So a block is named by
 * a handle (its thread's id and count, which the model reproduces), and the properties that offsets showed there are
 * checked directly: every block holds its stamp until its free (a block handed out twice, or written by a free,
 * loses it); after each run no two live blocks overlap, {@code verify()} passes and {@code stats()} counts exactly
 * the live blocks (an accepted double free shows there too). A failed check throws, a result the model never gives.
 *
 * <p>Racing double frees need blocks that no other allocation can take over between the two frees, or the second
 * free would legitimately free someone else's block. The two victims are 64-byte blocks allocated when the subject
 * is built, between two pinned 64-byte blocks that stay live: every other allocation is of at least 200 bytes, so
 * neither a size-class allocator (another class) nor a boundary-tag one (a free chunk of at most two victims) can
 * hand out a victim's offset again. Their frees are sized, so even a block of another size at the same offset
 * would refuse them.
 *
 * <p>Each thread keeps its own queue of live blocks (by Lincheck's thread id, which the replay also receives); the
 * one shared piece of bookkeeping is the mailbox, a linearizable queue that the model mirrors.
 *
 * <p>Public types and constructors: Lincheck creates the subjects by reflection from outside the module.
 */
class ConcurrentAllocatorLincheckTest {

    static final int THREADS = 2;
    /** Lincheck's thread ids: the init part, each thread, the post part. */
    static final int THREAD_IDS = THREADS + 2;

    /** Sizes of the ordinary blocks: three classes, none of which can take a victim's place. */
    static final long[] BYTE_SIZES = {200, 1_000, 12_000};
    static final long VICTIM_BYTE_SIZE = 64;
    static final int VICTIMS = 2;


    @Test
    void lockedBinnedUnderModelChecking() {
        modelChecking().check(LockedBinned.class);
    }

    @Test
    void lockedBinnedUnderStress() {
        stress().check(LockedBinned.class);
    }

    @Test
    void concurrentUnderModelChecking() {
        modelChecking().check(Concurrent.class);
    }

    @Test
    void concurrentUnderStress() {
        stress().check(Concurrent.class);
    }

    /** Sized for a few seconds per subject on two busy cores; each invocation is one explored interleaving. */
    private static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions().threads(THREADS).actorsPerThread(3).actorsBefore(2).actorsAfter(2)
                .iterations(5).invocationsPerIteration(100)
                .sequentialSpecification(ConcurrentLincheckModel.class)
                // verify() runs only in the validation, after the threads are done: nothing to interleave.
                .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(UnsyncBinnedAllocator.class.getName(),
                        "dev.offcut.internal.binned.BinnedCheck", // the binned walk, which verify() delegates to
                        ConcurrentSizeClassAllocator.class.getName()).methods("verify").ignore());
    }

    private static StressOptions stress() {
        return new StressOptions().threads(THREADS).actorsPerThread(4).actorsBefore(2).actorsAfter(2)
                .iterations(8).invocationsPerIteration(250)
                .sequentialSpecification(ConcurrentLincheckModel.class);
    }

    /** What a free found in the block, and whether the allocator took it back. */
    public enum Freed {
        /** There was no block to free. */
        NOTHING,
        /** The block held its stamp, and the free was accepted. */
        INTACT,
        /** Someone else wrote into the block (it was freed all the same). */
        OVERWRITTEN,
        /** The allocator refused the free of a live block. */
        REFUSED
    }

    /** What a free of a victim got. */
    public enum Verdict {
        /** Taken back. */
        ACCEPTED,
        /** Refused with {@link IllegalArgumentException}. */
        REFUSED
    }

    /**
     * A block taken from the mailbox and freed by the taker.
     *
     * @param handle the block's handle, or -1 when the mailbox was empty
     * @param freed  what its free found
     */
    public record Taken(int handle, Freed freed) {
    }

    /** A live block. Not a record: model checking cannot take a record field's offset, and warns. */
    static final class Block {
        final int handle;
        final long offset;
        final long byteSize;
        /** Every byte of the block holds it. */
        final byte stamp;

        Block(int handle, long offset, long byteSize, byte stamp) {
            this.handle = handle;
            this.offset = offset;
            this.byteSize = byteSize;
            this.stamp = stamp;
        }

        @Override
        public String toString() {
            return "block #" + handle + " at " + offset + " (" + byteSize + " B, stamp " + stamp + ")";
        }
    }

    /** The operations, on a fresh allocator over a fresh fixed memory per scenario run. */
    public abstract static class Subject {

        private final MemorySegment segment;
        private final Allocator allocator;
        private final List<ArrayDeque<Block>> live = new ArrayList<>();
        private final int[] allocationCounts = new int[THREAD_IDS];
        private final ConcurrentLinkedQueue<Block> mailbox = new ConcurrentLinkedQueue<>();
        private final Block[] pins = new Block[2];
        private final Block[] victims = new Block[VICTIMS];
        /** Accepted frees per victim: more than one is an accepted double free. */
        private final AtomicIntegerArray victimFrees = new AtomicIntegerArray(VICTIMS);

        /**
         * A subject over a fixed memory.
         *
         * @param memoryByteSize large enough that no scenario runs out, whatever heap serves which thread: a run out
         *                       of memory gets -1, which the model never gives
         * @param factory        the allocator over the memory
         */
        Subject(long memoryByteSize, Function<LinearMemory, Allocator> factory) {
            // A fixed segment, as in LockedAllocatorLincheckTest: Lincheck creates thousands of subjects and has no
            // hook to close a native memory; the GC reclaims automatic arenas.
            this.segment = Arena.ofAuto().allocate(memoryByteSize, LinearMemory.PAGE_BYTE_SIZE);
            this.allocator = factory.apply(LinearMemory.of(segment));
            for (int thread = 0; thread < THREAD_IDS; thread++) {
                live.add(new ArrayDeque<>());
            }
            // Pin, victims, pin: adjacent in a fresh boundary-tag heap, in one page of one class in a size-class one.
            pins[0] = allocateStamped(-1, VICTIM_BYTE_SIZE, (byte) 0xF1);
            for (int i = 0; i < VICTIMS; i++) {
                victims[i] = allocateStamped(-2 - i, VICTIM_BYTE_SIZE, (byte) (0xF2 + i));
            }
            pins[1] = allocateStamped(-9, VICTIM_BYTE_SIZE, (byte) 0xF9);
        }

        private Block allocateStamped(int handle, long byteSize, byte stamp) {
            long offset = allocator.allocate(byteSize);
            Block block = new Block(handle, offset, byteSize, stamp);
            fill(block);
            return block;
        }

        /**
         * Allocates a block and stamps it.
         *
         * @param thread    Lincheck's thread id
         * @param sizeIndex the size, an index into {@link #BYTE_SIZES}
         * @return the block's handle; -1 if the allocation failed (never, by the model)
         */
        @Operation
        public int allocate(@Param(gen = ThreadIdGen.class) int thread,
                            @Param(gen = IntGen.class, conf = "0:2") int sizeIndex) {
            int handle = ConcurrentLincheckModel.handle(thread, allocationCounts[thread]++);
            long byteSize = BYTE_SIZES[sizeIndex];
            long offset = allocator.tryAllocate(byteSize, Allocator.DEFAULT_BYTE_ALIGNMENT);
            if (offset == Allocator.NULL) {
                return -1;
            }
            Block block = new Block(handle, offset, byteSize, ConcurrentLincheckModel.stamp(handle));
            fill(block);
            live.get(thread).addLast(block);
            return handle;
        }

        /**
         * Frees this thread's oldest block after checking its stamp.
         *
         * @param thread Lincheck's thread id
         * @param sized  whether to use the sized free
         * @return what the free found
         */
        @Operation
        public Freed free(@Param(gen = ThreadIdGen.class) int thread, boolean sized) {
            Block block = live.get(thread).pollFirst();
            return block == null ? Freed.NOTHING : checkAndFree(block, sized);
        }

        /**
         * Hands this thread's newest block to whichever thread takes it from the mailbox.
         *
         * @param thread Lincheck's thread id
         * @return its handle, or -1 if the thread had no block
         */
        @Operation
        public int give(@Param(gen = ThreadIdGen.class) int thread) {
            Block block = live.get(thread).pollLast();
            if (block == null) {
                return -1;
            }
            mailbox.add(block);
            return block.handle;
        }

        /**
         * Takes the oldest block from the mailbox and frees it from this thread: a remote free, unless the thread
         * takes back its own block.
         *
         * @param thread Lincheck's thread id (unused but for symmetry with the model)
         * @param sized  whether to use the sized free
         * @return the block's handle and what its free found
         */
        @Operation
        public Taken freeRemote(@Param(gen = ThreadIdGen.class) int thread, boolean sized) {
            Block block = mailbox.poll();
            return block == null ? new Taken(-1, Freed.NOTHING) : new Taken(block.handle, checkAndFree(block, sized));
        }

        /**
         * Frees a victim: the first free of each is accepted, every later one (by any thread, racing or not) must be
         * refused.
         *
         * @param victim the victim, an index into the victims
         * @return whether the allocator took it back
         */
        @Operation
        public Verdict freeVictim(@Param(gen = IntGen.class, conf = "0:1") int victim) {
            try {
                allocator.free(victims[victim].offset, VICTIM_BYTE_SIZE);
            } catch (IllegalArgumentException e) {
                return Verdict.REFUSED;
            }
            victimFrees.incrementAndGet(victim);
            return Verdict.ACCEPTED;
        }

        /**
         * After each run: the heap's invariants, no overlap among the live blocks, every stamp, exact stats.
         */
        @Validate
        public void verifyHeap() {
            allocator.verify();
            List<Block> blocks = new ArrayList<>();
            for (ArrayDeque<Block> queue : live) {
                blocks.addAll(queue);
            }
            blocks.addAll(mailbox);
            blocks.add(pins[0]);
            blocks.add(pins[1]);
            for (int i = 0; i < VICTIMS; i++) {
                int frees = victimFrees.get(i);
                if (frees > 1) {
                    throw new IllegalStateException(victims[i] + " was freed " + frees + " times");
                }
                if (frees == 0) {
                    blocks.add(victims[i]);
                }
            }
            long byteSize = 0;
            for (int i = 0; i < blocks.size(); i++) {
                Block block = blocks.get(i);
                byteSize += block.byteSize;
                if (!holdsStamp(block)) {
                    throw new IllegalStateException(block + " was overwritten");
                }
                for (int j = 0; j < i; j++) {
                    Block other = blocks.get(j);
                    if (block.offset < other.offset + other.byteSize && other.offset < block.offset + block.byteSize) {
                        throw new IllegalStateException(block + " overlaps " + other);
                    }
                }
            }
            AllocatorStats stats = allocator.stats();
            if (stats.allocationCount() != blocks.size() || stats.allocatedBytes() != byteSize) {
                throw new IllegalStateException("the test holds " + blocks.size() + " blocks of " + byteSize
                        + " bytes, but stats() counts " + stats.allocationCount() + " of " + stats.allocatedBytes());
            }
        }

        private Freed checkAndFree(Block block, boolean sized) {
            boolean intact = holdsStamp(block);
            try {
                if (sized) {
                    allocator.free(block.offset, block.byteSize);
                } else {
                    allocator.free(block.offset);
                }
            } catch (IllegalArgumentException e) {
                return Freed.REFUSED;
            }
            return intact ? Freed.INTACT : Freed.OVERWRITTEN;
        }

        private void fill(Block block) {
            segment.asSlice(block.offset, block.byteSize).fill(block.stamp);
        }

        private boolean holdsStamp(Block block) {
            // One bulk comparison: model checking tracks every access the test code makes.
            MemorySegment expected = MemorySegment.ofArray(new byte[Math.toIntExact(block.byteSize)]).fill(block.stamp);
            return segment.asSlice(block.offset, block.byteSize).mismatch(expected) == -1;
        }
    }

    /** {@code Allocator.locked(Allocator.binned(memory))}: refuses every double free at once. */
    public static final class LockedBinned extends Subject {
        /** Lincheck calls it for every run. */
        public LockedBinned() {
            // At most 12 blocks of at most 12,000 bytes in a scenario, and the pins and victims.
            super(4 * LinearMemory.PAGE_BYTE_SIZE, memory -> Allocator.locked(Allocator.binned(memory)));
        }
    }

    /**
     * {@code Allocator.concurrent(memory)}. Its documented deferral (an owner's free and a remote free of one block
     * may both be accepted, the duplicate dropped at collection and reported by {@code verify()}) needs the owner to
     * free a victim; victims belong to the thread that built the subject, which frees none in the parallel part, so
     * here every racing double free must be refused at once (two remote frees meet in one atomic OR).
     */
    public static final class Concurrent extends Subject {
        /** Lincheck calls it for every run. */
        public Concurrent() {
            // Spans of four classes for up to four threads (up to 4 pages each), the back end's page, the victims.
            super(64 * LinearMemory.PAGE_BYTE_SIZE, Allocator::concurrent);
        }
    }
}
