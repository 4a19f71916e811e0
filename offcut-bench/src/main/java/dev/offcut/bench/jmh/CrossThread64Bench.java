package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.CrossThreadRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * cross-thread(64): 64-byte blocks allocated and touched on the JMH thread, freed by a consumer thread ({@link
 * CrossThreadRounds}); op = one block. Score: ns per operation, all threads together (see {@link RoundsBench}).
 */
@State(Scope.Benchmark)
public class CrossThread64Bench extends RoundsBench {

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.crossThread64();
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(CrossThreadRounds.OPS)
    public void round() {
        rounds.round();
    }
}
