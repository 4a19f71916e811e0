package dev.offcut.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * (2) The racing double free: a block allocated when the state is built (by whichever thread builds it: jcstress
 * builds each state on one of the two actor threads, so one free is the owner's and one is remote, or on its main
 * thread for the first states, so both are remote) is freed by both actors at once. At least one free must be
 * refused at once, or, where the subject documents it (the concurrent allocator, for an owner's free racing a remote
 * one), both are accepted and {@code verify()} reports the double free before or after the owner drops it
 * ({@link Heap#settleRacingFrees}). Either way the heap must stay consistent with every other live block intact
 * (fresh allocations would hand the block out twice if it had gone onto a free list twice). The arbiter runs on the
 * thread that built the state, so it is the block's owner and its allocation of the class drops the duplicate.
 *
 * <p>Result: r1, r2 = each actor's free ({@link Heap#FREED}, {@link Heap#REFUSED}, {@link Heap#THREW}); r3 = the
 * arbiter's verdict ({@link Heap#DOUBLE_FREE_REPORTED} for the documented deferral).
 */
public class RacingDoubleFree {

    private static final byte STAMP = 0x3C;

    abstract static class Race {
        final Heap heap;
        final long block;

        Race(Subject subject) {
            heap = new Heap(subject);
            block = heap.allocator.allocate(Heap.SMALL);
            heap.fill(block, Heap.SMALL, STAMP);
        }

        int freeBlock() {
            return heap.free(block, Heap.SMALL);
        }

        void arbiter(III_Result r) {
            if (r.r1 != Heap.FREED && r.r2 != Heap.FREED) {
                // Both refused: a live block's free was refused, and it is still live.
                heap.expectLive(block, Heap.SMALL, STAMP);
            }
            r.r3 = heap.settleRacingFrees(r.r1 == Heap.FREED && r.r2 == Heap.FREED);
        }
    }

    @JCStressTest
    @Description("Racing double free on locked(binned)")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "actor 1 freed the block, actor 2 was refused at once")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed the block, actor 1 was refused at once")
    @Outcome(expect = FORBIDDEN, desc = "both frees accepted, both refused, or an inconsistent heap")
    @State
    public static class LockedBinned extends Race {
        public LockedBinned() {
            super(Subject.LOCKED_BINNED);
        }

        @Actor
        public void actor1(III_Result r) {
            r.r1 = freeBlock();
        }

        @Actor
        public void actor2(III_Result r) {
            r.r2 = freeBlock();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }

    @JCStressTest
    @Description("Racing double free on concurrent")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "actor 1 freed the block, actor 2 was refused at once")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed the block, actor 1 was refused at once")
    @Outcome(id = "0, 0, 6", expect = ACCEPTABLE_INTERESTING,
            desc = "both accepted (the owner's free and a remote one); verify() reported it, the owner dropped it")
    @Outcome(expect = FORBIDDEN, desc = "both accepted and unreported, both refused, or an inconsistent heap")
    @State
    public static class Concurrent extends Race {
        public Concurrent() {
            super(Subject.CONCURRENT);
        }

        @Actor
        public void actor1(III_Result r) {
            r.r1 = freeBlock();
        }

        @Actor
        public void actor2(III_Result r) {
            r.r2 = freeBlock();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }
}
