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
 * (3) Concurrent allocations: both actors allocate two blocks each (the small class and one four times larger) and
 * stamp them. The blocks must not overlap each other or the background blocks, and all must keep their stamps
 * ({@link Heap#settle()} checks that, with verify, exact stats and fresh allocations).
 *
 * <p>Result: r1, r2 = how many of its two allocations each actor got; r3 = the arbiter's verdict.
 */
public class ConcurrentAllocations {

    private static final long[] SIZES = {Heap.SMALL, 4 * Heap.SMALL};

    abstract static class Race {
        final Heap heap;
        final long[] offsets = new long[4];

        Race(Subject subject) {
            heap = new Heap(subject);
        }

        int allocate(int actor) {
            int got = 0;
            for (int i = 0; i < SIZES.length; i++) {
                long offset = heap.allocator.tryAllocate(SIZES[i], 8);
                if (offset != 0) {
                    heap.fill(offset, SIZES[i], stamp(actor, i));
                    got++;
                }
                offsets[actor * 2 + i] = offset;
            }
            return got;
        }

        void arbiter(III_Result r) {
            for (int actor = 0; actor < 2; actor++) {
                for (int i = 0; i < SIZES.length; i++) {
                    long offset = offsets[actor * 2 + i];
                    if (offset != 0) {
                        heap.expectLive(offset, SIZES[i], stamp(actor, i));
                    }
                }
            }
            r.r3 = heap.settle();
        }

        private static byte stamp(int actor, int i) {
            return (byte) (0x50 + actor * 2 + i);
        }
    }

    @JCStressTest
    @Description("Concurrent allocations on locked(binned)")
    @Outcome(id = "2, 2, 0", expect = ACCEPTABLE, desc = "four disjoint, intact blocks; heap consistent")
    @Outcome(expect = FORBIDDEN, desc = "a failed allocation, overlapping or torn blocks, or an inconsistent heap")
    @State
    public static class LockedBinned extends Race {
        public LockedBinned() {
            super(Subject.LOCKED_BINNED);
        }

        @Actor
        public void actor1(III_Result r) {
            r.r1 = allocate(0);
        }

        @Actor
        public void actor2(III_Result r) {
            r.r2 = allocate(1);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }

    @JCStressTest
    @Description("Concurrent allocations on concurrent")
    @Outcome(id = "2, 2, 0", expect = ACCEPTABLE, desc = "four disjoint, intact blocks; heap consistent")
    @Outcome(expect = FORBIDDEN, desc = "a failed allocation, overlapping or torn blocks, or an inconsistent heap")
    @State
    public static class Concurrent extends Race {
        public Concurrent() {
            super(Subject.CONCURRENT);
        }

        @Actor
        public void actor1(III_Result r) {
            r.r1 = allocate(0);
        }

        @Actor
        public void actor2(III_Result r) {
            r.r2 = allocate(1);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            super.arbiter(r);
        }
    }
}
