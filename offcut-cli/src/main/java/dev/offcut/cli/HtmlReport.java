package dev.offcut.cli;

import dev.offcut.bench.Metric;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a run as one self-contained HTML file: the header, a table per workload group, a bar chart per workload
 * (ratios to the baseline for times, the values themselves otherwise) and box plots of latency percentiles. Styles
 * and charts are inline; there is no script and nothing is fetched. Every piece of text is escaped.
 */
public final class HtmlReport {

    private static final DateTimeFormatter FILE_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private static final String STYLE = """
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 64em; color: #222; }
            h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
            th, td { padding: 0.2em 0.7em; text-align: left; border-bottom: 1px solid #eee; vertical-align: top; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            tr.miss td { color: #a33; }
            .header th { color: #555; font-weight: normal; }
            .note { color: #555; font-size: 0.9em; }
            svg { display: block; margin: 0.3em 0 1.2em; }
            svg text { font-size: 12px; fill: #222; }
            svg .label { text-anchor: end; } svg .tick { text-anchor: middle; fill: #666; font-size: 11px; }
            svg .miss { fill: #a33; } svg .v { fill: #333; }
            svg .grid { stroke: #e5e5e5; } svg .ref { stroke: #333; stroke-dasharray: 4 3; }
            svg .whisker { stroke: #444; } svg .median { stroke: #000; stroke-width: 2; }
            """;

    private HtmlReport() {
    }

    /**
     * Writes the report into a directory, creating it if needed; the file name carries the run's start time.
     *
     * @param results   the results
     * @param directory the directory
     * @return the report's absolute path
     * @throws IOException if the directory or file cannot be written
     */
    public static Path write(BenchResults results, Path directory) throws IOException {
        Files.createDirectories(directory);
        Path file = directory.resolve("offcut-bench-" + FILE_STAMP.format(results.header().date()) + ".html");
        Files.writeString(file, render(results), StandardCharsets.UTF_8);
        return file.toAbsolutePath().normalize();
    }

