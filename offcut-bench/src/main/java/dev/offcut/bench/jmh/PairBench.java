package dev.offcut.bench.jmh;

import dev.offcut.bench.Subject;
import dev.offcut.bench.workload.PairWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * pair(n) under JMH: allocate, touch, free (or reset) one block per operation; every subject in the same class,
 * so JMH's table puts Offcut and the alternatives side by side.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class PairBench extends JmhDefaults {

    /** The subject, by its catalog name. */
    @Param({"offcut-bump", "offcut-free-list", "offcut-binned", "offcut-binned-compact", "offcut-locked-binned",
        "offcut-concurrent", "offcut-arena", "offcut-concurrent-arena", "malloc (Linker)", "malloc (Linker critical)",
        "Arena.ofConfined per block", "Arena.ofShared per block", "slicingAllocator", "byte[] (GC)", "netty-pooled",
        "netty-adaptive", "one-nio Malloc", "jemalloc (LWJGL)", "rpmalloc (LWJGL)", "no-op"})
    public String subject;

    /** The block size. */
    @Param({"16", "64", "256", "4096", "65536"})
    public long byteSize;

    private Subject opened;
    private boolean frees;

    /** Opens the subject (fails with the reason when it cannot run). */
    @Setup(Level.Trial)
    public void open() {
        opened = JmhSupport.open(subject, new PairWorkload(byteSize), 16L << 20);
        frees = JmhSupport.frees(subject);
    }

    /** Closes the subject. */
    @TearDown(Level.Trial)
    public void close() {
        opened.exitThread();
        opened.close();
    }

    /** One allocate + touch + free. */
    @Benchmark
    public void pair() {
        PairWorkload.pair(opened, byteSize, frees);
    }
}
