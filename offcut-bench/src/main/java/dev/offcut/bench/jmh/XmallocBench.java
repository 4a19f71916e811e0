package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.XmallocRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * xmalloc-test: producers allocate and fill 64-byte blocks in batches, as many consumers free them ({@link
 * XmallocRounds}); op = one block; 1e3 / score = Mfrees/s. producers = 2 runs 4 threads. Score: ns per operation,
 * all threads together (see {@link RoundsBench}); thread counts above 2 oversubscribe this project's 2-core
 * machine.
 */
@State(Scope.Benchmark)
public class XmallocBench extends RoundsBench {

    /** Producers, and as many consumers. */
    @Param({"1", "2"})
    public int producers;

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.xmalloc(producers);
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(XmallocRounds.OPS)
    public void round() {
        rounds.round();
    }
}
