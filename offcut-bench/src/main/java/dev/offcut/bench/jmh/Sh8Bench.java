package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.Sh8Rounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * sh8bench-style: workers cycle sh8bench sizes through rings while one more thread allocates 8-byte blocks that the
 * workers free in bulk ({@link Sh8Rounds}); op = one allocation. workers + 1 threads. Score: ns per operation, all
 * threads together (see {@link RoundsBench}); thread counts above 2 oversubscribe this project's 2-core machine.
 */
@State(Scope.Benchmark)
public class Sh8Bench extends RoundsBench {

    /** Worker threads (one producer more). */
    @Param({"1", "2", "4"})
    public int workers;

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.sh8(workers);
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(Sh8Rounds.OPS)
    public void round() {
        rounds.round();
    }
}
