package dev.offcut.cli;

import dev.offcut.bench.Measurement;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The budget of the default run, on a fake clock: every pair "takes" one second. */
class BenchRunnerTest {

    private final AtomicLong clock = new AtomicLong();

    @Test
    void everyGroupRunsOnceThenWorkloadsStartWhileTheyFitTheBudget() {
        // 4 groups x 3 runnable subjects = 12 s for the mandatory first round; pair(256) fits 15 s, pair(16) not.
        BenchResults results = run(Optional.of(Duration.ofSeconds(15)));
        assertEquals(List.of("pair(64)", "pair(256)", "heap-efficiency", "percentiles", "high-alignment"),
                results.plan().workloads().stream().map(Workload::name).toList(), "catalog order");
        assertEquals(Duration.ofSeconds(15), results.elapsed());
        assertEquals(5 * 5, results.results().size());
        assertTrue(results.plan().notes().getLast().startsWith("ran 5 of 6 workloads within the 15 s budget; "
                                                               + "not run: 1 pair "), results.plan().notes()::toString);
    }

    @Test
    void aBudgetSpentByTheFirstRoundStillGivesEveryGroupItsTable() {
        BenchResults results = run(Optional.of(Duration.ofSeconds(1)));
        assertEquals(List.of("pair(64)", "heap-efficiency", "percentiles", "high-alignment"),
                results.plan().workloads().stream().map(Workload::name).toList());
    }

    @Test
    void withoutABudgetEverythingRunsInCatalogOrder() {
        BenchResults results = run(Optional.empty());
        assertEquals(FakeSuite.suite().workloads().stream().map(Workload::name).toList(),
                results.plan().workloads().stream().map(Workload::name).toList());
        assertEquals(Duration.ofSeconds(18), results.elapsed());
        PairResult offcut = results.results().get(1);
        assertEquals("offcut-fake", offcut.subject());
        assertEquals(0.5, offcut.ratio(), 1e-12);
        assertEquals(1000, offcut.elapsedMillis());
    }

    private BenchResults run(Optional<Duration> budget) {
        Suite suite = FakeSuite.suite();
        List<Workload> slow = suite.workloads().stream().map(w -> (Workload) new OneSecondWorkload(w)).toList();
        Plan plan = new Plan(slow, suite.subjects(), suite.baseline(), BenchOptions.Mode.QUICK, RunSettings.SMOKE,
                budget, List.of());
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        RunHeader header = new RunHeader(Instant.EPOCH, "jdk", "os", "cpu", 2, "offcut bench", "", "smoke");
        return new BenchRunner(new Progress(err, false), clock::get).run(plan, header);
    }

    /** Delegates to a fake workload and advances the fake clock by one second per pair. */
    private final class OneSecondWorkload implements Workload {
        private final Workload delegate;

        OneSecondWorkload(Workload delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public String group() {
            return delegate.group();
        }

        @Override
        public dev.offcut.bench.Metric metric() {
            return delegate.metric();
        }

        @Override
        public int threads() {
            return 1;
        }

        @Override
        public Optional<String> refusal(SubjectFactory subject) {
            return delegate.refusal(subject);
        }

        @Override
        public Measurement run(SubjectFactory subject, RunSettings settings) {
            clock.addAndGet(1_000_000_000L);
            return delegate.run(subject, settings);
        }
    }
}
