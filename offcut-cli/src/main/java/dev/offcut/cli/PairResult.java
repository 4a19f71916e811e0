package dev.offcut.cli;

import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.Workload;

import java.util.List;
import java.util.Locale;

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

        /**
         * Returns the status of a label.
         *
         * @param label a label from {@link #label()}
         * @return the status
         * @throws IllegalArgumentException for an unknown label
         */
        public static Status ofLabel(String label) {
            for (Status status : values()) {
                if (status.label.equals(label)) {
                    return status;
                }
            }
            throw new IllegalArgumentException("no status labelled '" + label + "'");
        }
    }

    /**
     * Classifies a workload's measurement: a value is {@link Status#OK}; a measurement without one says why with a
     * prefix ("not applicable: ", "unavailable: ", "failed: ", as the bench module's workloads do), and anything
     * else without a value is {@link Status#FAILED}.
     *
     * @param workload      the workload
     * @param subject       the subject's name
     * @param measurement   what the workload returned, or {@code null}
     * @param elapsedMillis how long the pair took
     * @return the result, without a ratio
     */
    public static PairResult of(Workload workload, String subject, Measurement measurement, long elapsedMillis) {
        if (measurement == null) {
            return skipped(workload, subject, Status.FAILED, "the workload returned no measurement", elapsedMillis);
        }
        if (measurement.ok()) {
            return new PairResult(workload, subject, Status.OK, measurement, Double.NaN, elapsedMillis);
        }
        String why = measurement.note() == null || measurement.note().isBlank()
                ? "the workload produced no value" : measurement.note();
        for (Status status : List.of(Status.NOT_APPLICABLE, Status.UNAVAILABLE, Status.FAILED)) {
            for (String prefix : List.of(status.label() + ": ",
                    status.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": ")) {
                if (why.startsWith(prefix)) {
                    return skipped(workload, subject, status, why.substring(prefix.length()), elapsedMillis);
                }
            }
        }
        return skipped(workload, subject, Status.FAILED, why, elapsedMillis);
    }

    /**
     * Returns the result of a pair without a value.
     *
     * @param workload      the workload
     * @param subject       the subject's name
     * @param status        why there is no value
     * @param why           the reason, shown in the output
     * @param elapsedMillis how long the pair took, 0 if it did not run
     * @return the result
     */
    public static PairResult skipped(Workload workload, String subject, Status status, String why,
                                     long elapsedMillis) {
        return new PairResult(workload, subject, status, Measurement.skipped(workload, subject, why), Double.NaN,
                elapsedMillis);
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
