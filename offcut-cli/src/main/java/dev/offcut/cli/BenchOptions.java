package dev.offcut.cli;

import dev.offcut.bench.RunSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The options of {@code offcut bench}, parsed from its arguments.
 *
 * @param workloadPatterns names or groups of the workloads to run; empty for the default selection
 * @param subjectPatterns  names (or name prefixes) of the subjects to run; empty for all of them
 * @param mode             how long to measure
 * @param json             print machine-readable results on stdout instead of tables
 * @param outDirectory     where the HTML report goes
 * @param seed             the seed of every random generator; empty for the settings' own seed
 * @param list             only list workloads and subjects
 * @param help             only print the usage
 * @param fork             run each subject in its own JVM (the default); {@code false} with {@code --no-fork}
 * @param childSubject     the hidden child mode of a forked run: the one subject to run ({@link ChildRun})
 * @param childSettings    the child's settings, exactly as the parent's
 */
public record BenchOptions(List<String> workloadPatterns, List<String> subjectPatterns, Mode mode, boolean json,
                           Path outDirectory, OptionalLong seed, boolean list, boolean help, boolean fork,
                           Optional<String> childSubject, Optional<RunSettings> childSettings) {

    /** The report directory when {@code --out} is not given, relative to the working directory. */
    public static final Path DEFAULT_OUT_DIRECTORY = Path.of("offcut-report");

    /** How long the run measures; each mode maps to one of the bench module's {@code RunSettings}. */
    public enum Mode {
        /** The default: about a minute. */
        QUICK,
        /** {@code --full}: every workload with talc-like trial lengths. */
        FULL,
        /** {@code --smoke}: tiny settings for CI, only proves that every pair runs. */
        SMOKE
    }

    /** The usage text of {@code offcut bench}. */
    public static final String USAGE = """
            Usage: offcut bench [options]
              Compares allocators on talc-like workloads, prints one table per workload group with each
              subject's result and its ratio to the baseline (malloc through the Linker), and writes a
              self-contained HTML report.

            Options:
              --workloads LIST  comma-separated workload names, name prefixes or groups
                                (e.g. pair,random-actions), or 'all'; default: what fits in about a minute
              --subjects LIST   comma-separated subject names or name prefixes (e.g. offcut-binned,malloc);
                                default: all; the baseline is always added
              --full            run every workload with longer trials (several minutes)
              --smoke           tiny settings for CI: proves every pair runs, numbers mean nothing
              --json            print the results as JSON on stdout instead of tables
              --out DIR         directory of the HTML report (default: offcut-report)
              --seed N          seed of the random generators (default: the settings' seed)
              --no-fork         run every subject in this JVM (for debugging: results then depend on the
                                order subjects run in); by default each subject runs in its own JVM
              --list            list workloads and subjects, then exit
              -h, --help        print this help, then exit

            Progress goes to stderr. The default run picks, before it starts, the workloads that fit in about
            a minute (every group at least once, then more in priority order) and says which it left out.
            Each subject runs in a JVM of its own, like JMH's forks, with all its workloads.
            Exit status: 0 done, 1 some pair failed or the report could not be written, 2 bad command line.
            """;

    /**
     * Parses the arguments that follow {@code bench}.
     *
     * @param args the arguments
     * @return the options
     * @throws UsageException naming the first bad argument and what was expected
     */
    public static BenchOptions parse(List<String> args) throws UsageException {
        List<String> workloads = List.of();
        List<String> subjects = List.of();
        boolean full = false;
        boolean smoke = false;
        boolean json = false;
        Path out = DEFAULT_OUT_DIRECTORY;
        OptionalLong seed = OptionalLong.empty();
        boolean list = false;
        boolean help = false;
        boolean fork = true;
        Optional<String> childSubject = Optional.empty();
        Optional<RunSettings> childSettings = Optional.empty();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String option = arg;
            String inlineValue = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                option = arg.substring(0, equals);
                inlineValue = arg.substring(equals + 1);
            }
            switch (option) {
                case "--workloads" -> {
                    String value = inlineValue != null ? inlineValue : valueOf(args, i++, option, "a comma-separated list of workload names or groups");
                    workloads = splitList(option, value);
                }
                case "--subjects" -> {
                    String value = inlineValue != null ? inlineValue : valueOf(args, i++, option, "a comma-separated list of subject names");
                    subjects = splitList(option, value);
                }
                case "--out" -> {
                    String value = inlineValue != null ? inlineValue : valueOf(args, i++, option, "a directory");
                    if (value.isBlank()) {
                        throw new UsageException(option + " expects a directory, got an empty value");
                    }
                    out = Path.of(value);
                }
                case "--seed" -> {
                    String value = inlineValue != null ? inlineValue : valueOf(args, i++, option, "an integer");
                    try {
                        seed = OptionalLong.of(Long.decode(value));
                    } catch (NumberFormatException e) {
                        throw new UsageException(option + " expects an integer, got '" + value + "'");
                    }
                }
                case ChildRun.CHILD_OPTION -> childSubject = Optional.of(
                        inlineValue != null ? inlineValue : valueOf(args, i++, option, "a subject name"));
                case ChildRun.SETTINGS_OPTION -> childSettings = Optional.of(ChildRun.parseSettings(
                        inlineValue != null ? inlineValue : valueOf(args, i++, option, "settings")));
                case "--no-fork" -> fork = !flag(option, inlineValue);
                case "--full" -> full = flag(option, inlineValue);
                case "--smoke" -> smoke = flag(option, inlineValue);
                case "--json" -> json = flag(option, inlineValue);
                case "--list" -> list = flag(option, inlineValue);
                case "-h", "--help" -> help = flag(option, inlineValue);
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option '" + arg + "'; expected one of --workloads, --subjects, --full, --smoke, "
                          + "--json, --out, --seed, --no-fork, --list, --help"
                        : "unexpected argument '" + arg + "'; bench takes only options");
            }
        }
        if (full && smoke) {
            throw new UsageException("--full and --smoke exclude each other; give at most one");
        }
        Mode mode = full ? Mode.FULL : smoke ? Mode.SMOKE : Mode.QUICK;
        return new BenchOptions(workloads, subjects, mode, json, out, seed, list, help, fork, childSubject,
                childSettings);
    }

    private static String valueOf(List<String> args, int index, String option, String expected)
            throws UsageException {
        if (index + 1 >= args.size() || args.get(index + 1).startsWith("--")) {
            throw new UsageException(option + " expects " + expected);
        }
        return args.get(index + 1);
    }

    private static boolean flag(String option, String inlineValue) throws UsageException {
        if (inlineValue != null) {
            throw new UsageException(option + " takes no value, got '" + inlineValue + "'");
        }
        return true;
    }

    /**
     * Splits at commas outside parentheses: workload names such as {@code random-actions(200, realloc)} contain
     * commas of their own.
     */
    private static List<String> splitList(String option, String value) throws UsageException {
        List<String> raw = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (c == ',' && depth == 0) {
                raw.add(value.substring(start, i));
                start = i + 1;
            }
        }
        raw.add(value.substring(start));
        List<String> items = new ArrayList<>();
        for (String item : raw) {
            String trimmed = item.strip();
            if (trimmed.isEmpty()) {
                throw new UsageException(option + " expects a comma-separated list without empty items, got '"
                                         + value + "'");
            }
            items.add(trimmed);
        }
        return List.copyOf(items);
    }
}
