package dev.offcut.cli;

import dev.offcut.bench.Metric;
import dev.offcut.bench.Workload;
import dev.offcut.bench.workload.ThreadedWorkload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default run keeps the whole {@code threads} group beside the budget it cuts the other groups to. */
class ThreadsGroupSelectionTest {

    @Test
    void theDefaultRunKeepsEveryThreadsWorkloadWhenItCutsTheOthers() throws UsageException {
        Suite small = FakeSuite.suite();
        List<Workload> workloads = new ArrayList<>();
        IntStream.range(0, 200).forEach(i -> workloads.add(
                new FakeSuite.FakeWorkload("pair(" + i + ")", "pair", Metric.NANOS_PER_OP, 1)));
        IntStream.range(0, 30).forEach(i -> workloads.add(
                new FakeSuite.FakeWorkload("mt(" + i + ")", ThreadedWorkload.GROUP, Metric.NANOS_PER_OP, 2)));
        Suite big = new Suite(small.subjects(), workloads, FakeSuite.BASELINE);
        Plan plan = Selection.plan(BenchOptions.parse(List.of()), big);
        long threads = plan.workloads().stream().filter(w -> w.group().equals(ThreadedWorkload.GROUP)).count();
        assertEquals(30, threads);
        assertTrue(plan.workloads().size() < 230, "the other groups are still cut to the budget");
        assertTrue(plan.notes().getFirst().contains("plus the whole threads group"), plan.notes()::toString);
    }
}