    /**
     * Renders the report.
     *
     * @param results the results
     * @return the HTML document
     */
    public static String render(BenchResults results) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>offcut bench ").append(Html.escape(results.header().date().toString()))
                .append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>offcut bench</h1>\n");
        html.append("<table class=\"header\">\n");
        for (Map.Entry<String, String> field : results.header().fields().entrySet()) {
            row(html, "th", field.getKey(), "td", field.getValue());
        }
        row(html, "th", "run time", "td", TableRenderer.summary(results));
        html.append("</table>\n");
        for (String note : results.plan().notes()) {
            html.append("<p class=\"note\">").append(Html.escape(note)).append("</p>\n");
        }
        appendSubjects(html, results);
        for (Map.Entry<String, List<Workload>> group : results.groups().entrySet()) {
            appendGroup(html, group.getKey(), group.getValue(), results);
        }
        return html.append("</body>\n</html>\n").toString();
    }

    private static void appendSubjects(StringBuilder html, BenchResults results) {
        html.append("<h2>Subjects</h2>\n<table>\n<tr><th>subject</th><th>description</th><th>capabilities</th></tr>\n");
        for (SubjectFactory subject : results.plan().subjects()) {
            String description = subject.description()
                                 + subject.unavailableReason().map(r -> " (unavailable: " + r + ")").orElse("")
                                 + (subject.name().equals(results.plan().baseline()) ? " (baseline)" : "");
            html.append("<tr><td>").append(Html.escape(subject.name())).append("</td><td>")
                    .append(Html.escape(description)).append("</td><td>")
                    .append(Html.escape(subject.capabilities().stream().map(Enum::name).sorted().toList().toString()))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void appendGroup(StringBuilder html, String group, List<Workload> workloads, BenchResults results) {
        html.append("<h2>").append(Html.escape(group)).append("</h2>\n");
        boolean anyPercentiles = workloads.stream().anyMatch(w -> w.metric() == Metric.PERCENTILES);
        html.append("<table>\n<tr><th>workload</th><th>subject</th><th>value</th><th>95% CI</th><th>vs ")
                .append(Html.escape(results.plan().baseline())).append("</th>");
        if (anyPercentiles) {
            html.append("<th>alloc p1/p25/p50/p75/p99</th><th>free p1/p25/p50/p75/p99</th>");
        }
        html.append("<th>note</th></tr>\n");
        for (Workload workload : workloads) {
            for (PairResult result : results.resultsOf(workload)) {
                boolean ok = result.status() == PairResult.Status.OK;
                html.append(ok ? "<tr>" : "<tr class=\"miss\">");
                cell(html, "", workload.name());
                cell(html, "", result.subject());
                cell(html, "n", ok ? Formats.withUnit(result.value(), workload.metric()) : result.status().label());
                cell(html, "n", ok ? Formats.interval(result.measurement().error(), result.measurement().sampleCount())
                        : "");
                cell(html, "n", Formats.ratio(result.ratio()));
                if (anyPercentiles) {
                    cell(html, "n", ok ? Formats.percentiles(result.measurement().allocPercentiles()) : "");
                    cell(html, "n", ok ? Formats.percentiles(result.measurement().freePercentiles()) : "");
                }
                cell(html, "", result.note());
                html.append("</tr>\n");
            }
        }
        html.append("</table>\n");
        for (Workload workload : workloads) {
            appendCharts(html, workload, results);
        }
    }

    private static void appendCharts(StringBuilder html, Workload workload, BenchResults results) {
        List<PairResult> pairs = results.resultsOf(workload);
        boolean ratios = PairResult.hasRatio(workload.metric());
        String caption = workload.name() + ": " + (ratios
                ? "time relative to " + results.plan().baseline() + " (log scale; left of 1 is faster)"
                : Formats.describe(workload.metric()));
        html.append("<h3>").append(Html.escape(caption)).append("</h3>\n");
        List<SvgCharts.Bar> bars = new ArrayList<>();
        for (PairResult pair : pairs) {
            double value = ratios ? pair.ratio() : pair.value();
            String missing = pair.status() == PairResult.Status.OK ? "no baseline value to compare with"
                    : missingReason(pair);
            bars.add(new SvgCharts.Bar(pair.subject(), value, missing, kindOf(pair.subject(), results)));
        }
        html.append(ratios ? SvgCharts.ratioChart(caption, bars)
                : SvgCharts.barChart(caption, bars, v -> Formats.withUnit(v, workload.metric())));
        if (workload.metric() == Metric.PERCENTILES) {
            List<SvgCharts.Box> boxes = new ArrayList<>();
            for (PairResult pair : pairs) {
                SvgCharts.Kind kind = kindOf(pair.subject(), results);
                if (pair.status() == PairResult.Status.OK) {
                    boxes.add(new SvgCharts.Box(pair.subject() + " alloc", pair.measurement().allocPercentiles(), "",
                            kind));
                    boxes.add(new SvgCharts.Box(pair.subject() + " free", pair.measurement().freePercentiles(), "",
                            kind));
                } else {
                    boxes.add(new SvgCharts.Box(pair.subject(), new double[0], missingReason(pair), kind));
                }
            }
            String boxCaption = workload.name() + ": latency per call, each sample the mean of a batch of 8 calls "
                                + "(so the tails are narrower than single-call tails and not comparable with talc's "
                                + "published percentiles); whiskers p1 to p99, box p25 to p75, line at the median "
                                + "(log scale)";
            html.append("<h3>").append(Html.escape(boxCaption)).append("</h3>\n")
                    .append(SvgCharts.boxPlot(boxCaption, boxes));
        }
    }

    private static String missingReason(PairResult pair) {
        return pair.status().label() + (pair.note().isEmpty() ? "" : ": " + pair.note());
    }

    private static SvgCharts.Kind kindOf(String subject, BenchResults results) {
        if (subject.equals(results.plan().baseline())) {
            return SvgCharts.Kind.BASELINE;
        }
        return subject.startsWith("offcut") ? SvgCharts.Kind.OFFCUT : SvgCharts.Kind.OTHER;
    }

    private static void row(StringBuilder html, String keyTag, String key, String valueTag, String value) {
        html.append("<tr><").append(keyTag).append('>').append(Html.escape(key)).append("</").append(keyTag)
                .append("><").append(valueTag).append('>').append(Html.escape(value)).append("</").append(valueTag)
                .append("></tr>\n");
    }

    private static void cell(StringBuilder html, String cssClass, String text) {
        html.append(cssClass.isEmpty() ? "<td>" : "<td class=\"" + cssClass + "\">").append(Html.escape(text))
                .append("</td>");
    }
}
