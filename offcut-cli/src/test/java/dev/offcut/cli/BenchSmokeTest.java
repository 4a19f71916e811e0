package dev.offcut.cli;

import dev.offcut.bench.Catalog;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import dev.offcut.bench.subject.OffcutSubjects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI's benchmark runs: the real command with {@code --smoke} over every workload and every subject of the catalog,
 * once in this JVM ({@code --no-fork}) printing tables, once forked as by default (a JVM per subject) printing JSON.
 * It checks the output's shape, never the numbers: every group has a table, every subject a row with a value or a
 * reason, the report has charts, the JSON parses. A pair that fails fails the test; so does an Offcut subject, the
 * slicing allocator or the baseline being unavailable (other subjects may lack a native library on a CI machine).
 */
class BenchSmokeTest {

    @TempDir
    Path dir;

    /** Output of one in-process run of the real command. */
    private record Run(int exit, String out, String err, long millis) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Main.run(args, o, e, false, Suite::standard, Catalog.JVM_FLAGS);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        Run run = new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), millis);
        // Not an assertion, a record: CI logs show how long the smoke run took.
        System.out.println("offcut " + String.join(" ", args) + ": exit " + exit + " in " + millis + " ms");
        return run;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void tablesCoverEveryGroupAndSubjectAndTheReportHasCharts() throws IOException {
        Run run = run("bench", "--smoke", "--no-fork", "--out", dir.toString());
        assertEquals(Main.EXIT_OK, run.exit(), () -> "stderr:\n" + run.err() + "\nstdout:\n" + run.out());
        String out = run.out();
        List<String> lines = out.lines().toList();
        for (String group : groups()) {
            int start = indexOf(lines, "== " + group + ":");
            assertTrue(start >= 0, () -> "no table for group " + group + "\n" + out);
            int end = start + 1;
            while (end < lines.size() && !lines.get(end).isBlank()) {
                end++;
            }
            List<String> table = lines.subList(start, end);
            for (SubjectFactory subject : Catalog.subjects()) {
                assertTrue(table.stream().anyMatch(l -> rowOf(l, subject.name())),
                        () -> "group " + group + " has no row for " + subject.name() + "\n" + String.join("\n", table));
            }
            for (String line : table) {
                for (String required : mustBeAvailable()) {
                    assertFalse(rowOf(line, required) && line.contains(" unavailable"),
                            () -> required + " is unavailable:\n" + line);
                }
            }
        }
        assertTrue(out.contains("CPU:") && out.contains("JDK:") && out.contains("settings:   smoke:"), out);
        assertTrue(out.contains("--no-fork: every subject runs in this one JVM"), out);
        String reportLine = lines.stream().filter(l -> l.startsWith("report: ")).findFirst().orElseThrow();
        Path report = Path.of(reportLine.substring("report: ".length()));
        assertTrue(Files.isRegularFile(report), report::toString);
        String html = Files.readString(report);
        assertTrue(html.contains("<svg"), "the report has charts");
        assertFalse(html.contains("<script"), "the report has no script");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void forkedJsonHasAResultForEveryWorkloadAndSubject() {
        Run run = run("bench", "--smoke", "--json", "--out", dir.toString());
        assertEquals(Main.EXIT_OK, run.exit(), () -> "stderr:\n" + run.err());
        Map<?, ?> root = (Map<?, ?>) MiniJson.parse(run.out());
        assertEquals(JsonReport.FORMAT, root.get("format"));
        assertEquals(Catalog.BASELINE, root.get("baseline"));
        assertEquals("smoke", ((Map<?, ?>) root.get("settings")).get("mode"));
        assertTrue(((List<?>) root.get("notes")).stream().anyMatch(n -> ((String) n).startsWith(
                "each subject runs in its own forked JVM")), root.get("notes")::toString);
        assertTrue(Files.isRegularFile(Path.of((String) root.get("report"))));
        List<String> subjects = Catalog.subjects().stream().map(SubjectFactory::name).toList();
        assertEquals(subjects, ((List<?>) root.get("subjects")).stream().map(s -> ((Map<?, ?>) s).get("name")).toList());
        List<String> workloads = new ArrayList<>();
        List<?> groups = (List<?>) root.get("groups");
        assertEquals(new ArrayList<>(groups()), groups.stream().map(g -> ((Map<?, ?>) g).get("name")).toList());
        for (Object group : groups) {
            for (Object w : (List<?>) ((Map<?, ?>) group).get("workloads")) {
                Map<?, ?> workload = (Map<?, ?>) w;
                workloads.add((String) workload.get("name"));
                List<?> results = (List<?>) workload.get("results");
                assertEquals(subjects, results.stream().map(r -> ((Map<?, ?>) r).get("subject")).toList());
                for (Object r : results) {
                    Map<?, ?> result = (Map<?, ?>) r;
                    String status = (String) result.get("status");
                    assertTrue(Set.of("ok", "n/a", "unavailable").contains(status), result::toString);
                    assertFalse(status.equals("unavailable") && mustBeAvailable().contains(result.get("subject")),
                            result::toString);
                    if (status.equals("ok")) {
                        assertTrue(result.get("value") instanceof Double d && Double.isFinite(d), result::toString);
                        int percentiles = ((List<?>) result.get("allocPercentiles")).size();
                        assertTrue(percentiles == 0 || percentiles == 5, result::toString);
                    } else {
                        assertEquals(null, result.get("value"));
                        assertFalse(((String) result.get("note")).isBlank(), result::toString);
                    }
                }
            }
        }
        assertEquals(Catalog.workloads().stream().map(Workload::name).toList(), workloads);
    }

    @Test
    void thisJvmHasEveryFlagTheSubjectsNeed() {
        // The pom repeats the bench module's flag list for surefire; this catches the two drifting apart.
        assertEquals(List.of(), JvmFlags.missing(Catalog.JVM_FLAGS));
    }

    /** The subjects that must run on any machine: Offcut's, the JDK's slicing allocator, the baseline. */
    private static List<String> mustBeAvailable() {
        List<String> names = new ArrayList<>(OffcutSubjects.NAMES);
        names.add("slicingAllocator");
        names.add(Catalog.BASELINE);
        return names;
    }

    private static Set<String> groups() {
        Set<String> groups = new LinkedHashSet<>();
        Catalog.workloads().forEach(w -> groups.add(w.group()));
        return groups;
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    /** A table row names the subject in its second column, after the (possibly blank) workload column. */
    private static boolean rowOf(String line, String subject) {
        return line.contains(" " + subject + " ") || line.endsWith(" " + subject);
    }
}
