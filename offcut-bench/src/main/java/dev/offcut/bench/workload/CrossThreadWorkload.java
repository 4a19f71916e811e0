package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Set;

/**
 * cross-thread: one thread allocates and touches blocks, another frees them, through a bounded SPSC queue of
 * handles (see {@link Handoff}). Value = wall time / blocks, counted in rounds of {@value #ROUND} blocks that end
 * when the consumer has freed all of them. A side that must wait spins briefly, then yields (two cores, possibly
 * busy).
 */
public final class CrossThreadWorkload extends AbstractWorkload {

    /** Blocks per round. */
    public static final int ROUND = 4096;

    private static final long HEAP_BYTE_SIZE = 64L << 20;

    /** Creates the workload. */
    public CrossThreadWorkload() {
        super("cross-thread(8..1024)", "cross-thread", Metric.NANOS_PER_OP, 2,
                Set.of(Capability.FREES, Capability.THREAD_SAFE), false, 0);
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        double[] nanosPerBlock = new double[settings.trials()];
        long unsteady = 0;
        for (int trial = 0; trial < settings.trials(); trial++) {
            try (Subject subject = factory.openShared(HEAP_BYTE_SIZE)) {
                subject.enterThread();
                try (Handoff handoff = new Handoff(subject, settings.seed() + trial)) {
                    unsteady = Math.max(unsteady,
                            Warmup.untilSteady(settings, trial, nanos -> timed(handoff, nanos)));
                    nanosPerBlock[trial] = timed(handoff, millisToNanos(settings.measureMillis()));
                }
                subject.exitThread();
            }
        }
        return fromTrials(factory, nanosPerBlock, join("ns per block: allocate+touch on one thread, free on another",
                Warmup.note(unsteady)));
    }

    private static double timed(Handoff handoff, long nanos) {
        long blocks = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            handoff.handOver(ROUND);
            blocks += ROUND;
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return (double) elapsed / blocks;
    }
}
