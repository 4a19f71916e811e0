package dev.offcut.cli;

import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelectionTest {

    private final Suite suite = FakeSuite.suite();

    @Test
    void workloadPatternsMatchGroupsAndNamePrefixes() throws UsageException {
        Plan plan = plan("--workloads", "pair(64),heap-efficiency");
        assertEquals(List.of("pair(64)", "heap-efficiency"), names(plan.workloads()));
        assertEquals(3, plan("--workloads", "pair").workloads().size());
        assertEquals(suite.workloads().size(), plan("--workloads", "all").workloads().size());
    }

    @Test
    void subjectPatternsMatchPrefixesAndTheBaselineIsAlwaysAdded() throws UsageException {
        Plan plan = plan("--subjects", "offcut");
        assertEquals(List.of(FakeSuite.BASELINE, "offcut-fake"),
                plan.subjects().stream().map(SubjectFactory::name).toList());
        assertTrue(plan.notes().getFirst().contains("added the baseline"), plan.notes()::toString);
        assertTrue(plan("--subjects", "malloc").notes().stream().noneMatch(n -> n.contains("added the baseline")));
    }

    @Test
    void anExactNameWinsOverAGroupAndAGroupOverPrefixes() {
        List<String> names = List.of("offcut-binned", "offcut-binned-compact", "pair", "pair-ish");
        List<String> groups = List.of("a", "a", "pair", "b");
        assertEquals(List.of("offcut-binned"), Selection.bestMatches("OFFCUT-BINNED", names, groups));
        assertEquals(List.of("offcut-binned", "offcut-binned-compact"), Selection.bestMatches("offcut", names, groups));
        assertEquals(List.of("pair"), Selection.bestMatches("pair", names, groups));
        assertEquals(List.of("offcut-binned", "offcut-binned-compact"), Selection.bestMatches("a", names, groups));
        assertEquals(List.of(), Selection.bestMatches("x", names, groups));
    }

    @Test
    void unknownNamesAreUsageErrorsListingTheChoices() {
        UsageException w = assertThrows(UsageException.class, () -> plan("--workloads", "nope"));
        assertTrue(w.getMessage().startsWith("--workloads: 'nope' matches no workload"), w.getMessage());
        assertTrue(w.getMessage().contains("heap-efficiency"), w.getMessage());
        UsageException s = assertThrows(UsageException.class, () -> plan("--subjects", "jemalloc"));
        assertTrue(s.getMessage().contains("offcut-fake"), s.getMessage());
    }

    @Test
    void estimateCountsOnlyRunnablePairsAndOneJvmStartPerRunnableSubject() {
        RunSettings settings = new RunSettings(1, 0, 1000 - Selection.TRIAL_OVERHEAD_MILLIS
                                                      - Selection.FIRST_TRIAL_JIT_MILLIS, 1);
        assertEquals(Duration.ofSeconds(1), Selection.pairTime(settings));
        // Three runnable subjects (malloc, offcut-fake, the hostile one) -> 3 s per workload, 6 workloads.
        assertEquals(Duration.ofSeconds(18), Selection.estimate(suite.workloads(), suite.subjects(), settings, false));
        assertEquals(Duration.ofSeconds(18).plusMillis(3 * Selection.CHILD_START_MILLIS),
                Selection.estimate(suite.workloads(), suite.subjects(), settings, true));
    }

    @Test
    void aBudgetKeepsEveryGroupAndAddsWorkloadsInPriorityOrderWhileTheyFit() {
        RunSettings settings = new RunSettings(1, 0, 1000 - Selection.TRIAL_OVERHEAD_MILLIS
                                                      - Selection.FIRST_TRIAL_JIT_MILLIS, 1);
        // 3 runnable subjects: 3 s per workload. 4 groups = 12 s; 15 s leaves room for one more pair workload.
        assertEquals(List.of("pair(64)", "pair(256)", "heap-efficiency", "percentiles", "high-alignment"),
                names(Selection.withinBudget(suite.workloads(), suite.subjects(), settings, false,
                        Duration.ofSeconds(15))));
        assertEquals(List.of("pair(64)", "heap-efficiency", "percentiles", "high-alignment"),
                names(Selection.withinBudget(suite.workloads(), suite.subjects(), settings, false,
                        Duration.ofSeconds(1))), "every group at least once, whatever the budget");
    }

    @Test
    void priorityOrderTakesOneWorkloadPerGroupPerRound() {
        assertEquals(List.of("pair(64)", "heap-efficiency", "percentiles", "high-alignment", "pair(256)", "pair(16)"),
                names(Selection.priorityOrder(suite.workloads())));
    }

    @Test
    void onlyTheDefaultRunIsCutToTheBudgetAndOnlyWhenAllWouldTakeTooLong() throws UsageException {
        // The fake suite's 18 pairs fit in a minute at QUICK settings: everything, with an estimate.
        Plan quick = plan();
        assertEquals(suite.workloads().size(), quick.workloads().size());
        assertTrue(quick.notes().getFirst().startsWith("estimated run time"), quick.notes()::toString);
        Suite big = new Suite(suite.subjects(), java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> (Workload) new FakeSuite.FakeWorkload("pair(" + i + ")", "pair",
                        dev.offcut.bench.Metric.NANOS_PER_OP, 1)).toList(), FakeSuite.BASELINE);
        Plan budgeted = Selection.plan(BenchOptions.parse(List.of()), big);
        assertTrue(budgeted.workloads().size() < 200);
        assertTrue(Selection.estimate(budgeted.workloads(), big.subjects(), budgeted.settings(), true)
                .compareTo(Selection.DEFAULT_BUDGET) <= 0);
        assertTrue(budgeted.notes().getFirst().contains("--full or --workloads all runs them"),
                budgeted.notes()::toString);
        assertEquals(200, Selection.plan(BenchOptions.parse(List.of("--full")), big).workloads().size());
        assertEquals(200, Selection.plan(BenchOptions.parse(List.of("--workloads", "all")), big).workloads().size());
    }

    @Test
    void middleOutwardsStartsInTheMiddle() {
        List<Workload> group = suite.workloads().subList(0, 3);
        assertEquals(List.of("pair(64)", "pair(256)", "pair(16)"), names(Selection.middleOutwards(group)));
    }

    @Test
    void seedOverridesTheModeSettings() throws UsageException {
        Plan plan = plan("--smoke", "--seed", "7");
        assertEquals(RunSettings.SMOKE.trials(), plan.settings().trials());
        assertEquals(7, plan.settings().seed());
        assertTrue(plan.settingsDescription().startsWith("smoke: "), plan.settingsDescription());
    }

    private Plan plan(String... args) throws UsageException {
        return Selection.plan(BenchOptions.parse(List.of(args)), suite);
    }

    private static List<String> names(List<Workload> workloads) {
        return workloads.stream().map(Workload::name).toList();
    }
}
