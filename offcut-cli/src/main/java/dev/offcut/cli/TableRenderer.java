package dev.offcut.cli;

import dev.offcut.bench.Metric;
import dev.offcut.bench.Workload;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prints a run as plain-text tables, one per workload group: each subject's value, the 95 % confidence interval of
 * that mean with the number of trials (or rounds) it is over, its ratio to the baseline for time metrics, latency percentiles where measured, and for rows without a value the
 * reason.
 */
public final class TableRenderer {

    private TableRenderer() {
    }

    /**
     * Prints the header lines of a run.
     *
     * @param header the header
     * @param notes  extra lines, e.g. that a default subset was chosen
     * @param out    where to print
     */
    public static void printHeader(RunHeader header, List<String> notes, PrintStream out) {
        out.println("offcut bench");
        int width = header.fields().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, String> field : header.fields().entrySet()) {
            out.println("  " + pad(field.getKey() + ":", width + 1) + " " + field.getValue());
        }
        for (String note : notes) {
            out.println("  note: " + note);
        }
    }

    /**
     * Prints one table per workload group.
     *
     * @param results the results
     * @param out     where to print
     */
    public static void printTables(BenchResults results, PrintStream out) {
        for (Map.Entry<String, List<Workload>> group : results.groups().entrySet()) {
            out.println();
            printGroup(group.getKey(), group.getValue(), results, out);
        }
    }

    /**
     * Prints the closing lines: pair counts, run time, where the report is.
     *
     * @param results    the results
     * @param notes      notes the run added (e.g. workloads a budget left out)
     * @param reportPath the report's path, or {@code null} if none was written
     * @param out        where to print
     */
    public static void printFooter(BenchResults results, List<String> notes, String reportPath, PrintStream out) {
        out.println();
        for (String note : notes) {
            out.println("note: " + note);
        }
        out.println(summary(results));
        if (reportPath != null) {
            out.println("report: " + reportPath);
        }
    }

    /**
     * Summarises a run in one line.
     *
     * @param results the results
     * @return e.g. {@code "ran 96 pairs in 58.3 s (0 failed, 12 not applicable, 0 unavailable)"}
     */
    static String summary(BenchResults results) {
        long ran = count(results, PairResult.Status.OK) + count(results, PairResult.Status.FAILED);
        return "ran " + ran + " pairs in " + Formats.seconds(results.elapsed()) + " ("
               + count(results, PairResult.Status.FAILED) + " failed, "
               + count(results, PairResult.Status.NOT_APPLICABLE) + " not applicable, "
               + count(results, PairResult.Status.UNAVAILABLE) + " unavailable)";
    }

    private static long count(BenchResults results, PairResult.Status status) {
        return results.results().stream().filter(r -> r.status() == status).count();
    }

    private static void printGroup(String group, List<Workload> workloads, BenchResults results, PrintStream out) {
        List<Metric> metrics = workloads.stream().map(Workload::metric).distinct().toList();
        boolean anyRatio = metrics.stream().anyMatch(PairResult::hasRatio);
        boolean anyPercentiles = metrics.contains(Metric.PERCENTILES);
        out.println("== " + group + ": " + String.join("; ", metrics.stream().map(Formats::describe).toList())
                    + (anyRatio ? "; ratio = value / " + results.plan().baseline() : "") + " ==");
        List<String> head = new ArrayList<>(List.of("workload", "subject", "value", "95% CI"));
        if (anyRatio) {
            head.add("vs baseline");
        }
        if (anyPercentiles) {
            head.add("alloc p1/p25/p50/p75/p99");
            head.add("free p1/p25/p50/p75/p99");
        }
        List<List<String>> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Workload workload : workloads) {
            boolean first = true;
            String sharedNote = sharedNote(results.resultsOf(workload));
            boolean sharedNoteShown = false;
            for (PairResult result : results.resultsOf(workload)) {
                List<String> row = new ArrayList<>();
                row.add(first ? workload.name() : "");
                row.add(result.subject());
                boolean ok = result.status() == PairResult.Status.OK;
                row.add(ok ? Formats.withUnit(result.value(), workload.metric()) : result.status().label());
                row.add(ok ? Formats.interval(result.measurement().error(), result.measurement().sampleCount()) : "");
                if (anyRatio) {
                    row.add(Formats.ratio(result.ratio()));
                }
                if (anyPercentiles) {
                    row.add(ok ? Formats.percentiles(result.measurement().allocPercentiles()) : "");
                    row.add(ok ? Formats.percentiles(result.measurement().freePercentiles()) : "");
                }
                rows.add(row);
                // The note most measured rows share (how the value is computed) is shown once per workload.
                boolean repeat = result.status() == PairResult.Status.OK && result.note().equals(sharedNote);
                notes.add(repeat && sharedNoteShown ? "" : result.note());
                sharedNoteShown |= repeat;
                first = false;
            }
        }
        int[] widths = new int[head.size()];
        for (int c = 0; c < head.size(); c++) {
            widths[c] = head.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        out.println(formatRow(head, widths, ""));
        for (int r = 0; r < rows.size(); r++) {
            out.println(formatRow(rows.get(r), widths, notes.get(r)));
        }
    }

    /**
     * Returns the note most measured rows of a workload share (how the value is computed), if two or more do.
     */
    private static String sharedNote(List<PairResult> results) {
        Map<String, Long> counts = results.stream().filter(r -> r.status() == PairResult.Status.OK)
                .filter(r -> !r.note().isEmpty())
                .collect(Collectors.groupingBy(PairResult::note, LinkedHashMap::new,
                        Collectors.counting()));
        return counts.entrySet().stream().filter(e -> e.getValue() > 1).max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(null);
    }

    /** The first two columns (names) align left, the numbers right; a note trails unpadded. */
    private static String formatRow(List<String> cells, int[] widths, String note) {
        StringBuilder line = new StringBuilder(" ");
        for (int c = 0; c < cells.size(); c++) {
            line.append(' ');
            line.append(c < 2 ? pad(cells.get(c), widths[c]) : padLeft(cells.get(c), widths[c]));
            line.append(' ');
        }
        if (!note.isEmpty()) {
            line.append(' ').append(note);
        }
        return line.toString().stripTrailing();
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }

    private static String padLeft(String text, int width) {
        return " ".repeat(Math.max(0, width - text.length())) + text;
    }
}
