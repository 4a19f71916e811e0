package dev.offcut.bench.jmh;

import dev.offcut.bench.Subject;
import dev.offcut.bench.workload.BatchWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/** batch under JMH: 4096 log-uniform 8..1024 blocks allocated then freed shuffled; time per block. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class BatchBench extends JmhDefaults {

    /** The subject, by its catalog name. */
    @Param({"offcut-bump", "offcut-free-list", "offcut-binned", "offcut-binned-compact", "offcut-locked-binned",
        "offcut-concurrent", "offcut-arena", "offcut-concurrent-arena", "malloc (Linker)", "malloc (Linker critical)",
        "Arena.ofConfined per block", "Arena.ofShared per block", "slicingAllocator", "byte[] (GC)", "netty-pooled",
        "netty-adaptive", "one-nio Malloc", "jemalloc (LWJGL)", "rpmalloc (LWJGL)", "no-op"})
    public String subject;

    private Subject opened;
    private boolean frees;
    private BatchWorkload.Round round;

    /** Opens the subject and generates the round. */
    @Setup(Level.Trial)
    public void open() {
        opened = JmhSupport.open(subject, new BatchWorkload(), 16L << 20);
        frees = JmhSupport.frees(subject);
        round = new BatchWorkload.Round(42);
    }

    /** Closes the subject. */
    @TearDown(Level.Trial)
    public void close() {
        opened.exitThread();
        opened.close();
    }

    /** One round of 4096 blocks. */
    @Benchmark
    @OperationsPerInvocation(BatchWorkload.BLOCK_COUNT)
    public void batch() {
        round.run(opened, frees);
    }
}
