package dev.offcut.bench.jmh;

import dev.offcut.bench.Catalog;
import dev.offcut.bench.Subject;
import dev.offcut.bench.workload.HighAlignmentWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * talc's high-alignment guard under JMH: {@code ordinary} = 16384 x (4096 B, align 1), {@code high} = 16384 x
 * (1 B, align 4096), each allocated, touched and freed on a fresh 256 MiB heap that was used once before (untimed,
 * set up per invocation). Ratio = high / ordinary; talc requires it below 5.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {Catalog.FLAG_NATIVE_ACCESS, Catalog.FLAG_UNSAFE_MEMORY_ACCESS, Catalog.FLAG_OPEN_NIO,
        Catalog.FLAG_OPEN_MISC, Catalog.FLAG_NETTY_REFLECTION, "-Xmx2g"})
@State(Scope.Thread)
public class HighAlignmentBench {

    /** The subject, by its catalog name. */
    @Param({"offcut-bump", "offcut-free-list", "offcut-binned", "offcut-binned-compact", "offcut-locked-binned",
            "offcut-arena", "malloc (Linker)", "malloc (Linker critical)", "Arena.ofConfined per block",
            "Arena.ofShared per block", "slicingAllocator", "jemalloc (LWJGL)", "rpmalloc (LWJGL)"})
    public String subject;

    private final long[] handles = new long[HighAlignmentWorkload.BLOCK_COUNT];
    private Subject ordinaryHeap;
    private Subject highHeap;
    private boolean frees;

    /** Opens two fresh subjects and uses each once, untimed. */
    @Setup(Level.Invocation)
    public void open() {
        HighAlignmentWorkload workload = new HighAlignmentWorkload();
        frees = JmhSupport.frees(subject);
        ordinaryHeap = JmhSupport.open(subject, workload, 256L << 20);
        HighAlignmentWorkload.pass(ordinaryHeap, frees, handles, HighAlignmentWorkload.HIGH_BYTE_ALIGNMENT, 1);
        highHeap = JmhSupport.open(subject, workload, 256L << 20);
        HighAlignmentWorkload.pass(highHeap, frees, handles, 1, HighAlignmentWorkload.HIGH_BYTE_ALIGNMENT);
    }

    /** Closes them. */
    @TearDown(Level.Invocation)
    public void close() {
        ordinaryHeap.close();
        highHeap.close();
    }

    /** 16384 blocks of 4096 bytes, alignment 1. */
    @Benchmark
    public void ordinary() {
        HighAlignmentWorkload.pass(ordinaryHeap, frees, handles, HighAlignmentWorkload.HIGH_BYTE_ALIGNMENT, 1);
    }

    /** 16384 blocks of 1 byte, alignment 4096. */
    @Benchmark
    public void high() {
        HighAlignmentWorkload.pass(highHeap, frees, handles, 1, HighAlignmentWorkload.HIGH_BYTE_ALIGNMENT);
    }
}
