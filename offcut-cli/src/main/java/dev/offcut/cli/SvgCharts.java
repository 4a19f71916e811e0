package dev.offcut.cli;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;

/**
 * Inline SVG charts for the HTML report: horizontal bar charts of one value per subject, and box plots of latency
 * percentiles (whiskers p1 to p99, box p25 to p75, a line at the median) like talc's microbenchmark plots. Plain SVG
 * with {@code <title>} tooltips: nothing to load, no script.
 */
final class SvgCharts {

    /** One bar: a subject and its value, or the reason it has none. */
    record Bar(String label, double value, String missingReason, Kind kind) {
    }

    /** One box: a label and five percentiles p1, p25, p50, p75, p99, or the reason there are none. */
    record Box(String label, double[] percentiles, String missingReason, Kind kind) {
    }

    /** How a bar or box is coloured. */
    enum Kind {
        /** The subject every ratio is taken against. */
        BASELINE("#8a8a8a"),
        /** An allocator of this project. */
        OFFCUT("#2b6cb0"),
        /** Any other allocator. */
        OTHER("#dd8452");

        final String color;

        Kind(String color) {
            this.color = color;
        }
    }

    private static final int WIDTH = 800;
    private static final int LABEL_WIDTH = 230;
    private static final int VALUE_WIDTH = 90;
    private static final int PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    private static final int ROW_HEIGHT = 22;
    private static final int AXIS_HEIGHT = 28;

    private SvgCharts() {
    }

