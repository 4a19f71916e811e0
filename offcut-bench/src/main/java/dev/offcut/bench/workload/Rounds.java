package dev.offcut.bench.workload;

/**
 * One opened multi-threaded workload over one shared subject: a fixed amount of work per round, so that a round's
 * time divided by {@link #opsPerRound()} is a time per operation, whatever the thread count (the threads share the
 * round's work; with perfect scaling two threads halve it). Shared by the {@code threads} group of the bench command
 * and the JMH benchmarks, which call {@link #round()} as their invocation.
 */
public interface Rounds extends AutoCloseable {

    /**
     * Runs one round and returns when all its threads are done.
     *
     * @throws IllegalStateException when a thread of the round failed (the cause is its failure)
     */
    void round();

    /**
     * Returns the operations of one round (allocations, each freed exactly once, unless a workload says otherwise).
     *
     * @return the count
     */
    long opsPerRound();

    /** Stops the workload's threads and frees every block still live, from the calling thread. */
    @Override
    void close();
}
