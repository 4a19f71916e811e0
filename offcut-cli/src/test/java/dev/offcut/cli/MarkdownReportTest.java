package dev.offcut.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code offcut report}: the Markdown of a hand-written run, and of a real {@code bench --json} run of {@link FakeSuite}. */
class MarkdownReportTest {

    @TempDir
    Path dir;

    private static final String RUN = """
            { "format": "%s",
              "header": { "date": "2026-12-07T22:05:00Z", "jdk": "Temurin 25.0.3+9", "os": "Linux 6.18 amd64",
                          "cpu": "AMD EPYC", "processors": 2, "command": "offcut bench --json",
                          "jvmFlags": "-Xmx1g", "settings": "quick: 5 trials" },
              "settings": { "mode": "quick", "trials": 5, "warmupMillis": 100, "measureMillis": 200, "seed": 42 },
              "baseline": "malloc (Linker)", "notes": ["left out: pair(64)"], "elapsedSeconds": 81.25,
              "report": null,
              "subjects": [ { "name": "offcut-binned", "description": "Offcut | binned", "capabilities": ["FREE"],
                              "unavailable": null },
                            { "name": "malloc (Linker)", "description": "glibc", "capabilities": ["FREE"],
                              "unavailable": null },
                            { "name": "rpmalloc", "description": "LWJGL", "capabilities": [],
                              "unavailable": "no library" } ],
              "groups": [
                { "name": "pair", "workloads": [
                  { "name": "pair(256)", "metric": "NANOS_PER_OP", "unit": "ns/op", "lowerIsBetter": true,
                    "threads": 1, "results": [
                      { "subject": "offcut-binned", "status": "ok", "value": 14.123, "error": 0.25, "samples": 5,
                        "ratio": 0.98, "allocPercentiles": [], "freePercentiles": [], "note": "per pair",
                        "elapsedMillis": 900 },
                      { "subject": "malloc (Linker)", "status": "ok", "value": 14.4, "error": 0.5, "samples": 5,
                        "ratio": 1, "allocPercentiles": [], "freePercentiles": [], "note": "per pair",
                        "elapsedMillis": 900 },
                      { "subject": "rpmalloc", "status": "unavailable", "value": null, "error": null, "samples": 0,
                        "ratio": null, "allocPercentiles": [], "freePercentiles": [], "note": "no library",
                        "elapsedMillis": 0 } ] } ] },
                { "name": "heap-efficiency", "workloads": [
                  { "name": "heap-efficiency(10000)", "metric": "PERCENT", "unit": "%%", "lowerIsBetter": false,
                    "threads": 1, "results": [
                      { "subject": "offcut-binned", "status": "ok", "value": 98.3, "error": 0.04, "samples": 3,
                        "ratio": null, "allocPercentiles": [], "freePercentiles": [], "note": "",
                        "elapsedMillis": 5000 } ] } ] } ] }
            """.formatted(JsonReport.FORMAT);

    @Test
    void rendersTheHeaderOneTablePerGroupAndTheSubjects() {
        String md = MarkdownReport.render(RUN, "run.json");
        List<String> lines = md.lines().toList();
        assertEquals("# Offcut benchmark results", lines.getFirst());
        assertTrue(md.contains("`./offcut report run.json`"), md);
        assertTrue(md.contains("This is the default quick run"), md);
        assertTrue(lines.contains("| date | 2026-12-07T22:05:00Z |"), md);
        assertTrue(lines.contains("| JDK | Temurin 25.0.3+9 |"), md);
        assertTrue(lines.contains("| CPU | AMD EPYC |"), md);
        assertTrue(lines.contains("| processors | 2 |"), md);
        assertTrue(lines.contains("| elapsed | 81.3 s |"), md);
        assertTrue(lines.contains("- left out: pair(64)"), md);
        assertTrue(lines.contains("## pair"), md);
        assertTrue(md.contains("ns per operation, lower is better; ratio = value / malloc (Linker)."), md);
        assertTrue(lines.contains("| workload | subject | value | 95% CI | vs baseline | note |"), md);
        assertTrue(lines.contains("|---|---|---:|---:|---:|---|"), md);
        // Same digits as the text tables; the shared note once per workload; a row without a value says why.
        assertTrue(lines.contains("| pair(256) | offcut-binned | 14.1 ns/op | +-0.25 (n=5) | 0.98x | per pair |"), md);
        assertTrue(lines.contains("|  | malloc (Linker) | 14.4 ns/op | +-0.50 (n=5) | 1.00x |  |"), md);
        assertTrue(lines.contains("|  | rpmalloc | unavailable |  |  | no library |"), md);
        // A group without a time metric has no ratio column.
        assertTrue(lines.contains("| heap-efficiency(10000) | offcut-binned | 98.3 % | +-0.04 (n=3) |  |"), md);
        // A pipe inside a cell is escaped, so it does not split the row.
        assertTrue(lines.contains("| offcut-binned | Offcut \\| binned |  |"), md);
        assertTrue(lines.contains("| subject | what | note |"), md);
        assertTrue(lines.contains("| rpmalloc | LWJGL | unavailable: no library |"), md);
        assertTrue(lines.contains("| malloc (Linker) (baseline) | glibc |  |"), md);
        assertTrue(md.endsWith("\n"));
    }

    @Test
    void refusesOtherFormats() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MarkdownReport.render(RUN.replace(JsonReport.FORMAT, "offcut-bench/0"), "x.json"));
        assertTrue(e.getMessage().contains(JsonReport.FORMAT), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MarkdownReport.render("[1, 2]", "x.json"));
    }

    @Test
    void rendersWhatBenchJsonPrints() throws IOException {
        MainTest.Run bench = MainTest.run(false, "bench", "--smoke", "--no-fork", "--json", "--out", dir.toString());
        // FakeSuite's evil subject fails on purpose (exit 1): its failed rows must render too.
        assertEquals(Main.EXIT_FAILURE, bench.exit(), bench.err());
        Path file = dir.resolve("run.json");
        Files.writeString(file, bench.out(), StandardCharsets.UTF_8);
        MainTest.Run report = MainTest.run(false, "report", file.toString());
        assertEquals(0, report.exit(), report.err());
        assertEquals(MarkdownReport.render(bench.out(), file.toString()), report.out());
        assertFalse(report.out().contains("This is the default quick run"), "a smoke run is not the quick run");
        assertTrue(report.out().contains("## pair"), report.out());
        assertTrue(report.out().contains("| pair(64) |"), report.out());
        assertTrue(report.out().lines().anyMatch(line -> line.startsWith("|  | evil<script>&\"' | failed |")),
                report.out());
    }

    @Test
    void badCommandLinesAndUnreadableFiles() {
        MainTest.Run none = MainTest.run(false, "report");
        assertEquals(Main.EXIT_USAGE, none.exit());
        assertTrue(none.err().startsWith("offcut report: report expects one JSON file"), none.err());
        MainTest.Run two = MainTest.run(false, "report", "a.json", "b.json");
        assertEquals(Main.EXIT_USAGE, two.exit());
        MainTest.Run missing = MainTest.run(false, "report", dir.resolve("missing.json").toString());
        assertEquals(Main.EXIT_FAILURE, missing.exit());
        assertTrue(missing.err().startsWith("offcut report: cannot render"), missing.err());
        MainTest.Run help = MainTest.run(false, "report", "--help");
        assertEquals(Main.EXIT_OK, help.exit());
        assertTrue(help.out().startsWith("Usage: offcut report FILE"), help.out());
    }
}
