package dev.offcut.cli;

import dev.offcut.bench.Catalog;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A child JVM that cannot do its job turns its pairs into failed rows that say why; the parent goes on. */
class ForkedRunnerTest {

    @Test
    void aChildThatExitsWithoutResultsGivesFailedRowsNamingTheCause() {
        // The child runs the standard catalog, which has no fake subject: it exits 2 with a usage error.
        Suite fake = FakeSuite.suite();
        SubjectFactory subject = fake.subjects().get(1);
        List<Workload> workloads = fake.workloads().subList(0, 2);
        List<String> relayed = new ArrayList<>();
        List<String> started = new ArrayList<>();
        ForkedRunner runner = new ForkedRunner(Catalog.JVM_FLAGS, (name, line) -> relayed.add(name + ": " + line));
        List<PairResult> results = runner.run(subject, workloads, RunSettings.SMOKE, started::add);
        assertEquals(2, results.size());
        for (PairResult result : results) {
            assertEquals(PairResult.Status.FAILED, result.status());
            assertTrue(result.note().startsWith("the child JVM exited with code " + Main.EXIT_USAGE), result.note());
            assertTrue(result.note().contains("no subject named 'offcut-fake'"), result.note());
        }
        assertEquals(List.of(), started);
        assertTrue(relayed.stream().anyMatch(l -> l.startsWith("offcut-fake: offcut bench: --child")), relayed::toString);
    }

    @Test
    void theChildJvmGetsTheSubjectsFlagsAndThisClassPath() {
        List<String> command = ForkedRunner.childJvm(Catalog.JVM_FLAGS);
        assertTrue(command.containsAll(Catalog.JVM_FLAGS), command::toString);
        assertEquals(Main.class.getName(), command.getLast());
        assertEquals(System.getProperty("java.class.path"), command.get(command.size() - 2));
    }
}
