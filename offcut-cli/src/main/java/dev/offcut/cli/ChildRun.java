package dev.offcut.cli;

import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The child side of {@link ForkedRunner}: {@code bench --child <subject> --child-settings t,w,m,seed --workloads
 * <names>} runs those workloads on that one subject, in order, in this JVM. Before each pair it writes
 * {@value #PROGRESS_PREFIX}{@code <workload>} on stderr; after it, {@value #RESULT_PREFIX}{@code <json>} on stdout
 * ({@link PairCodec}), so a crash loses only the pairs not yet reported. Hidden from the usage text: only the parent
 * calls it.
 */
final class ChildRun {

    /** The hidden option naming the subject of a child run. */
    static final String CHILD_OPTION = "--child";
    /** The hidden option carrying the parent's settings exactly. */
    static final String SETTINGS_OPTION = "--child-settings";
    /** Starts a stderr line announcing a pair. */
    static final String PROGRESS_PREFIX = "offcut-child-progress: ";
    /** Starts a stdout line carrying a result. */
    static final String RESULT_PREFIX = "offcut-child-result: ";

    private ChildRun() {
    }

    /**
     * Returns the arguments after {@code dev.offcut.cli.Main} that make a child run these pairs.
     *
     * @param subject   the subject's exact name
     * @param workloads the workloads, in order
     * @param settings  the settings
     * @return the arguments
     */
    static List<String> arguments(String subject, List<Workload> workloads, RunSettings settings) {
        List<String> names = workloads.stream().map(Workload::name).toList();
        return List.of("bench", CHILD_OPTION, subject, SETTINGS_OPTION, settings.trials() + ","
                       + settings.warmupMillis() + "," + settings.measureMillis() + "," + settings.seed(),
                "--workloads", String.join(",", names));
    }

    /**
     * Parses the value of {@value #SETTINGS_OPTION}.
     *
     * @param value {@code trials,warmupMillis,measureMillis,seed}
     * @return the settings
     * @throws UsageException when it is not four integers
     */
    static RunSettings parseSettings(String value) throws UsageException {
        String[] parts = value.split(",");
        try {
            if (parts.length == 4) {
                return new RunSettings(Integer.parseInt(parts[0]), Long.parseLong(parts[1]),
                        Long.parseLong(parts[2]), Long.parseLong(parts[3]));
            }
        } catch (NumberFormatException e) {
            // fall through to the usage error
        }
        throw new UsageException(SETTINGS_OPTION + " expects trials,warmupMillis,measureMillis,seed, got '"
                                 + value + "'");
    }

    /**
     * Runs a child's pairs.
     *
     * @param options the parsed options, with a child subject
     * @param suite   the suite
     * @param out     where results go (the real stdout)
     * @param err     where progress goes
     * @return the exit code: {@link Main#EXIT_OK} once every pair reported, whatever their status
     * @throws UsageException when the subject or a workload is not in the suite
     */
    static int run(BenchOptions options, Suite suite, PrintStream out, PrintStream err) throws UsageException {
        String name = options.childSubject().orElseThrow();
        SubjectFactory subject = suite.subjects().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new UsageException(CHILD_OPTION + ": no subject named '" + name + "'"));
        List<Workload> workloads = new ArrayList<>();
        for (String pattern : options.workloadPatterns()) {
            workloads.add(suite.workloads().stream().filter(w -> w.name().equals(pattern)).findFirst()
                    .orElseThrow(() -> new UsageException(CHILD_OPTION + ": no workload named '" + pattern + "'")));
        }
        RunSettings settings = options.childSettings().orElseThrow(
                () -> new UsageException(CHILD_OPTION + " needs " + SETTINGS_OPTION));
        InProcessRunner runner = new InProcessRunner(System::nanoTime);
        for (Workload workload : workloads) {
            List<PairResult> result = runner.run(subject, List.of(workload), settings, started -> {
                err.println(PROGRESS_PREFIX + started);
                err.flush();
            });
            out.println(RESULT_PREFIX + PairCodec.encode(result.getFirst()));
            out.flush();
        }
        return Main.EXIT_OK;
    }
}
