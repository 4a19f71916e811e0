package dev.offcut.cli;

import dev.offcut.bench.Capability;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Subject by subject: each runnable subject's workloads go to the subject runner at once, results come out by workload. */
class BenchRunnerTest {

    /** Records what it was asked to run and runs it in-process. */
    private static final class RecordingRunner implements SubjectRunner {
        final List<String> calls = new ArrayList<>();
        final InProcessRunner inner = new InProcessRunner(() -> 0);

        @Override
        public List<PairResult> run(SubjectFactory subject, List<Workload> workloads, RunSettings settings,
                                    Consumer<String> starting) {
            calls.add(subject.name() + ": " + String.join(", ", workloads.stream().map(Workload::name).toList()));
            return inner.run(subject, workloads, settings, starting);
        }

        @Override
        public String isolation() {
            return "recorded";
        }
    }

    /** Links and loads, but its probe failed. */
    private static final class BrokenSubject implements SubjectFactory {
        @Override
        public String name() {
            return "broken-fake";
        }

        @Override
        public String description() {
            return "a subject whose probe failed";
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of(Capability.FREES);
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public Optional<String> failure() {
            return Optional.of("probe: IllegalStateException: heap corrupt");
        }

        @Override
        public Subject open(long heapByteSize) {
            throw new AssertionError("a broken subject is not opened");
        }
    }

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private BenchResults run(RecordingRunner runner, Suite suite) {
        Plan plan = new Plan(suite.workloads(), suite.subjects(), suite.baseline(), BenchOptions.Mode.SMOKE,
                RunSettings.SMOKE, List.of());
        PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
        RunHeader header = new RunHeader(Instant.EPOCH, "jdk", "os", "cpu", 2, "offcut bench", "", "smoke");
        return new BenchRunner(new Progress(stream, false), runner, () -> 0).run(plan, header);
    }

    @Test
    void eachRunnableSubjectGetsAllItsWorkloadsInOneCall() {
        RecordingRunner runner = new RecordingRunner();
        Suite suite = FakeSuite.suite();
        BenchResults results = run(runner, suite);
        String all = "pair(16), pair(64), pair(256), heap-efficiency, percentiles, high-alignment";
        assertEquals(List.of(FakeSuite.BASELINE + ": " + all, "offcut-fake: " + all, FakeSuite.HOSTILE + ": " + all),
                runner.calls, "bump-fake applies to nothing, missing-fake is unavailable: neither is run");
        assertEquals(suite.workloads().size() * suite.subjects().size(), results.results().size());
        List<String> order = results.results().stream().map(r -> r.workload().name() + "/" + r.subject()).toList();
        assertEquals("pair(16)/" + FakeSuite.BASELINE, order.get(0));
        assertEquals("pair(16)/offcut-fake", order.get(1), "workload-major for the tables");
        PairResult offcut = results.results().get(1);
        assertEquals(0.5, offcut.ratio(), 1e-12);
        assertEquals(PairResult.Status.NOT_APPLICABLE, results.results().get(2).status());
        assertEquals(PairResult.Status.UNAVAILABLE, results.results().get(3).status());
        assertEquals(PairResult.Status.FAILED, results.results().get(4).status());
        String progress = err.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("[1/18] pair(16) x " + FakeSuite.BASELINE), progress);
        assertTrue(progress.contains("[7/18] pair(16) x offcut-fake"), progress);
    }

    @Test
    void aSubjectWhoseProbeFailedGetsFailedRowsWithoutRunning() {
        SubjectFactory broken = new BrokenSubject();
        Suite fake = FakeSuite.suite();
        List<SubjectFactory> subjects = new ArrayList<>(fake.subjects());
        subjects.add(broken);
        RecordingRunner runner = new RecordingRunner();
        BenchResults results = run(runner, new Suite(subjects, fake.workloads(), fake.baseline()));
        assertTrue(runner.calls.stream().noneMatch(c -> c.startsWith("broken-fake")), runner.calls::toString);
        List<PairResult> rows = results.results().stream().filter(r -> r.subject().equals("broken-fake")).toList();
        assertEquals(fake.workloads().size(), rows.size());
        for (PairResult row : rows) {
            assertEquals(PairResult.Status.FAILED, row.status());
            assertEquals("probe: IllegalStateException: heap corrupt", row.note());
        }
        assertEquals(fake.workloads().size() * 2L, results.failedCount(), "the hostile fake's and the broken one's");
    }
}
