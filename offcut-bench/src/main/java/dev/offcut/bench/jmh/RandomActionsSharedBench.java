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
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.TimeUnit;

/**
 * talc's random actions on two threads sharing one thread-safe subject, each with its own live set (the project's
 * issue asks for two threads; talc's own multi-thread benchmark uses four). Throughput of both threads together:
 * the primary score counts every action, the secondary {@code act:successes} only successful operations, talc's
 * score and the bench command's (see {@link RandomActionsBench}); the same value as the single-thread one means
 * no scaling.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
public class RandomActionsSharedBench extends JmhDefaults {

    /** The subject shared by both threads. */
    @State(Scope.Benchmark)
    public static class Shared {
        /** The subject, by its catalog name. */
        @Param({"offcut-locked-binned", "offcut-concurrent", "offcut-concurrent-arena", "malloc (Linker)",
            "malloc (Linker critical)", "Arena.ofShared per block", "byte[] (GC)", "netty-pooled", "netty-adaptive",
            "one-nio Malloc", "jemalloc (LWJGL)", "rpmalloc (LWJGL)", "no-op"})
        public String subject;

        /** talc's max size. */
        @Param({"200", "1000", "3000", "10000", "30000"})
        public int maxByteSize;

        /** Whether realloc is one of the actions. */
        @Param({"true", "false"})
        public boolean realloc;

        Subject opened;
        // JMH may tear this state down before the other thread's PerThread state, so the live sets are freed here.
        final java.util.Queue<RandomActions> liveSets = new java.util.concurrent.ConcurrentLinkedQueue<>();

        /** Opens the shared subject. */
        @Setup(Level.Trial)
        public void open() {
            opened = JmhSupport.open(subject, new RandomActionsWorkload(maxByteSize, realloc, 2),
                    RandomActions.HEAP_BYTE_SIZE);
        }

        /** Frees every thread's live blocks and closes the subject. */
        @TearDown(Level.Trial)
        public void close() {
            opened.enterThread();
            for (RandomActions actions : liveSets) {
                actions.releaseAll();
            }
            opened.close();
        }
    }

    /** One thread's live set and actions. */
    @State(Scope.Thread)
    public static class PerThread {
        private static final java.util.concurrent.atomic.AtomicLong SEEDS =
                new java.util.concurrent.atomic.AtomicLong(42);

        RandomActions actions;
        Subject subject;

        /**
         * Generates this thread's actions.
         *
         * @param shared the shared subject
         */
        @Setup(Level.Trial)
        public void open(Shared shared) {
            subject = shared.opened;
            subject.enterThread();
            actions = new RandomActions(subject, shared.maxByteSize, shared.realloc, SEEDS.getAndAdd(7919));
            shared.liveSets.add(actions);
        }
    }

    /**
     * 100 actions on this thread; the successful ones are counted.
     *
     * @param mine    this thread's state
     * @param counter this thread's count of successful operations
     */
    @Benchmark
    @OperationsPerInvocation(RandomActionsBench.ACTIONS)
    public void act(PerThread mine, SuccessCounter counter) {
        counter.successes += mine.actions.act(RandomActionsBench.ACTIONS);
    }
}
