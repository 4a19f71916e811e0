package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.LarsonRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * larson-sized: thread churn, each round fresh threads free (sized) and allocate 8..999-byte blocks in slots their
 * predecessors filled ({@link LarsonRounds}); op = one free + allocate. Thread start and end are in the score (the
 * no-op subject shows their share). Score: ns per operation, all threads together (see {@link RoundsBench}); thread
 * counts above 2 oversubscribe this project's 2-core machine.
 */
@State(Scope.Benchmark)
public class LarsonSizedBench extends RoundsBench {

    /** Threads per round. */
    @Param({"1", "2", "4"})
    public int threads;

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.larson(threads);
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(LarsonRounds.OPS)
    public void round() {
        rounds.round();
    }
}
