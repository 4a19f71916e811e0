package dev.offcut.cli;

import dev.offcut.bench.Catalog;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The {@code offcut} command: {@code offcut bench [options]} compares allocators, {@code offcut report FILE} renders
 * a saved {@code bench --json} run as Markdown, {@code offcut demo} shows the API.
 */
public final class Main {

    /** Exit code of a successful run. */
    public static final int EXIT_OK = 0;
    /** Exit code when the command ran but something failed (a benchmark pair, writing the report). */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a command line that cannot run: unknown subcommand or option, bad value. */
    public static final int EXIT_USAGE = 2;

    /** The usage text of {@code offcut}. */
    public static final String USAGE = """
            Usage: offcut <command> [options]
              bench [options]   compare allocators on talc-like workloads (about a minute; --help for options)
              report FILE       render the JSON of 'bench --json' (saved in FILE) as Markdown on stdout
              demo              allocate, write, reallocate and free a block, print the statistics
              help              print this help
            """;

    private Main() {
    }

    /**
     * Runs the command and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        if (List.of(args).contains(ChildRun.CHILD_OPTION)) {
            // A forked child's stdout carries its results: whatever else prints to System.out goes to stderr.
            System.setOut(System.err);
        }
        int code = run(args, out, System.err);
        System.out.flush();
        System.err.flush();
        // Exit explicitly: a benchmark's worker threads must not keep the JVM alive.
        System.exit(code);
    }

    /**
     * Runs the command in-process on the standard catalog.
     *
     * @param args the command line
     * @param out  standard output
     * @param err  standard error
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        // Before any subject class loads: system properties the subjects read once (Netty's, say).
        JvmFlags.applySystemProperties(Catalog.JVM_FLAGS);
        return run(args, out, err, Progress.stderrLooksLikeTerminal(), Suite::standard, Catalog.JVM_FLAGS);
    }

    /**
     * Runs the command in-process.
     *
     * @param args     the command line
     * @param out      standard output
     * @param err      standard error
     * @param terminal whether {@code err} is a terminal
     * @param suite    supplies what {@code bench} runs
     * @param jvmFlags the JVM flags the suite's subjects need
     * @return the exit code
     */
    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal, Supplier<Suite> suite,
                   List<String> jvmFlags) {
        List<String> all = List.of(args);
        if (args.length == 0) {
            err.print(USAGE);
            return EXIT_USAGE;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        return switch (args[0]) {
            case "bench" -> new BenchCommand(out, err, terminal, suite, jvmFlags).run(all, rest);
            case "report" -> MarkdownReport.run(rest, out, err);
            case "demo" -> rest.isEmpty() ? Demo.run(out) : usageError(err, "demo", "demo takes no arguments, got '"
                                                                                  + rest.getFirst() + "'");
            case "help", "-h", "--help" -> {
                out.print(USAGE);
                yield EXIT_OK;
            }
            default -> usageError(err, null, "unknown command '" + args[0] + "'; expected bench, report, demo or help");
        };
    }

    /**
     * Reports a bad command line: one line naming the problem, one with a usage hint.
     *
     * @param err        where to print
     * @param subcommand the subcommand, or {@code null}
     * @param message    the problem, naming the option and what is expected
     * @return {@link #EXIT_USAGE}
     */
    static int usageError(PrintStream err, String subcommand, String message) {
        String command = subcommand == null ? "offcut" : "offcut " + subcommand;
        err.println(command + ": " + message);
        err.println("Try '" + command + " --help'.");
        return EXIT_USAGE;
    }
}
