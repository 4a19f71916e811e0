package dev.offcut.bench.jmh;

import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Subject;
import dev.offcut.bench.workload.Rounds;
import dev.offcut.bench.workload.ThreadedWorkload;
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
 * What the benchmarks of the {@code threads} group share: the subject parameter, opening it shared between threads
 * (fixed pre-touched heap for Offcut's, as in the other benchmarks) and the workload's {@link Rounds} over it, and
 * closing both. Each invocation is one round of a fixed amount of work, so the score is ns per operation of all
 * threads together: with perfect scaling, two threads halve it. The JMH thread is the workloads' "main" thread (it
 * opens, warms up, hands over or frees what the workload's main does); the workload's own threads do the rest.
 * Thread counts above 2 oversubscribe this project's 2-core machine. The {@code no-op} subject measures the harness.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class RoundsBench extends JmhDefaults {

    /** The subject, by its catalog name. */
    @Param({"offcut-locked-binned", "offcut-concurrent", "offcut-concurrent-arena", "malloc (Linker)",
        "malloc (Linker critical)", "Arena.ofShared per block", "netty-pooled", "netty-adaptive", "one-nio Malloc",
        "jemalloc (LWJGL)", "rpmalloc (LWJGL)", "no-op"})
    public String subject;

    /** The opened rounds, for the subclass's benchmark method. */
    protected Rounds rounds;

    private Subject opened;

    /** For subclasses. */
    protected RoundsBench() {
    }

    /**
     * Returns the workload with this benchmark's parameters.
     *
     * @return the workload
     */
    protected abstract ThreadedWorkload workload();

    /** Opens the shared subject and the workload's threads (fails with the reason when it cannot run). */
    @Setup(Level.Trial)
    public void open() {
        ThreadedWorkload workload = workload();
        SubjectFactory factory = JmhSupport.factory(subject, workload);
        opened = factory.openShared(ThreadedWorkload.HEAP_BYTE_SIZE);
        opened.enterThread();
        rounds = workload.opener().open(opened, 1, false);
    }

    /** Stops the threads, frees what is live, closes the subject. */
    @TearDown(Level.Trial)
    public void close() {
        rounds.close();
        opened.exitThread();
        opened.close();
    }
}
