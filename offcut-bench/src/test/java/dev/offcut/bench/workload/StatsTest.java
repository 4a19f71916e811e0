package dev.offcut.bench.workload;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The error a measurement reports is a 95 % confidence interval of the mean, wide for few trials. */
class StatsTest {

    @Test
    void halfWidthUsesStudentsT() {
        double[] five = {10, 11, 12, 13, 14};
        // s = sqrt(2.5), t(0.975, 4) = 2.776
        assertEquals(2.776 * Math.sqrt(2.5) / Math.sqrt(5), Stats.halfWidth95(five), 1e-9);
        assertEquals(12.706 * Math.sqrt(0.5) / Math.sqrt(2), Stats.halfWidth95(new double[] {1, 2}), 1e-9);
        assertEquals(0, Stats.halfWidth95(new double[] {7}));
        double[] many = new double[100];
        for (int i = 0; i < many.length; i++) {
            many[i] = i % 2;
        }
        assertEquals(1.96 * Stats.stddev(many) / 10, Stats.halfWidth95(many), 1e-9);
    }
}
