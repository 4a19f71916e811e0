package dev.offcut.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchOptionsTest {

    @Test
    void defaultsAreQuickTablesAndTheDefaultDirectory() throws UsageException {
        BenchOptions options = BenchOptions.parse(List.of());
        assertEquals(BenchOptions.Mode.QUICK, options.mode());
        assertFalse(options.json());
        assertTrue(options.workloadPatterns().isEmpty());
        assertTrue(options.subjectPatterns().isEmpty());
        assertEquals(BenchOptions.DEFAULT_OUT_DIRECTORY, options.outDirectory());
        assertTrue(options.seed().isEmpty());
    }

    @Test
    void parsesEveryOptionInBothSpellings() throws UsageException {
        BenchOptions options = BenchOptions.parse(List.of("--workloads", "pair, random-actions", "--subjects=malloc",
                "--smoke", "--json", "--out", "build/r", "--seed=0x10"));
        assertEquals(List.of("pair", "random-actions"), options.workloadPatterns());
        assertEquals(List.of("malloc"), options.subjectPatterns());
        assertEquals(BenchOptions.Mode.SMOKE, options.mode());
        assertTrue(options.json());
        assertEquals(Path.of("build/r"), options.outDirectory());
        assertEquals(16, options.seed().getAsLong());
        assertTrue(BenchOptions.parse(List.of("--list")).list());
        assertTrue(BenchOptions.parse(List.of("-h")).help());
        assertEquals(BenchOptions.Mode.FULL, BenchOptions.parse(List.of("--full")).mode());
        assertEquals(List.of("random-actions(200, realloc)", "pair"),
                BenchOptions.parse(List.of("--workloads", "random-actions(200, realloc),pair")).workloadPatterns());
    }

    @Test
    void badOptionsNameTheOptionAndWhatIsExpected() {
        assertMessage("unknown option '--fast'", "--fast");
        assertMessage("--workloads expects a comma-separated list", "--workloads");
        assertMessage("--workloads expects a comma-separated list", "--workloads", "--json");
        assertMessage("--subjects expects a comma-separated list without empty items", "--subjects", "a,,b");
        assertMessage("--seed expects an integer, got 'x'", "--seed", "x");
        assertMessage("--out expects a directory", "--out");
        assertMessage("--json takes no value", "--json=yes");
        assertMessage("--full and --smoke exclude each other", "--full", "--smoke");
        assertMessage("unexpected argument 'pair'", "pair");
    }

    private static void assertMessage(String expectedStart, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> BenchOptions.parse(List.of(args)));
        assertTrue(e.getMessage().startsWith(expectedStart), () -> "message was: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }
}
