package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.PairsRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * pairs(64) on 1, 2 or 4 threads sharing one subject: each thread allocates, touches and frees 64-byte blocks
 * ({@link PairsRounds}); op = one pair. Score: ns per operation, all threads together (see {@link RoundsBench});
 * thread counts above 2 oversubscribe this project's 2-core machine.
 */
@State(Scope.Benchmark)
public class PairsThreadsBench extends RoundsBench {

    /** Threads doing pairs. */
    @Param({"1", "2", "4"})
    public int threads;

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.pairs(threads);
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(PairsRounds.OPS)
    public void round() {
        rounds.round();
    }
}
