package dev.offcut.cli;

import dev.offcut.bench.Workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one {@code bench} run produced: the header, the plan, every pair's result, and how long it took.
 *
 * @param header  where and how it ran
 * @param plan    what it ran
 * @param results one result per workload x subject pair, workload-major, in plan order
 * @param elapsed the wall-clock time of all pairs
 */
public record BenchResults(RunHeader header, Plan plan, List<PairResult> results, Duration elapsed) {

    /**
     * Copies the results.
     *
     * @param header  the header
     * @param plan    the plan
     * @param results the results
     * @param elapsed the run time
     */
    public BenchResults {
        results = List.copyOf(results);
    }

    /**
     * Builds the results, filling in each time result's ratio to the baseline on the same workload.
     *
     * @param header  the header
     * @param plan    the plan
     * @param results the results without ratios
     * @param elapsed the run time
     * @return the results with ratios
     */
    public static BenchResults withRatios(RunHeader header, Plan plan, List<PairResult> results, Duration elapsed) {
        Map<String, Double> baselineValues = new LinkedHashMap<>();
        for (PairResult result : results) {
            if (result.subject().equals(plan.baseline()) && result.status() == PairResult.Status.OK) {
                baselineValues.put(result.workload().name(), result.value());
            }
        }
        List<PairResult> withRatios = new ArrayList<>(results.size());
        for (PairResult result : results) {
            double ratio = Double.NaN;
            Double baseline = baselineValues.get(result.workload().name());
            if (PairResult.hasRatio(result.workload().metric()) && result.status() == PairResult.Status.OK
                && baseline != null && baseline > 0) {
                ratio = result.value() / baseline;
            }
            withRatios.add(result.withRatio(ratio));
        }
        return new BenchResults(header, plan, withRatios, elapsed);
    }

    /**
     * Returns the workloads by group, groups in order of first appearance.
     *
     * @return group name to its workloads
     */
    public Map<String, List<Workload>> groups() {
        Map<String, List<Workload>> groups = new LinkedHashMap<>();
        for (Workload workload : plan.workloads()) {
            groups.computeIfAbsent(workload.group(), g -> new ArrayList<>()).add(workload);
        }
        return groups;
    }

    /**
     * Returns one workload's results, in subject order.
     *
     * @param workload the workload
     * @return its results
     */
    public List<PairResult> resultsOf(Workload workload) {
        return results.stream().filter(r -> r.workload().name().equals(workload.name())).toList();
    }

    /**
     * Counts the pairs that did not produce a value although they should have.
     *
     * @return the number of failed pairs
     */
    public long failedCount() {
        return results.stream().filter(r -> r.status() == PairResult.Status.FAILED).count();
    }
}
