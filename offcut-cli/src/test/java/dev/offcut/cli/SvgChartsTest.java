package dev.offcut.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvgChartsTest {

    @Test
    void ticksAreRoundAndCoverTheMaximum() {
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2}, SvgCharts.niceTicks(1.7), 1e-12);
        assertArrayEquals(new double[] {0, 20, 40, 60, 80, 100}, SvgCharts.niceTicks(97), 1e-9);
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1}, SvgCharts.niceTicks(1), 1e-12);
    }

    @Test
    void chartsEscapeLabelsAndShowMissingValues() {
        String ratios = SvgCharts.ratioChart("t<", List.of(
                new SvgCharts.Bar("a<b", 2.0, "", SvgCharts.Kind.OFFCUT),
                new SvgCharts.Bar("fast", 0.01, "", SvgCharts.Kind.OFFCUT),
                new SvgCharts.Bar("c", Double.NaN, "failed: x>y", SvgCharts.Kind.OTHER)));
        assertTrue(ratios.startsWith("<svg"));
        assertTrue(ratios.contains("a&lt;b") && ratios.contains("failed: x&gt;y") && ratios.contains("class=\"ref\""));
        assertTrue(ratios.contains(">0.01x<") && ratios.contains(">10x<"), "decade ticks from 0.01x to 10x");
        assertFalse(ratios.contains("a<b"));
        String bars = SvgCharts.barChart("p", List.of(new SvgCharts.Bar("x", 95.2, "", SvgCharts.Kind.OTHER)),
                v -> Formats.withUnit(v, dev.offcut.bench.Metric.PERCENT));
        assertTrue(bars.contains("95.2 %") && bars.contains(">100<"), bars);
        String boxes = SvgCharts.boxPlot("b", List.of(
                new SvgCharts.Box("x alloc", new double[] {10, 20, 30, 40, 5000}, "", SvgCharts.Kind.BASELINE),
                new SvgCharts.Box("y", new double[0], "failed: <oops>", SvgCharts.Kind.OTHER)));
        assertTrue(boxes.contains("class=\"median\"") && boxes.contains("failed: &lt;oops&gt;")
                   && boxes.contains("10000 ns"), boxes);
    }
}
