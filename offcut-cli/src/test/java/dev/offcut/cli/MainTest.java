package dev.offcut.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command end to end on {@link FakeSuite}: exit codes, tables, report, JSON, without measuring anything. */
class MainTest {

    @TempDir
    Path dir;

    /** Output of one in-process run. */
    record Run(int exit, String out, String err) {
    }

    static Run run(boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Main.run(args, o, e, terminal, FakeSuite::suite, List.of());
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        Run run = run(false);
        assertEquals(Main.EXIT_USAGE, run.exit());
        assertTrue(run.err().startsWith("Usage: offcut"), run.err());
    }

    @Test
    void badCommandLinesGiveOneLineAndAHintAndExit2() {
        for (String[] args : List.of(new String[] {"bnech"}, new String[] {"bench", "--colour"},
                new String[] {"bench", "--workloads", "nothing-like-this"}, new String[] {"demo", "x"})) {
            Run run = run(false, args);
            assertEquals(Main.EXIT_USAGE, run.exit(), List.of(args)::toString);
            List<String> lines = run.err().lines().toList();
            assertEquals(2, lines.size(), run.err());
            assertTrue(lines.get(0).contains("'" + args[args.length - 1] + "'"), run.err());
            assertTrue(lines.get(1).startsWith("Try 'offcut"), run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void demoRunsTheAllocatorApi() {
        Run run = run(false, "demo");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("contents kept: \"hello, linear memory\""), run.out());
        assertTrue(run.out().contains("0 live blocks, heap verified"), run.out());
    }

    @Test
    void helpAndListExit0() {
        Run help = run(false, "bench", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--workloads LIST"), help.out());
        Run list = run(false, "bench", "--list");
        assertEquals(0, list.exit());
        assertTrue(list.out().contains("pair: pair(64)"), list.out());
        assertTrue(list.out().contains("malloc (Linker) (baseline)"), list.out());
        assertTrue(list.out().contains("unavailable: libmissing.so not found"), list.out());
    }

    @Test
    void tablesShowEveryGroupAndSubjectWithAValueOrAReason() throws IOException {
        Run run = run(false, "bench", "--smoke", "--no-fork", "--out", dir.toString());
        // The hostile fake subject throws on every workload: failed pairs make the exit code 1.
        assertEquals(Main.EXIT_FAILURE, run.exit(), run.err());
        String out = run.out();
        for (String header : List.of("date:", "JDK:", "OS:", "CPU:", "processors:", "command:", "settings:")) {
            assertTrue(out.contains(header), header);
        }
        assertTrue(out.contains("offcut bench --smoke --no-fork --out"), out);
        for (String group : List.of("pair", "heap-efficiency", "percentiles", "high-alignment")) {
            assertTrue(out.contains("== " + group + ":"), group);
        }
        assertTrue(out.lines().anyMatch(l -> l.contains("pair(16)") && l.contains("malloc (Linker)")
                                             && l.contains("10.0 ns/op") && l.contains("1.00x")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("offcut-fake") && l.contains("10.0 ns/op")
                                             && l.contains("0.50x")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("missing-fake") && l.contains("unavailable")
                                             && l.contains("libmissing.so not found")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("bump-fake") && l.contains("n/a")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains(FakeSuite.HOSTILE) && l.contains("failed")
                                             && l.contains("IllegalStateException: broken <heap> at offset 64")), out);
        assertTrue(out.contains("81.0 %"), "PERCENT values are shown as they are");
        assertTrue(out.contains("20/32/40/52/400"), "percentiles");
        assertTrue(out.lines().anyMatch(l -> l.contains("pair(16)") && l.contains("+-1.00 (n=5)")), out);
        assertTrue(out.contains("--no-fork: every subject runs in this one JVM"), "the header says how subjects ran");
        // Progress: one plain line per runnable pair (6 workloads x 3 runnable subjects).
        assertTrue(run.err().contains("[1/18] pair(16) x malloc (Linker) ..."), run.err());
        assertTrue(run.err().contains("[18/18] high-alignment x " + FakeSuite.HOSTILE), run.err());
        assertFalse(run.err().contains("\r"));

        String reportLine = out.lines().filter(l -> l.startsWith("report: ")).findFirst().orElseThrow();
        Path report = Path.of(reportLine.substring("report: ".length()));
        assertTrue(report.startsWith(dir.toAbsolutePath()), report::toString);
        String html = Files.readString(report);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg"));
        assertTrue(html.contains("class=\"median\""), "box plots");
        assertFalse(html.contains("<script"), "no script, and names are escaped");
        assertTrue(html.contains("evil&lt;script&gt;&amp;&quot;&#39;"));
        assertTrue(html.contains("broken &lt;heap&gt;"));
        assertFalse(html.contains("http://") && html.replace("http://www.w3.org/2000/svg", "").contains("http://"),
                "no links to fetch");
    }

    @Test
    void anUnwritableReportDirectoryIsAFailureButTheTablesStillPrint() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        Run run = run(false, "bench", "--smoke", "--no-fork", "--subjects", "offcut", "--out", file.toString());
        assertEquals(Main.EXIT_FAILURE, run.exit());
        assertTrue(run.err().contains("cannot write the report into " + file), run.err());
        assertTrue(run.out().contains("== pair:"), run.out());
        assertFalse(run.out().contains("report: "), run.out());
    }

    @Test
    void terminalProgressRewritesOneLine() {
        Run run = run(true, "bench", "--smoke", "--no-fork", "--workloads", "pair(16)", "--subjects", "offcut",
                "--out", dir.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().startsWith("\r[1/2] pair(16) x malloc (Linker) ..."), run.err());
        assertTrue(run.err().contains("\r[2/2] pair(16) x offcut-fake ..."), run.err());
        assertTrue(run.out().contains("note: added the baseline"), run.out());
    }

    @Test
    void jsonHasTheDocumentedShape() {
        Run run = run(false, "bench", "--smoke", "--no-fork", "--json", "--out", dir.toString());
        assertEquals(Main.EXIT_FAILURE, run.exit());
        Map<?, ?> root = (Map<?, ?>) MiniJson.parse(run.out());
        assertEquals(JsonReport.FORMAT, root.get("format"));
        assertEquals(FakeSuite.BASELINE, root.get("baseline"));
        assertTrue(((Map<?, ?>) root.get("header")).get("jdk").toString().contains(Runtime.version().toString()));
        assertTrue(Files.exists(Path.of((String) root.get("report"))));
        assertEquals(5, ((List<?>) root.get("subjects")).size());
        List<?> groups = (List<?>) root.get("groups");
        assertEquals(List.of("pair", "heap-efficiency", "percentiles", "high-alignment"),
                groups.stream().map(g -> ((Map<?, ?>) g).get("name")).toList());
        for (Object group : groups) {
            for (Object workload : (List<?>) ((Map<?, ?>) group).get("workloads")) {
                List<?> results = (List<?>) ((Map<?, ?>) workload).get("results");
                assertEquals(5, results.size());
                for (Object result : results) {
                    Map<?, ?> r = (Map<?, ?>) result;
                    boolean ok = r.get("status").equals("ok");
                    assertEquals(ok, r.get("value") instanceof Double, r::toString);
                    assertEquals(ok, ((String) r.get("note")).isEmpty(), r::toString);
                }
            }
        }
        Map<?, ?> pair16 = (Map<?, ?>) ((List<?>) ((Map<?, ?>) groups.getFirst()).get("workloads")).getFirst();
        Map<?, ?> offcut = (Map<?, ?>) ((List<?>) pair16.get("results")).get(1);
        assertEquals("offcut-fake", offcut.get("subject"));
        assertEquals(0.5, (Double) offcut.get("ratio"), 1e-9);
        assertNotNull(run.err());
        assertFalse(run.out().contains("== pair"), "no tables with --json");
    }
}
