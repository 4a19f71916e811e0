package dev.offcut.bench.jmh;

import dev.offcut.bench.workload.VirtualPairsRounds;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * 10,000 virtual threads each doing pairs(64) in two slices with a yield between, all alive at once ({@link
 * VirtualPairsRounds}); op = one pair, thread start and join included (see the no-op subject). Score: ns per
 * operation, all threads together (see {@link RoundsBench}).
 */
@State(Scope.Benchmark)
public class VirtualPairsBench extends RoundsBench {

    @Override
    protected ThreadedWorkload workload() {
        return ThreadedWorkload.virtualPairs();
    }

    /** One round. */
    @Benchmark
    @OperationsPerInvocation(VirtualPairsRounds.OPS)
    public void round() {
        rounds.round();
    }
}
