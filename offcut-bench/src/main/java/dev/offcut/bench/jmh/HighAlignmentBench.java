package dev.offcut.bench.jmh;

import dev.offcut.bench.Subject;
import dev.offcut.bench.workload.HighAlignmentWorkload;
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
 * talc's high-alignment guard under JMH: {@code ordinary} = 16384 x (4096 B, align 1), {@code high} = 16384 x
 * (1 B, align 4096), each allocated, touched and freed on its own 256 MiB heap. Each benchmark has its own state
 * class, so it opens (and pre-touches) only its own heap, once per trial, and passes over it once untimed; every
 * invocation then starts from the same empty heap, since each pass frees everything it allocated. (Opening heaps
 * per invocation cost far more than the pass itself, which distorted JMH's timing.) Ratio = high / ordinary; talc
 * requires it below 5.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HighAlignmentBench extends JmhDefaults {

    /** The subject, by its catalog name. */
    @State(Scope.Benchmark)
    public static class Params {
        /** The subject, by its catalog name. */
        @Param({"offcut-bump", "offcut-free-list", "offcut-binned", "offcut-binned-compact", "offcut-locked-binned",
            "offcut-concurrent", "offcut-arena", "offcut-concurrent-arena", "malloc (Linker)",
            "malloc (Linker critical)", "Arena.ofConfined per block", "Arena.ofShared per block", "slicingAllocator",
            "jemalloc (LWJGL)", "rpmalloc (LWJGL)", "no-op"})
        public String subject;
    }

    /** One heap and the blocks of one kind of pass over it. */
    abstract static class Heap {
        final long[] handles = new long[HighAlignmentWorkload.BLOCK_COUNT];
        Subject opened;
        boolean frees;

        abstract long byteSize();

        abstract long byteAlignment();

        void open(Params params) {
            frees = JmhSupport.frees(params.subject);
            opened = JmhSupport.open(params.subject, new HighAlignmentWorkload(), 256L << 20);
            pass();
        }

        void pass() {
            HighAlignmentWorkload.pass(opened, frees, handles, byteSize(), byteAlignment());
        }

        void close() {
            opened.exitThread();
            opened.close();
        }
    }

    /** The heap of {@link #ordinary}: 4096-byte blocks, alignment 1. */
    @State(Scope.Thread)
    public static class OrdinaryHeap extends Heap {
        @Override
        long byteSize() {
            return HighAlignmentWorkload.HIGH_BYTE_ALIGNMENT;
        }

        @Override
        long byteAlignment() {
            return 1;
        }

        /**
         * Opens the heap and passes over it once, untimed.
         *
         * @param params the subject
         */
        @Setup(Level.Trial)
        public void setUp(Params params) {
            open(params);
        }

        /** Closes the heap. */
        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }
    }

    /** The heap of {@link #high}: 1-byte blocks, alignment 4096. */
    @State(Scope.Thread)
    public static class HighHeap extends Heap {
        @Override
        long byteSize() {
            return 1;
        }

        @Override
        long byteAlignment() {
            return HighAlignmentWorkload.HIGH_BYTE_ALIGNMENT;
        }

        /**
         * Opens the heap and passes over it once, untimed.
         *
         * @param params the subject
         */
        @Setup(Level.Trial)
        public void setUp(Params params) {
            open(params);
        }

        /** Closes the heap. */
        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }
    }

    /**
     * 16384 blocks of 4096 bytes, alignment 1.
     *
     * @param heap its heap
     */
    @Benchmark
    public void ordinary(OrdinaryHeap heap) {
        heap.pass();
    }

    /**
     * 16384 blocks of 1 byte, alignment 4096.
     *
     * @param heap its heap
     */
    @Benchmark
    public void high(HighHeap heap) {
        heap.pass();
    }
}
