package dev.offcut.bench;

/**
 * The result of one workload on one subject.
 *
 * @param workload    the workload's name
 * @param group       the workload's group
 * @param subject     the subject's name
 * @param metric      how to read {@code value}
 * @param value       the mean over trials (for {@link Metric#PERCENTILES} the mean of the trials' medians);
 *                    {@code NaN} if it failed
 * @param error       the half-width of the 95 % confidence interval of that mean (Student's t over
 *                    {@code sampleCount} values), or 0 when there is no interval (one sample, or no value)
 * @param sampleCount how many values the mean and its interval are over (trials; rounds for heap efficiency)
 * @param allocPercentiles p1, p25, p50, p75, p99 of single allocations in ns, for {@link Metric#PERCENTILES};
 *                    otherwise empty
 * @param freePercentiles  the same for single frees
 * @param note        why the pair did not run or failed, or extra detail; empty when none
 */
public record Measurement(String workload, String group, String subject, Metric metric, double value, double error,
                          int sampleCount, double[] allocPercentiles, double[] freePercentiles, String note) {

    /**
     * Returns a measurement for a pair that could not run.
     *
     * @param workload the workload
     * @param subject  the subject's name
     * @param why      the reason, shown in the output
     * @return a measurement whose value is {@code NaN}
     */
    public static Measurement skipped(Workload workload, String subject, String why) {
        return new Measurement(workload.name(), workload.group(), subject, workload.metric(), Double.NaN, 0, 0,
                new double[0], new double[0], why);
    }

    /**
     * Tells whether the pair produced a value.
     *
     * @return {@code true} unless the value is {@code NaN}
     */
    public boolean ok() {
        return !Double.isNaN(value);
    }
}
