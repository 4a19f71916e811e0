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
 * <p>Result: r1 = how many blocks actor 2 freed; r2 = {@link Heap#FREED} if every free was accepted on an intact
 * block, else the first other result; r3 = the arbiter's verdict.
 */
public class RemoteFreeDuringOwnerAllocation {

    static final int BLOCKS = 4;

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    abstract static class Race {
        final Heap heap;
        final long[] slots = new long[BLOCKS]; // published with release, read with acquire

        Race(Subject subject) {
            heap = new Heap(subject);
        }

        void owner() {
            for (int i = 0; i < BLOCKS; i++) {
                long offset = heap.allocator.tryAllocate(Heap.SMALL, 8);
                if (offset == 0) {
                    SLOTS.setRelease(slots, i, -1L);
                    return;
                }
                heap.fill(offset, Heap.SMALL, stamp(i));
                SLOTS.setRelease(slots, i, offset);
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
                int result = heap.checkAndFree(offset, Heap.SMALL, stamp(i));
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
                int result = heap.checkAndFree(offset, Heap.SMALL, stamp(i));
                if (result != Heap.FREED && r.r2 == Heap.FREED) {
                    r.r2 = result;
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
    @Outcome(id = "[0-4], 0, 0", expect = ACCEPTABLE, desc = "actor 2 freed that many blocks, all intact; heap consistent")
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
}
