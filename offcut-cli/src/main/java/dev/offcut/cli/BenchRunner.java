package dev.offcut.cli;

import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Runs the workload x subject pairs of a {@link Plan} subject by subject: each subject's workloads, in catalog order,
 * go to a {@link SubjectRunner} at once -- by default a JVM forked for that subject alone, so that no subject is
 * measured with the JIT state another left behind. Pairs the subject cannot run (unavailable here, or the workload
 * does not apply) become rows without a value; a subject whose probe failed gets failed rows; a pair that throws
 * is a {@link PairResult.Status#FAILED} row, and the run goes on. Results are then ordered workload-major for the
 * tables.
 */
public final class BenchRunner {

    private final Progress progress;
    private final SubjectRunner runner;
    private final LongSupplier nanoClock;

    /**
     * Creates a runner on the system clock.
     *
     * @param progress where to report each pair as it starts
     * @param runner   how each subject's pairs run (forked or in this JVM)
     */
    BenchRunner(Progress progress, SubjectRunner runner) {
        this(progress, runner, System::nanoTime);
    }

    /**
     * Creates a runner.
     *
     * @param progress  where to report each pair as it starts
     * @param runner    how each subject's pairs run
     * @param nanoClock a monotonic clock in nanoseconds, for the run time
     */
    BenchRunner(Progress progress, SubjectRunner runner, LongSupplier nanoClock) {
        this.progress = progress;
        this.runner = runner;
        this.nanoClock = nanoClock;
    }

    /**
     * Runs the plan.
     *
     * @param plan   what to run
     * @param header the header to attach to the results
     * @return the results, with ratios to the baseline
     */
    public BenchResults run(Plan plan, RunHeader header) {
        int total = 0;
        for (SubjectFactory subject : plan.subjects()) {
            total += runnable(subject, plan).size();
        }
        Map<String, PairResult> byPair = new HashMap<>();
        long start = nanoClock.getAsLong();
        int[] done = {0};
        int all = total;
        try {
            for (SubjectFactory subject : plan.subjects()) {
                List<Workload> runnable = runnable(subject, plan);
                for (Workload workload : plan.workloads()) {
                    if (!runnable.contains(workload)) {
                        byPair.put(key(workload, subject), notRunnable(workload, subject));
                    }
                }
                if (runnable.isEmpty()) {
                    continue;
                }
                Optional<String> broken = subject.failure();
                List<PairResult> results;
                if (broken.isPresent()) {
                    results = runnable.stream().map(w -> PairResult.skipped(w, subject.name(),
                            PairResult.Status.FAILED, broken.get(), 0)).toList();
                    done[0] += runnable.size();
                } else {
                    results = runner.run(subject, runnable, plan.settings(),
                            workload -> progress.step(++done[0], all, workload, subject.name()));
                }
                for (PairResult result : results) {
                    byPair.put(key(result.workload(), subject), result);
                }
            }
        } finally {
            progress.finish();
        }
        Duration elapsed = Duration.ofNanos(nanoClock.getAsLong() - start);
        List<PairResult> results = new ArrayList<>();
        for (Workload workload : plan.workloads()) {
            for (SubjectFactory subject : plan.subjects()) {
                results.add(byPair.get(key(workload, subject)));
            }
        }
        return BenchResults.withRatios(header, plan, results, elapsed);
    }

    /** Returns the plan's workloads that this subject can run, in plan order. */
    private static List<Workload> runnable(SubjectFactory subject, Plan plan) {
        if (subject.unavailableReason().isPresent()) {
            return List.of();
        }
        return plan.workloads().stream().filter(w -> w.accepts(subject)).toList();
    }

    private static PairResult notRunnable(Workload workload, SubjectFactory subject) {
        Optional<String> unavailable = subject.unavailableReason();
        if (unavailable.isPresent()) {
            return PairResult.skipped(workload, subject.name(), PairResult.Status.UNAVAILABLE, unavailable.get(), 0);
        }
        return PairResult.skipped(workload, subject.name(), PairResult.Status.NOT_APPLICABLE,
                workload.refusal(subject).orElse("not applicable"), 0);
    }

    private static String key(Workload workload, SubjectFactory subject) {
        return workload.name() + "\u0000" + subject.name();
    }
}
