package dev.offcut.cli;

import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.Workload;

/**
 * What became of one workload x subject pair.
 *
 * @param workload    the workload
 * @param subject     the subject's name
 * @param status      whether it ran, and if not why not
 * @param measurement the measurement; for pairs that did not produce a value its note says why
 * @param ratio       the value over the baseline's value on the same workload, for time metrics; {@code NaN} when
 *                    there is no ratio (the metric has none, or either side has no value)
 * @param elapsedMillis how long the pair took, setup included; 0 for pairs that did not run
 */
public record PairResult(Workload workload, String subject, Status status, Measurement measurement, double ratio,
                         long elapsedMillis) {

    /** Whether a pair produced a value, and if not why not. */
    public enum Status {
        /** The pair ran and produced a value. */
        OK("ok"),
        /** The pair ran and failed: an exception, or the workload reported no value. */
        FAILED("failed"),
        /** The subject cannot run on this machine (e.g. a missing native library). */
        UNAVAILABLE("unavailable"),
        /** The workload needs something the subject cannot do (e.g. free, or threads). */
        NOT_APPLICABLE("n/a");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /**
         * Returns the short word shown in tables and JSON.
         *
         * @return the label
         */
        public String label() {
            return label;
        }
    }

    /**
     * Tells whether a metric is a time that is compared to the baseline as a ratio.
     *
     * @param metric the metric
     * @return {@code true} for times (ns/op and latency percentiles), {@code false} for percents and ratios, which
     *         are shown as they are
     */
    public static boolean hasRatio(Metric metric) {
        return metric == Metric.NANOS_PER_OP || metric == Metric.PERCENTILES;
    }

    /**
     * Returns the value, or {@code NaN} when the pair has none.
     *
     * @return the measurement's value
     */
    public double value() {
        return status == Status.OK ? measurement.value() : Double.NaN;
    }

    /**
     * Returns why the pair has no value, or extra detail from the workload.
     *
     * @return the note, possibly empty
     */
    public String note() {
        return measurement.note() == null ? "" : measurement.note();
    }

    /**
     * Returns the same result with a ratio.
     *
     * @param newRatio the ratio
     * @return the copy
     */
    public PairResult withRatio(double newRatio) {
        return new PairResult(workload, subject, status, measurement, newRatio, elapsedMillis);
    }
}
