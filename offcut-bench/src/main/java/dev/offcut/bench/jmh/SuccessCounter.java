package dev.offcut.bench.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts the successful operations of talc's random actions per thread, so JMH reports talc's score (successful
 * operations per time) as the secondary result {@code successes}, beside its primary score, which counts every
 * action, failed ones included. talc's ns/op = 1000 / successes (ops/us), the figure the bench command shows.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class SuccessCounter {

    /** Successful allocations, frees and reallocations in this iteration. */
    public long successes;

    /** Creates a counter. */
    public SuccessCounter() {
    }

    /** Starts each iteration from zero (JMH does not reset auxiliary counters itself). */
    @Setup(Level.Iteration)
    public void reset() {
        successes = 0;
    }
}