    /**
     * Draws a horizontal bar chart of values on a linear axis starting at zero (percentages, plain ratios).
     *
     * @param title  the accessible title
     * @param bars   the bars, top to bottom
     * @param format how to print a value at the end of its bar
     * @return the {@code <svg>} element
     */
    static String barChart(String title, List<Bar> bars, DoubleFunction<String> format) {
        double max = 0;
        for (Bar bar : bars) {
            if (Double.isFinite(bar.value())) {
                max = Math.max(max, bar.value());
            }
        }
        double[] ticks = niceTicks(max > 0 ? max : 1);
        double scaleMax = ticks[ticks.length - 1];
        int height = bars.size() * ROW_HEIGHT + AXIS_HEIGHT + 6;
        StringBuilder svg = open(title, height);
        int axisY = 4 + bars.size() * ROW_HEIGHT;
        for (double tick : ticks) {
            grid(svg, LABEL_WIDTH + tick / scaleMax * PLOT_WIDTH, axisY, plain(tick));
        }
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int y = 4 + i * ROW_HEIGHT;
            label(svg, bar.label(), y);
            if (Double.isFinite(bar.value())) {
                double end = LABEL_WIDTH + Math.max(1, Math.max(0, bar.value()) / scaleMax * PLOT_WIDTH);
                bar(svg, bar, LABEL_WIDTH, end, y, format);
                value(svg, end + 4, y, false, format.apply(bar.value()));
            } else {
                missing(svg, bar.missingReason(), y);
            }
        }
        return svg.append("</svg>\n").toString();
    }

    /**
     * Draws ratios to a baseline as bars growing from a line at 1 on a logarithmic axis: left of it is faster, right
     * slower, and 0.5x sits as far from 1 as 2x. A linear axis would let one 500x outlier flatten every other bar.
     *
     * @param title  the accessible title
     * @param bars   the bars, top to bottom; non-positive values count as missing
     * @return the {@code <svg>} element
     */
    static String ratioChart(String title, List<Bar> bars) {
        double low = 1;
        double high = 1;
        for (Bar bar : bars) {
            if (Double.isFinite(bar.value()) && bar.value() > 0) {
                low = Math.min(low, bar.value());
                high = Math.max(high, bar.value());
            }
        }
        // Whole decades, at least one on each side of 1, so that the baseline line never sits at an edge.
        int lowExp = Math.min(-1, (int) Math.floor(Math.log10(low)));
        int highExp = Math.max(1, (int) Math.ceil(Math.log10(high)));
        DoubleUnaryOperator x = v -> LABEL_WIDTH + (Math.log10(v) - lowExp) / (highExp - lowExp) * PLOT_WIDTH;
        int height = bars.size() * ROW_HEIGHT + AXIS_HEIGHT + 6;
        StringBuilder svg = open(title, height);
        int axisY = 4 + bars.size() * ROW_HEIGHT;
        for (int e = lowExp; e <= highExp; e++) {
            double tick = Math.pow(10, e);
            grid(svg, x.applyAsDouble(tick), axisY, plain(tick) + "x");
        }
        double one = x.applyAsDouble(1);
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int y = 4 + i * ROW_HEIGHT;
            label(svg, bar.label(), y);
            if (Double.isFinite(bar.value()) && bar.value() > 0) {
                double end = x.applyAsDouble(bar.value());
                bar(svg, bar, Math.min(one, end), Math.max(one + 1, end), y, Formats::ratio);
                // Faster bars grow left: their label goes right of the baseline line, clear of the names.
                value(svg, Math.max(one, end) + 4, y, false, Formats.ratio(bar.value()));
            } else {
                missing(svg, bar.missingReason(), y);
            }
        }
        svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"2\" x2=\"%.1f\" y2=\"%d\" class=\"ref\"><title>baseline</title></line>%n",
                one, one, axisY));
        return svg.append("</svg>\n").toString();
    }

    private static void bar(StringBuilder svg, Bar bar, double from, double to, int y, DoubleFunction<String> format) {
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s</title></rect>%n",
                from, y + 3, Math.max(1, to - from), ROW_HEIGHT - 6, bar.kind().color, Html.escape(bar.label()),
                Html.escape(format.apply(bar.value()))));
    }

    private static void value(StringBuilder svg, double x, int y, boolean alignEnd, String text) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"v\"%s>%s</text>%n",
                x, y + ROW_HEIGHT - 7, alignEnd ? " text-anchor=\"end\"" : "", Html.escape(text)));
    }

    private static void missing(StringBuilder svg, String reason, int y) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"miss\">%s</text>%n",
                LABEL_WIDTH + 4, y + ROW_HEIGHT - 7, Html.escape(shorten(reason, 90))));
    }

    /**
     * Draws box plots on a logarithmic axis (latencies span decades: a median of 20 ns beside a p99 of 5 us).
     *
     * @param title the accessible title
     * @param boxes the boxes, top to bottom; boxes without five percentiles show their missing reason
     * @return the {@code <svg>} element
     */
    static String boxPlot(String title, List<Box> boxes) {
        double low = Double.POSITIVE_INFINITY;
        double high = 0;
        for (Box box : boxes) {
            if (drawable(box)) {
                low = Math.min(low, Math.max(1, box.percentiles()[0]));
                high = Math.max(high, box.percentiles()[4]);
            }
        }
        if (high <= 0) {
            low = 1;
            high = 10;
        }
        int lowExp = (int) Math.floor(Math.log10(low));
        int highExp = Math.max(lowExp + 1, (int) Math.ceil(Math.log10(high)));
        int height = boxes.size() * ROW_HEIGHT + AXIS_HEIGHT + 6;
        StringBuilder svg = open(title, height);
        int axisY = 4 + boxes.size() * ROW_HEIGHT;
        for (int e = lowExp; e <= highExp; e++) {
            grid(svg, LABEL_WIDTH + (double) (e - lowExp) / (highExp - lowExp) * PLOT_WIDTH, axisY,
                    plain(Math.pow(10, e)) + " ns");
        }
        for (int i = 0; i < boxes.size(); i++) {
            Box box = boxes.get(i);
            int y = 4 + i * ROW_HEIGHT;
            int mid = y + ROW_HEIGHT / 2;
            label(svg, box.label(), y);
            if (!drawable(box)) {
                String reason = box.missingReason().isEmpty() ? "no percentiles measured" : box.missingReason();
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"miss\">%s</text>%n",
                        LABEL_WIDTH + 4, y + ROW_HEIGHT - 7, Html.escape(shorten(reason, 90))));
                continue;
            }
            double[] p = box.percentiles();
            double[] x = new double[5];
            for (int k = 0; k < 5; k++) {
                x[k] = LABEL_WIDTH + (Math.log10(Math.max(1, p[k])) - lowExp) / (highExp - lowExp) * PLOT_WIDTH;
            }
            String tip = Html.escape(box.label() + ": p1 " + Formats.number(p[0]) + ", p25 " + Formats.number(p[1])
                                     + ", p50 " + Formats.number(p[2]) + ", p75 " + Formats.number(p[3]) + ", p99 "
                                     + Formats.number(p[4]) + " ns");
            svg.append(String.format(Locale.ROOT, "<g><title>%s</title>%n", tip));
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"whisker\"/>"
                    + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"whisker\"/>"
                    + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"whisker\"/>%n",
                    x[0], mid, x[4], mid, x[0], y + 6, x[0], y + ROW_HEIGHT - 6, x[4], y + 6, x[4],
                    y + ROW_HEIGHT - 6));
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.6\" "
                    + "stroke=\"%s\"/>"
                    + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"median\"/>%n",
                    x[1], y + 3, Math.max(1, x[3] - x[1]), ROW_HEIGHT - 6, box.kind().color, box.kind().color,
                    x[2], y + 2, x[2], y + ROW_HEIGHT - 2));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"v\">%s</text>%n</g>%n",
                    x[4] + 4, y + ROW_HEIGHT - 7, Html.escape(Formats.number(p[2]) + " ns")));
        }
        return svg.append("</svg>\n").toString();
    }

    /**
     * Picks round tick values from 0 to at least {@code max}: steps of 1, 2 or 5 times a power of ten, 3 to 6 ticks.
     *
     * @param max the largest value to show, positive
     * @return the ticks, first 0, last {@code >= max}
     */
    static double[] niceTicks(double max) {
        double rough = max / 5;
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double step = power;
        for (double factor : new double[] {1, 2, 5, 10}) {
            step = factor * power;
            if (step >= rough) {
                break;
            }
        }
        int count = (int) Math.ceil(max / step - 1e-9);
        double[] ticks = new double[count + 1];
        for (int i = 0; i <= count; i++) {
            ticks[i] = i * step;
        }
        return ticks;
    }

    /** Tick values are round: print them without trailing zeros or exponents ("0.01", "20", "1000"). */
    private static String plain(double tick) {
        return BigDecimal.valueOf(tick).stripTrailingZeros().toPlainString();
    }

    private static boolean drawable(Box box) {
        double[] p = box.percentiles();
        if (p == null || p.length != 5) {
            return false;
        }
        for (double v : p) {
            if (!Double.isFinite(v) || v < 0) {
                return false;
            }
        }
        return p[4] > 0;
    }

    /** A vertical grid line with its label under the axis; drawn first so that bars and boxes cover it. */
    private static void grid(StringBuilder svg, double x, int axisY, String label) {
        svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>"
                + "<text x=\"%.1f\" y=\"%d\" class=\"tick\">%s</text>%n",
                x, x, axisY, x, axisY + 16, Html.escape(label)));
    }

    private static StringBuilder open(String title, int height) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "role=\"img\" aria-label=\"%s\">%n<title>%s</title>%n",
                WIDTH, height, WIDTH, height, Html.escape(title), Html.escape(title)));
        return svg;
    }

    private static void label(StringBuilder svg, String text, int y) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"label\">%s</text>%n",
                LABEL_WIDTH - 6, y + ROW_HEIGHT - 7, Html.escape(shorten(text, 36))));
    }

    private static String shorten(String text, int maxLength) {
        return text.length() <= maxLength ? text : text.substring(0, maxLength - 3) + "...";
    }
}
