package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.GlibcThreadRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * glibc-thread: pure scaling, each thread frees and allocates 4..32768-byte blocks (inverse-square sizes) in its
 * own 1024 slots and writes every byte ({@link GlibcThreadRounds}); op = one step. Scaling = score(1) / score(2).
 * Score: ns per operation, all threads together (see {@link RoundsBench}); thread counts above 2 oversubscribe this
 * project's 2-core machine.
 */
@State(Scope.Benchmark)
public class GlibcThreadBench extends RoundsBench {

    /** Threads. */
    @Param({"1", "2", "4"})
    public int threads;

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.glibcThread(threads);
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(GlibcThreadRounds.OPS)
    public void round() {
        rounds.round();
    }
}
