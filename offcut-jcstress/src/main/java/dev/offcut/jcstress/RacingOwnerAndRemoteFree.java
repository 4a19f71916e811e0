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
 * (2b) The racing double free between the owner and another thread: actor 1 allocates a block, publishes it and
 * frees it itself (a local free); actor 2, if it sees the block, frees it too (a remote free), racing with the
 * owner's free. At least one must be refused at once, or (the concurrent allocator's documented deferral) both are
 * accepted and {@code verify()} reports the double free; the heap stays consistent
 * ({@link Heap#settleRacingFrees}).
 *
 * <p>Result: r1 = the owner's free; r2 = actor 2's free, or {@link #UNSEEN} when it looked before the publish;
 * r3 = the arbiter's verdict.
 */
public class RacingOwnerAndRemoteFree {

    /** Actor 2 did not see the block, so it did not free it. */
    static final int UNSEEN = 9;

    private static final byte STAMP = 0x4B;

    abstract static class Race {
        final Heap heap;
        volatile long published;

        Race(Subject subject) {
            heap = new Heap(subject);
        }

        int owner() {
            long offset = heap.allocator.tryAllocate(Heap.SMALL, 8);
            if (offset == 0) {
                return Heap.THREW;
            }
            heap.fill(offset, Heap.SMALL, STAMP);
            published = offset;
            return heap.free(offset, Heap.SMALL);
        }

        int remote() {
            long offset = published;
            return offset == 0 ? UNSEEN : heap.free(offset, Heap.SMALL);
        }

        void arbiter(III_Result r) {
            long offset = published;
            if (offset != 0 && r.r1 != Heap.FREED && r.r2 != Heap.FREED) {
                heap.expectLive(offset, Heap.SMALL, STAMP); // no free accepted: still live
            }
            r.r3 = heap.settleRacingFrees(r.r1 == Heap.FREED && r.r2 == Heap.FREED);
        }
    }

    @JCStressTest
    @Description("Owner's free racing with a remote free of the same block, on locked(binned)")
    @Outcome(id = "0, 9, 0", expect = ACCEPTABLE, desc = "actor 2 looked before the publish; the owner freed it")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the owner freed the block, actor 2 was refused at once")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed the block, the owner was refused at once")
    @Outcome(expect = FORBIDDEN, desc = "both frees accepted, both refused, or an inconsistent heap")
    @State
    public static class LockedBinned extends Race {
        public LockedBinned() {
            super(Subject.LOCKED_BINNED);
        }

        @Actor
        public void actor1(III_Result r) {
            r.r1 = owner();
        }

        @Actor
        public void actor2(III_Result r) {
            r.r2 = remote();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }

    @JCStressTest
    @Description("Owner's free racing with a remote free of the same block, on concurrent")
    @Outcome(id = "0, 9, 0", expect = ACCEPTABLE, desc = "actor 2 looked before the publish; the owner freed it")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the owner freed the block, actor 2 was refused at once")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed the block, the owner was refused at once")
    @Outcome(id = "0, 0, 6", expect = ACCEPTABLE_INTERESTING,
            desc = "both accepted; verify() reported the double free, the heap is otherwise consistent")
    @Outcome(expect = FORBIDDEN, desc = "both accepted and unreported, both refused, or an inconsistent heap")
    @State
    public static class Concurrent extends Race {
        public Concurrent() {
            super(Subject.CONCURRENT);
        }

        @Actor
        public void actor1(III_Result r) {
            r.r1 = owner();
        }

        @Actor
        public void actor2(III_Result r) {
            r.r2 = remote();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }
}
