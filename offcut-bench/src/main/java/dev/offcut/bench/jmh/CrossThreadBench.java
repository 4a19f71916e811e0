package dev.offcut.bench.jmh;

import dev.offcut.bench.Subject;
import dev.offcut.bench.workload.CrossThreadWorkload;
import dev.offcut.bench.workload.Handoff;
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

/**
 * cross-thread under JMH: the benchmark thread allocates and touches 4096 blocks and hands them to a consumer
 * thread (started in setup, outside JMH's threads) that frees them; an invocation ends when all are freed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class CrossThreadBench extends JmhDefaults {

    /** The subject, by its catalog name. */
    @Param({"offcut-locked-binned", "offcut-concurrent", "offcut-concurrent-arena", "malloc (Linker)",
        "malloc (Linker critical)", "Arena.ofShared per block", "byte[] (GC)", "netty-pooled", "netty-adaptive",
        "one-nio Malloc", "jemalloc (LWJGL)", "rpmalloc (LWJGL)", "no-op"})
    public String subject;

    private Subject opened;
    private Handoff handoff;

    /** Opens the shared subject and starts the consumer. */
    @Setup(Level.Trial)
    public void open() {
        opened = JmhSupport.open(subject, new CrossThreadWorkload(), 64L << 20);
        handoff = new Handoff(opened, 42);
    }

    /** Stops the consumer and closes the subject. */
    @TearDown(Level.Trial)
    public void close() {
        handoff.close();
        opened.exitThread();
        opened.close();
    }

    /** 4096 blocks handed over and freed. */
    @Benchmark
    @OperationsPerInvocation(CrossThreadWorkload.ROUND)
    public void handOver() {
        handoff.handOver(CrossThreadWorkload.ROUND);
    }
}
