package dev.offcut.bench.workload;

/**
 * Means and spreads of per-trial values. The error a measurement reports is the half-width of the 95 % confidence
 * interval of the mean, {@code t(0.975, n - 1) * s / sqrt(n)} with Student's t, so that five trials do not look as
 * certain as fifty; it assumes roughly normal, independent trials, which noisy machines only approximate.
 */
final class Stats {

    /** Student's t at 0.975 for 1 to 30 degrees of freedom; above 30 the normal 1.96 is close enough. */
    private static final double[] T_975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    private Stats() {
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum / values.length;
    }

    static double stddev(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = mean(values);
        double squares = 0;
        for (double value : values) {
            squares += (value - mean) * (value - mean);
        }
        return Math.sqrt(squares / (values.length - 1));
    }

    /**
     * Returns the half-width of the 95 % confidence interval of the values' mean.
     *
     * @param values one value per trial
     * @return the half-width, or 0 with fewer than two values (no interval can be given)
     */
    static double halfWidth95(double[] values) {
        int n = values.length;
        if (n < 2) {
            return 0;
        }
        double t = n - 1 <= T_975.length ? T_975[n - 2] : 1.96;
        return t * stddev(values) / Math.sqrt(n);
    }
}
