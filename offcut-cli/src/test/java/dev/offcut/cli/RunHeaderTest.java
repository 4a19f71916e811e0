package dev.offcut.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunHeaderTest {

    @TempDir
    Path dir;

    @Test
    void cpuModelComesFromTheFirstModelNameLine() throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: X\nmodel name\t: Example CPU @ 3.0GHz\n\n"
                                   + "processor\t: 1\nmodel name\t: Other\n");
        assertEquals("Example CPU @ 3.0GHz", RunHeader.cpuModel(cpuinfo));
        Files.writeString(cpuinfo, "processor : 0\nHardware : Board 5\n");
        assertEquals("Board 5", RunHeader.cpuModel(cpuinfo));
        Files.writeString(cpuinfo, "processor : 0\n");
        assertEquals("unknown", RunHeader.cpuModel(cpuinfo));
        assertTrue(RunHeader.cpuModel(dir.resolve("absent")).startsWith("unknown"));
    }

    @Test
    void commandLineQuotesWhatAShellWouldSplit() {
        assertEquals("offcut bench --subjects 'malloc (Linker),offcut' --workloads=pair --out 'it'\\''s'",
                RunHeader.commandLine(List.of("bench", "--subjects", "malloc (Linker),offcut", "--workloads=pair",
                        "--out", "it's")));
    }

    @Test
    void headerNamesTheMachineAndTheRun() {
        RunHeader header = RunHeader.capture(List.of("bench"), "quick: ...");
        assertEquals(List.of("date", "JDK", "OS", "CPU", "processors", "command", "JVM flags", "settings"),
                List.copyOf(header.fields().keySet()));
        assertTrue(header.jdk().startsWith(Runtime.version().toString()), header.jdk());
        assertEquals(Runtime.getRuntime().availableProcessors(), header.processors());
    }
}
