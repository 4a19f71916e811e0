package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.CacheScratchRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * cache-scratch: passive false sharing; workers free a 1-byte block the JMH thread allocated, then allocate their
 * own and write it repeatedly ({@link CacheScratchRounds}); op = one write + read. Score: ns per operation, all
 * threads together (see {@link RoundsBench}); thread counts above 2 oversubscribe this project's 2-core machine.
 */
@State(Scope.Benchmark)
public class CacheScratchBench extends RoundsBench {

    /** Workers. */
    @Param({"1", "2", "4"})
    public int threads;

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.cacheScratch(threads);
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(CacheScratchRounds.OPS)
    public void round() {
        rounds.round();
    }
}
