package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * A footprint of the {@code threads} group, for subjects that can tell what they hold ({@link
 * Capability#FOOTPRINT}: Offcut's, over native memory that starts empty and grows on demand): runs a workload's
 * rounds (untimed) while a sampler thread reads the subject's committed and live bytes every millisecond (and the
 * calling thread after every round), and reports peak committed / peak live bytes. Committed = what {@link
 * Subject#committedBytes()} tells: for the concurrent allocator the definition, grown bytes - released
 * bytes + Java-heap metadata ({@code ConcurrentAllocator.committedByteSize()}); for the other Offcut allocators the
 * memory's grown bytes (they release nothing and keep their metadata in the memory). The note adds the peak resident
 * bytes (mincore), a lower bound. Live = the allocator's count of requested bytes in live blocks. With a
 * second workload as reference, the value is instead peak committed / the reference's peak committed (e.g. 10,000
 * virtual threads against one platform thread doing the same pairs). Rounds run for at least the measured time and
 * {@value #MIN_ROUNDS} rounds per trial; at most {@value #MAX_TRIALS} trials.
 */
public final class FootprintWorkload extends AbstractWorkload {

    /** How far the subject's memory may grow. */
    public static final long MAX_BYTE_SIZE = 4L << 30;

    /** Trials at most. */
    public static final int MAX_TRIALS = 2;

    /** Rounds per trial at least. */
    public static final int MIN_ROUNDS = 5;

    private static final long SAMPLE_NANOS = 1_000_000L;

    private final ThreadedWorkload.Opener opener;
    private final ThreadedWorkload.Opener reference;

    /**
     * Creates a footprint.
     *
     * @param name      its name
     * @param threads   the threads of the workload
     * @param opener    the workload's rounds
     * @param reference a reference workload whose peak committed bytes divide this one's, or {@code null} to divide
     *                  by peak live bytes
     */
    public FootprintWorkload(String name, int threads, ThreadedWorkload.Opener opener,
                             ThreadedWorkload.Opener reference) {
        super(name, ThreadedWorkload.GROUP, Metric.RATIO, threads,
                Set.of(Capability.FREES, Capability.THREAD_SAFE, Capability.NATIVE_ADDRESS, Capability.FOOTPRINT),
                false, 0);
        this.opener = opener;
        this.reference = reference;
    }

    /** Peaks of one run. */
    public record Peaks(long committedBytes, long residentBytes, long liveBytes, long rounds) {
    }

    @Override
    Measurement measure(SubjectFactory factory, RunSettings settings) throws Exception {
        int trials = Math.min(MAX_TRIALS, settings.trials());
        double[] values = new double[trials];
        Peaks last = null;
        Peaks lastReference = null;
        for (int trial = 0; trial < trials; trial++) {
            last = peaks(factory, opener, settings);
            if (reference == null) {
                values[trial] = (double) last.committedBytes() / Math.max(1, last.liveBytes());
            } else {
                lastReference = peaks(factory, reference, settings);
                values[trial] = (double) last.committedBytes() / Math.max(1, lastReference.committedBytes());
            }
        }
        String note = reference == null
                ? String.format("peak committed / peak live: %s / %s; peak resident %s (%d rounds)",
                        mib(last.committedBytes()), mib(last.liveBytes()), mib(last.residentBytes()), last.rounds())
                : String.format("peak committed / the reference's: %s / %s; peak resident %s / %s",
                        mib(last.committedBytes()), mib(lastReference.committedBytes()), mib(last.residentBytes()),
                        mib(lastReference.residentBytes()));
        return fromTrials(factory, values, note);
    }

    private static String mib(long bytes) {
        return String.format("%.2f MiB", bytes / 1048576.0);
    }

    /**
     * Runs a workload on a fresh footprint subject and returns its peaks.
     *
     * @param factory  a {@link Capability#FOOTPRINT} subject
     * @param opener   the workload
     * @param settings how long
     * @return the peaks
     */
    public static Peaks peaks(SubjectFactory factory, ThreadedWorkload.Opener opener, RunSettings settings) {
        Subject subject = factory.openFootprint(MAX_BYTE_SIZE);
        Sampler sampler = new Sampler(subject);
        try {
            subject.enterThread();
            Rounds rounds = opener.open(subject, ThreadedWorkload.shrinkFor(settings), false);
            Thread thread = Thread.ofPlatform().daemon().name("footprint-sampler").start(sampler);
            long rounds0 = 0;
            try {
                long end = System.nanoTime() + millisToNanos(settings.measureMillis());
                do {
                    rounds.round();
                    rounds0++;
                    sampler.sample();
                } while (rounds0 < MIN_ROUNDS || System.nanoTime() < end);
            } finally {
                sampler.stop = true;
                try {
                    thread.join();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                rounds.close();
            }
            subject.exitThread();
            return new Peaks(sampler.committed, sampler.resident, sampler.live, rounds0);
        } finally {
            subject.close();
        }
    }

    /** Polls a subject's committed and live bytes and keeps their maxima. */
    private static final class Sampler implements Runnable {
        private final Subject subject;
        volatile boolean stop;
        private long committed;
        private long resident;
        private long live;

        Sampler(Subject subject) {
            this.subject = subject;
        }

        synchronized void sample() {
            committed = Math.max(committed, subject.committedBytes());
            resident = Math.max(resident, subject.residentBytes());
            live = Math.max(live, subject.liveBytes());
        }

        @Override
        public void run() {
            while (!stop) {
                sample();
                LockSupport.parkNanos(SAMPLE_NANOS);
            }
        }
    }
}
