package dev.offcut.cli;

import dev.offcut.bench.Metric;

import java.time.Duration;
import java.util.Locale;

/** Number formatting shared by the table, the report and the progress line: same digits everywhere. */
final class Formats {

    private Formats() {
    }

    /**
     * Formats a value with about three significant digits, in the root locale.
     *
     * @param value the value
     * @return e.g. {@code "1234"}, {@code "23.4"}, {@code "1.23"}, or {@code "-"} for NaN
     */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        double magnitude = Math.abs(value);
        String pattern = magnitude >= 100 || magnitude == 0 ? "%.0f" : magnitude >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, pattern, value);
    }

    /**
     * Formats a value followed by its metric's unit.
     *
     * @param value  the value
     * @param metric the metric
     * @return e.g. {@code "23.4 ns/op"}, {@code "95.2 %"}, or {@code "-"} for NaN
     */
    static String withUnit(double value, Metric metric) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return metric == Metric.RATIO ? String.format(Locale.ROOT, "%.2fx", value)
                : number(value) + " " + metric.unit();
    }

    /**
     * Formats a ratio to the baseline.
     *
     * @param ratio the ratio
     * @return e.g. {@code "0.51x"}, or {@code ""} for NaN
     */
    static String ratio(double ratio) {
        return Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    /**
     * Formats five percentiles as {@code p1/p25/p50/p75/p99}.
     *
     * @param percentiles the values, possibly empty
     * @return e.g. {@code "21/25/28/33/120"} (whole numbers), or {@code ""} when empty
     */
    static String percentiles(double[] percentiles) {
        if (percentiles == null || percentiles.length == 0) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        for (double p : percentiles) {
            if (!text.isEmpty()) {
                text.append('/');
            }
            // Single-call latencies are whole nanoseconds at best; decimals would be noise.
            text.append(Double.isNaN(p) ? "-" : String.format(Locale.ROOT, "%.0f", p));
        }
        return text.toString();
    }

    /**
     * Formats a measurement's error: the half-width of its 95 % confidence interval and the number of values it is
     * over.
     *
     * @param error       the half-width
     * @param sampleCount the number of values
     * @return e.g. {@code "+-1.23 (n=5)"}, or {@code ""} when there is no interval (fewer than two values)
     */
    static String interval(double error, int sampleCount) {
        if (sampleCount < 2 || Double.isNaN(error)) {
            return "";
        }
        return "+-" + number(error) + " (n=" + sampleCount + ")";
    }

    /**
     * Formats a duration in seconds with one decimal.
     *
     * @param duration the duration
     * @return e.g. {@code "58.3 s"}
     */
    static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toNanos() / 1e9);
    }

    /**
     * Describes how to read a metric, for table and chart captions.
     *
     * @param metric the metric
     * @return one phrase
     */
    static String describe(Metric metric) {
        return switch (metric) {
            case NANOS_PER_OP -> "ns per operation, lower is better";
            case PERCENT -> "percent of the heap in use, higher is better";
            case PERCENTILES -> "latency per call in ns, each sample the mean of a batch of 8 calls, so p1/p99 are "
                                + "narrower than single-call tails and not comparable with talc's published percentiles "
                                + "(value = p50 alloc + p50 free), lower is better";
            case RATIO -> "dimensionless ratio, lower is better";
        };
    }
}
