package dev.offcut.cli;

import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code offcut bench}: parses the options, plans the run, runs it with a progress line, prints tables (or JSON) and
 * writes the HTML report.
 */
public final class BenchCommand {

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;
    private final Supplier<Suite> suite;
    private final List<String> jvmFlags;

    /**
     * Creates the command.
     *
     * @param out      where tables or JSON go
     * @param err      where progress, notes and errors go
     * @param terminal whether {@code err} is a terminal (progress rewrites one line)
     * @param suite    supplies the subjects and workloads, called only when needed (not for {@code --help})
     * @param jvmFlags the JVM flags the subjects need; the header notes those not in effect
     */
    public BenchCommand(PrintStream out, PrintStream err, boolean terminal, Supplier<Suite> suite,
                        List<String> jvmFlags) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.suite = suite;
        this.jvmFlags = List.copyOf(jvmFlags);
    }

    /**
     * Runs the command.
     *
     * @param commandLine every argument of the {@code offcut} command, for the header
     * @param args        the arguments after {@code bench}
     * @return the exit code: {@link Main#EXIT_OK}, {@link Main#EXIT_FAILURE} when a pair failed or the report could
     *         not be written, {@link Main#EXIT_USAGE} for bad options
     */
    public int run(List<String> commandLine, List<String> args) {
        BenchOptions options;
        Plan plan;
        Suite all;
        try {
            options = BenchOptions.parse(args);
            if (options.help()) {
                out.print(BenchOptions.USAGE);
                return Main.EXIT_OK;
            }
            all = suite.get();
            if (options.childSubject().isPresent()) {
                return ChildRun.run(options, all, out, err);
            }
            if (options.list()) {
                printList(all);
                return Main.EXIT_OK;
            }
            plan = Selection.plan(options, all);
        } catch (UsageException e) {
            return Main.usageError(err, "bench", e.getMessage());
        }
        Progress progress = new Progress(err, terminal);
        SubjectRunner runner = options.fork() ? new ForkedRunner(jvmFlags, progress::relay)
                : new InProcessRunner(System::nanoTime);
        plan = plan.withNote(runner.isolation());
        List<String> missingFlags = JvmFlags.missing(jvmFlags);
        if (!missingFlags.isEmpty()) {
            plan = plan.withNote("JVM flags not in effect in this JVM (some subjects may warn or be unavailable"
                                 + (options.fork() ? "; the forked JVMs get them" : "") + "): "
                                 + String.join(" ", missingFlags));
        }
        RunHeader header = RunHeader.capture(commandLine, plan.settingsDescription());
        if (options.json()) {
            plan.notes().forEach(note -> err.println("note: " + note));
        } else {
            TableRenderer.printHeader(header, plan.notes(), out);
            out.flush();
        }
        BenchResults results = new BenchRunner(progress, runner).run(plan, header);
        int exit = writeOutputs(options, plan, results);
        if (results.failedCount() > 0) {
            err.println("offcut bench: " + results.failedCount() + " pair(s) failed; their rows say why");
            exit = Main.EXIT_FAILURE;
        }
        return exit;
    }

    /** Writes the report, then the tables or the JSON; returns the exit code so far. */
    private int writeOutputs(BenchOptions options, Plan plan, BenchResults results) {
        int exit = Main.EXIT_OK;
        String reportPath = null;
        try {
            reportPath = HtmlReport.write(results, options.outDirectory()).toString();
        } catch (IOException | RuntimeException e) {
            err.println("offcut bench: cannot write the report into " + options.outDirectory() + ": " + e);
            exit = Main.EXIT_FAILURE;
        }
        // Notes the run itself added; the header showed the others.
        List<String> runNotes = results.plan().notes().stream().filter(note -> !plan.notes().contains(note)).toList();
        if (options.json()) {
            out.println(JsonReport.render(results, reportPath));
            runNotes.forEach(note -> err.println("note: " + note));
            if (reportPath != null) {
                err.println("report: " + reportPath);
            }
        } else {
            TableRenderer.printTables(results, out);
            TableRenderer.printFooter(results, runNotes, reportPath, out);
        }
        out.flush();
        return exit;
    }

    private void printList(Suite all) {
        out.println("workloads (group: name [metric, threads]):");
        for (Workload workload : all.workloads()) {
            out.println("  " + workload.group() + ": " + workload.name() + " [" + workload.metric().unit()
                        + (workload.threads() > 1 ? ", " + workload.threads() + " threads" : "") + "]");
        }
        out.println("subjects:");
        for (SubjectFactory subject : all.subjects()) {
            out.println("  " + subject.name() + (subject.name().equals(all.baseline()) ? " (baseline)" : "") + ": "
                        + subject.description());
            out.println("      can: " + String.join(", ", subject.capabilities().stream()
                    .map(c -> c.name().toLowerCase(Locale.ROOT)).sorted().toList())
                        + subject.unavailableReason().map(r -> "; unavailable: " + r).orElse(""));
        }
    }
}
