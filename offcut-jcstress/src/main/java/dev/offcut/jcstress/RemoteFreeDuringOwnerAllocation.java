package dev.offcut.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * (4) Frees from another thread racing with the owner's allocations in the same size class: actor 1 allocates
 * {@value #BLOCKS} blocks one after another, stamping and publishing each; actor 2 frees each published block in
 * order (checking its stamp first) while actor 1 is still allocating. The arbiter frees what actor 2 did not reach,
 * then checks the heap ({@link Heap#settle()}).
 *
 * <p>{@code ConcurrentCollecting} uses 8 KiB blocks, eight to a span, and the owner allocates two spans' worth more
 * after the published ones, so it fills its span and collects the remote frees that arrived (reusing those blocks)
 * while actor 2 may still be freeing into the span.
 *
 * <p>Result: r1 = how many blocks actor 2 freed; r2 = {@link Heap#FREED} if every free was accepted on an intact
 * block, else the first other result; r3 = the arbiter's verdict.
 */
public class RemoteFreeDuringOwnerAllocation {

    static final int BLOCKS = 4;
    /** Blocks of 8 KiB in one span of the concurrent allocator (a 64 KiB page). */
    static final int SPAN_BLOCKS = 8;

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    abstract static class Race {
        final Heap heap;
        final long blockSize;
        /**
         * Blocks the owner allocates after the published ones, kept live: with 8 KiB blocks (8 to a span) the owner
         * fills its span and collects the remote frees that arrived, while more may arrive.
         */
        final long[] kept;
        final long[] slots = new long[BLOCKS]; // published with release, read with acquire

        Race(Subject subject, long blockSize, int keptBlocks) {
            this.heap = new Heap(subject, blockSize);
            this.blockSize = blockSize;
            this.kept = new long[keptBlocks];
        }

        Race(Subject subject) {
            this(subject, Heap.SMALL, 0);
        }

        void owner() {
            for (int i = 0; i < BLOCKS; i++) {
                long offset = heap.allocator.tryAllocate(blockSize, 8);
                if (offset == 0) {
                    SLOTS.setRelease(slots, i, -1L);
                    return;
                }
                heap.fill(offset, blockSize, stamp(i));
                SLOTS.setRelease(slots, i, offset);
            }
            for (int k = 0; k < kept.length; k++) {
                long offset = heap.allocator.tryAllocate(blockSize, 8);
                if (offset != 0) {
                    heap.fill(offset, blockSize, stamp(BLOCKS + k));
                }
                kept[k] = offset;
            }
        }

        void remote(III_Result r) {
            int freed = 0;
            int first = Heap.FREED;
            for (int i = 0; i < BLOCKS; i++) {
                long offset = (long) SLOTS.getAcquire(slots, i);
                if (offset <= 0) {
                    break;
                }
                int result = heap.checkAndFree(offset, blockSize, stamp(i));
                if (result != Heap.FREED && first == Heap.FREED) {
                    first = result;
                }
                freed++;
            }
            r.r1 = freed;
            r.r2 = first;
        }

        void arbiter(III_Result r) {
            for (int i = r.r1; i < BLOCKS; i++) {
                long offset = (long) SLOTS.getAcquire(slots, i);
                if (offset <= 0) {
                    r.r2 = Heap.THREW; // an allocation failed
                    break;
                }
                int result = heap.checkAndFree(offset, blockSize, stamp(i));
                if (result != Heap.FREED && r.r2 == Heap.FREED) {
                    r.r2 = result;
                }
            }
            for (int k = 0; k < kept.length; k++) {
                if (kept[k] == 0) {
                    r.r2 = Heap.THREW;
                } else {
                    heap.expectLive(kept[k], blockSize, stamp(BLOCKS + k));
                }
            }
            r.r3 = heap.settle();
        }

        private static byte stamp(int i) {
            return (byte) (0x60 + i);
        }
    }

    @JCStressTest
    @Description("Remote frees racing with the owner's allocations in the same class, on locked(binned)")
    @Outcome(id = "[0-4], 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed that many blocks, intact; heap consistent")
    @Outcome(expect = FORBIDDEN, desc = "a torn block, a refused free or an inconsistent heap")
    @State
    public static class LockedBinned extends Race {
        public LockedBinned() {
            super(Subject.LOCKED_BINNED);
        }

        @Actor
        public void actor1() {
            owner();
        }

        @Actor
        public void actor2(III_Result r) {
            remote(r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }

    @JCStressTest
    @Description("Remote frees racing with the owner's allocations in the same class, on concurrent")
    @Outcome(id = "[0-4], 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed that many blocks, intact; heap consistent")
    @Outcome(expect = FORBIDDEN, desc = "a torn block, a refused free or an inconsistent heap")
    @State
    public static class Concurrent extends Race {
        public Concurrent() {
            super(Subject.CONCURRENT);
        }

        @Actor
        public void actor1() {
            owner();
        }

        @Actor
        public void actor2(III_Result r) {
            remote(r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }

    @JCStressTest
    @Description("Remote frees racing with the owner's 8 KiB allocations, spans filling and collected, on concurrent")
    @Outcome(id = "[0-4], 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed that many blocks, intact; heap consistent")
    @Outcome(expect = FORBIDDEN, desc = "a torn block, a refused free or an inconsistent heap")
    @State
    public static class ConcurrentCollecting extends Race {
        public ConcurrentCollecting() {
            super(Subject.CONCURRENT, 8192, 2 * SPAN_BLOCKS);
        }

        @Actor
        public void actor1() {
            owner();
        }

        @Actor
        public void actor2(III_Result r) {
            remote(r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }
}
