package dev.offcut.bench;

/** How a {@link Measurement}'s value reads. */
public enum Metric {
    /** Nanoseconds per operation; lower is better. */
    NANOS_PER_OP("ns/op", true),
    /** Percent of the heap in use at the first failure; higher is better. */
    PERCENT("%", false),
    /** A distribution of single-call latencies in nanoseconds; the value is the median, lower is better. */
    PERCENTILES("ns", true),
    /** A dimensionless ratio, lower is better (e.g. high-alignment time over ordinary time). */
    RATIO("x", true);

    private final String unit;
    private final boolean lowerIsBetter;

    Metric(String unit, boolean lowerIsBetter) {
        this.unit = unit;
        this.lowerIsBetter = lowerIsBetter;
    }

    /**
     * Returns the unit shown after values.
     *
     * @return the unit
     */
    public String unit() {
        return unit;
    }

    /**
     * Tells which direction is better.
     *
     * @return {@code true} when smaller values are better
     */
    public boolean lowerIsBetter() {
        return lowerIsBetter;
    }
}
