package dev.offcut.bench.workload;

import dev.offcut.bench.RunSettings;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Warm-up until the rate settles. On this project's two noisy cores an allocator's code takes from 100 ms to over
 * half a second of running before the JIT has compiled it (and the workload loop around it), so a fixed 20 ms
 * warm-up would measure the interpreter, and the interpreter's rate is steady too. So warm-up runs 10 ms slices
 * for at least {@link RunSettings#warmupMillis()} and then until the JIT has compiled nothing during three slices in
 * a row (the JVM's total compilation time, from {@link CompilationMXBean}, stood still) and those slices agree
 * within 25 %; or until the cap: 50 x the warm-up time, at most 2 s. Only a workload's first trial needs that: the
 * later trials (fresh subjects, same compiled code) warm up for {@link RunSettings#warmupMillis()} only, like talc's
 * fixed warm-up that fills the fresh allocator's free lists.
 */
final class Warmup {

    /** One slice of the workload: runs for about {@code nanos}, returns ns per operation. */
    @FunctionalInterface
    interface Slice {
        double run(long nanos) throws Exception;
    }

    private static final long SLICE_NANOS = 10_000_000L;
    private static final double STEADY_SPREAD = 1.25;
    private static final long MAX_CAP_MILLIS = 2000;
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    private Warmup() {
    }

    /**
     * Warms up.
     *
     * @param settings the settings
     * @param trial    the trial's index: only trial 0 waits for the JIT
     * @param slice    the workload
     * @return the warm-up time in ms if the rate did not settle within the cap, else 0
     * @throws Exception when the workload fails
     */
    static long untilSteady(RunSettings settings, int trial, Slice slice) throws Exception {
        long minNanos = settings.warmupMillis() * 1_000_000L;
        if (trial > 0) {
            slice.run(minNanos);
            return 0;
        }
        long capNanos = Math.max(minNanos, Math.min(50 * minNanos, MAX_CAP_MILLIS * 1_000_000L));
        long sliceNanos = Math.min(SLICE_NANOS, Math.max(1, minNanos));
        double a = Double.NaN;
        double b = Double.NaN;
        boolean timed = JIT != null && JIT.isCompilationTimeMonitoringSupported();
        long compiledMillis = timed ? JIT.getTotalCompilationTime() : 0;
        int quietSlices = 0;
        long start = System.nanoTime();
        while (true) {
            double c = slice.run(sliceNanos);
            long elapsed = System.nanoTime() - start;
            long nowCompiled = timed ? JIT.getTotalCompilationTime() : 0;
            quietSlices = nowCompiled == compiledMillis ? quietSlices + 1 : 0;
            compiledMillis = nowCompiled;
            boolean steady = quietSlices >= 3
                    && Math.max(a, Math.max(b, c)) <= STEADY_SPREAD * Math.min(a, Math.min(b, c));
            if (elapsed >= minNanos && steady) {
                return 0;
            }
            if (elapsed >= capNanos) {
                return elapsed / 1_000_000L;
            }
            a = b;
            b = c;
        }
    }

    /**
     * Returns a note on an unsettled warm-up.
     *
     * @param unsteadyMillis what {@link #untilSteady} returned (the largest over trials)
     * @return the note, or an empty string
     */
    static String note(long unsteadyMillis) {
        return unsteadyMillis == 0 ? "" : "rate still changing after " + unsteadyMillis + " ms of warm-up";
    }
}
