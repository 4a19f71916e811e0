package dev.offcut.cli;

import dev.offcut.bench.Measurement;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs the workload x subject pairs of a {@link Plan}, one at a time, workload-major: the subjects of one workload
 * run back to back, so slow drift of the machine affects them alike. A pair that throws becomes a
 * {@link PairResult.Status#FAILED} row; the run goes on.
 *
 * <p>With a budget (the default run) workloads start in {@linkplain Selection#priorityOrder priority order}: the
 * first workload of every group always runs; any other starts only if the time used so far plus its predicted time
 * (its pairs times the mean time per pair so far) stays within the budget. Timing the real run, not a fixed guess,
 * keeps the default close to its budget on fast, slow and busy machines alike.
 */
public final class BenchRunner {

    private final Progress progress;
    private final LongSupplier nanoClock;

    /**
     * Creates a runner on the system clock.
     *
     * @param progress where to report each pair as it starts
     */
    public BenchRunner(Progress progress) {
        this(progress, System::nanoTime);
    }

    /**
     * Creates a runner.
     *
     * @param progress  where to report each pair as it starts
     * @param nanoClock a monotonic clock in nanoseconds, for the budget and the run time
     */
    BenchRunner(Progress progress, LongSupplier nanoClock) {
        this.progress = progress;
        this.nanoClock = nanoClock;
    }

    /**
     * Runs the plan.
     *
     * @param plan   what to run
     * @param header the header to attach to the results
     * @return the results, with ratios to the baseline; with a budget, their plan lists the workloads that ran and
     *         a note names those that did not
     */
    public BenchResults run(Plan plan, RunHeader header) {
        Optional<Duration> budget = plan.budget();
        List<Workload> order = budget.isPresent() ? Selection.priorityOrder(plan.workloads()) : plan.workloads();
        Set<String> seenGroups = new HashSet<>();
        int total = 0;
        for (Workload workload : order) {
            total += runnablePairs(workload, plan);
        }
        Map<String, List<PairResult>> byWorkload = new LinkedHashMap<>();
        List<Workload> notRun = new ArrayList<>();
        long start = nanoClock.getAsLong();
        int done = 0;
        try {
            for (Workload workload : order) {
                boolean firstOfGroup = seenGroups.add(workload.group());
                int pairs = runnablePairs(workload, plan);
                if (budget.isPresent() && !firstOfGroup && done > 0) {
                    long elapsed = nanoClock.getAsLong() - start;
                    long predicted = elapsed / done * pairs;
                    if (elapsed + predicted > budget.get().toNanos()) {
                        notRun.add(workload);
                        total -= pairs;
                        continue;
                    }
                }
                List<PairResult> results = new ArrayList<>();
                for (SubjectFactory subject : plan.subjects()) {
                    Optional<String> unavailable = subject.unavailableReason();
                    Optional<String> refusal = workload.refusal(subject);
                    if (unavailable.isPresent()) {
                        results.add(skipped(workload, subject, PairResult.Status.UNAVAILABLE, unavailable.get(), 0));
                    } else if (refusal.isPresent()) {
                        results.add(skipped(workload, subject, PairResult.Status.NOT_APPLICABLE, refusal.get(), 0));
                    } else {
                        progress.step(++done, total, workload.name(), subject.name());
                        results.add(runPair(workload, subject, plan));
                    }
                }
                byWorkload.put(workload.name(), results);
            }
        } finally {
            progress.finish();
        }
        Duration elapsed = Duration.ofNanos(nanoClock.getAsLong() - start);
        List<Workload> ran = plan.workloads().stream().filter(w -> byWorkload.containsKey(w.name())).toList();
        List<PairResult> results = new ArrayList<>();
        ran.forEach(w -> results.addAll(byWorkload.get(w.name())));
        Plan ranPlan = plan.withWorkloads(ran);
        if (!notRun.isEmpty()) {
            Map<String, Integer> notRunByGroup = new LinkedHashMap<>();
            for (Workload workload : notRun) {
                notRunByGroup.merge(workload.group(), 1, Integer::sum);
            }
            List<String> counts = notRunByGroup.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList();
            ranPlan = ranPlan.withNote("ran " + ran.size() + " of " + plan.workloads().size() + " workloads within the "
                                       + budget.orElseThrow().toSeconds() + " s budget; not run: "
                                       + String.join(", ", counts) + " (--full or --workloads all runs them)");
        }
        return BenchResults.withRatios(header, ranPlan, results, elapsed);
    }

    private static int runnablePairs(Workload workload, Plan plan) {
        int pairs = 0;
        for (SubjectFactory subject : plan.subjects()) {
            if (subject.unavailableReason().isEmpty() && workload.accepts(subject)) {
                pairs++;
            }
        }
        return pairs;
    }

    private static PairResult skipped(Workload workload, SubjectFactory subject, PairResult.Status status, String why,
                                      long elapsedMillis) {
        return new PairResult(workload, subject.name(), status, Measurement.skipped(workload, subject.name(), why),
                Double.NaN, elapsedMillis);
    }

    private PairResult runPair(Workload workload, SubjectFactory subject, Plan plan) {
        Measurement measurement;
        long start = nanoClock.getAsLong();
        try {
            measurement = workload.run(subject, plan.settings());
        } catch (RuntimeException | Error e) {
            // A broken pair must not hide the others' results; its row says what went wrong.
            String message = e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("");
            return skipped(workload, subject, PairResult.Status.FAILED, e.getClass().getSimpleName() + message,
                    millisSince(start));
        }
        long elapsedMillis = millisSince(start);
        if (measurement == null) {
            return skipped(workload, subject, PairResult.Status.FAILED, "the workload returned no measurement",
                    elapsedMillis);
        }
        if (!measurement.ok()) {
            String why = measurement.note() == null || measurement.note().isBlank()
                    ? "the workload produced no value" : measurement.note();
            // Workloads may refuse a pair themselves and say so with these prefixes (the bench module's do).
            for (PairResult.Status status : List.of(PairResult.Status.NOT_APPLICABLE, PairResult.Status.UNAVAILABLE,
                    PairResult.Status.FAILED)) {
                for (String prefix : List.of(status.label() + ": ",
                        status.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": ")) {
                    if (why.startsWith(prefix)) {
                        return skipped(workload, subject, status, why.substring(prefix.length()), elapsedMillis);
                    }
                }
            }
            return skipped(workload, subject, PairResult.Status.FAILED, why, elapsedMillis);
        }
        return new PairResult(workload, subject.name(), PairResult.Status.OK, measurement, Double.NaN, elapsedMillis);
    }

    private long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - startNanos);
    }
}
