package dev.offcut.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * (1) The remote-free handoff: actor 1 allocates a block, stamps it and publishes its offset; actor 2 frees it
 * from its own thread (a remote free, for an allocator with per-thread heaps). The arbiter frees it if actor 2 looked
 * too early, then checks the heap ({@link Heap#settle()}: verify, exact stats, no fresh block overlapping a live one,
 * every live block intact).
 *
 * <p>Result: r1 = 1 if actor 2 saw the block; r2 = how the block was freed ({@link Heap#FREED} after its stamp was
 * seen intact, else {@link Heap#REFUSED}, {@link Heap#TORN} or {@link Heap#THREW}); r3 = the arbiter's verdict.
 */
public class RemoteFreeHandoff {

    private static final byte STAMP = 0x2A;

    abstract static class Race {
        final Heap heap;
        volatile long published;

        Race(Subject subject) {
            heap = new Heap(subject);
        }

        void owner() {
            long offset = heap.allocator.tryAllocate(Heap.SMALL, 8);
            if (offset != 0) {
                heap.fill(offset, Heap.SMALL, STAMP);
            }
            published = offset == 0 ? -1 : offset;
        }

        void remote(III_Result r) {
            long offset = published;
            if (offset > 0) {
                r.r1 = 1;
                r.r2 = heap.checkAndFree(offset, Heap.SMALL, STAMP);
            }
        }

        void arbiter(III_Result r) {
            long offset = published;
            if (offset <= 0) {
                r.r2 = Heap.THREW;
                r.r3 = Heap.EXCEPTION;
                heap.settle();
                return;
            }
            if (r.r1 == 0) {
                r.r2 = heap.checkAndFree(offset, Heap.SMALL, STAMP);
            }
            r.r3 = heap.settle();
        }
    }

    @JCStressTest
    @Description("Remote-free handoff on locked(binned)")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "actor 2 saw the block intact and freed it; heap consistent")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "actor 2 looked before the publish; the arbiter freed it")
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
    @Description("Remote-free handoff on concurrent")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "actor 2 saw the block intact and freed it; heap consistent")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "actor 2 looked before the publish; the arbiter freed it")
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
}
