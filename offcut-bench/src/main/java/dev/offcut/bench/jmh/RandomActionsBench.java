package dev.offcut.bench.jmh;

import dev.offcut.bench.Subject;
import dev.offcut.bench.workload.RandomActions;
import dev.offcut.bench.workload.RandomActionsWorkload;
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
 * talc's random actions under JMH, one thread, as throughput. Two results: the primary score counts every action
 * (100 per call, failed ones included); the secondary {@code act:successes} counts only successful operations,
 * which is talc's score and what the bench command reports (as ns per successful operation = 1000 / successes).
 * On a 128 MiB heap nearly every action succeeds, so the two are close; where they differ, compare
 * {@code successes} with the bench command and talc. The live set carries over from warm-up into measurement
 * (JMH's iterations continue one trial): a steady state, unlike the bench command's trials, which start measuring
 * on an empty live set as talc does.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class RandomActionsBench extends JmhDefaults {

    /** Actions per benchmark call, as talc checks its clock every 100 actions. */
    static final int ACTIONS = 100;

    /** The subject, by its catalog name. */
    @Param({"offcut-free-list", "offcut-binned", "offcut-binned-compact", "offcut-locked-binned", "offcut-concurrent",
        "offcut-arena", "offcut-concurrent-arena", "malloc (Linker)", "malloc (Linker critical)",
        "Arena.ofConfined per block", "Arena.ofShared per block", "byte[] (GC)", "netty-pooled", "netty-adaptive",
        "one-nio Malloc", "jemalloc (LWJGL)", "rpmalloc (LWJGL)", "no-op"})
    public String subject;

    /** talc's max size. */
    @Param({"200", "1000", "3000", "10000", "30000"})
    public int maxByteSize;

    /** Whether realloc is one of the actions. */
    @Param({"true", "false"})
    public boolean realloc;

    private Subject opened;
    private RandomActions actions;

    /** Opens the subject and generates the actions. */
    @Setup(Level.Trial)
    public void open() {
        opened = JmhSupport.open(subject, new RandomActionsWorkload(maxByteSize, realloc, 1),
                RandomActions.HEAP_BYTE_SIZE);
        actions = new RandomActions(opened, maxByteSize, realloc, 42);
    }

    /** Frees the live blocks and closes the subject. */
    @TearDown(Level.Trial)
    public void close() {
        actions.releaseAll();
        opened.exitThread();
        opened.close();
    }

    /**
     * 100 actions; the successful ones are counted.
     *
     * @param counter this thread's count of successful operations
     */
    @Benchmark
    @OperationsPerInvocation(ACTIONS)
    public void act(SuccessCounter counter) {
        counter.successes += actions.act(ACTIONS);
    }
}
