package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.MstressRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * mstress: objects outliving their threads, fresh threads every round, blocks migrating through a shared transfer
 * array, every word written and checked ({@link MstressRounds}); op = one allocation. Score: ns per operation, all
 * threads together (see {@link RoundsBench}); thread counts above 2 oversubscribe this project's 2-core machine.
 */
@State(Scope.Benchmark)
public class MstressBench extends RoundsBench {

    /** Threads per round. */
    @Param({"1", "2", "4"})
    public int threads;

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.mstress(threads);
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(MstressRounds.OPS)
    public void round() {
        rounds.round();
    }
}
