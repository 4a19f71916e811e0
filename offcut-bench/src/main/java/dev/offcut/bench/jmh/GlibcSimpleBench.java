package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.GlibcSimpleRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * glibc-simple: the single-thread fast path, batches of 25..1600 blocks of 16..64 bytes, every byte written, freed
 * half FIFO half LIFO, on the JMH thread ({@link GlibcSimpleRounds}); op = one allocate + free. Score: ns per
 * operation, all threads together (see {@link RoundsBench}).
 */
@State(Scope.Benchmark)
public class GlibcSimpleBench extends RoundsBench {

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.glibcSimple();
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(GlibcSimpleRounds.OPS)
    public void round() {
        rounds.round();
    }
}
