package dev.offcut.cli;

import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Runs each subject in a JVM of its own, as JMH forks: {@code java <flags> -cp <this class path> dev.offcut.cli.Main
 * bench --child <subject> ...} runs the subject's workloads in order ({@link ChildRun}) and reports each result as a
 * line on its stdout, its progress on stderr. So every subject is measured from a fresh JIT state: call sites in the
 * workloads see one subject class only, whatever ran before.
 *
 * <p>Flags of the child: the subjects' {@code Catalog.JVM_FLAGS}, plus this JVM's own {@code -X...} options (heap
 * size, GC choice) so a user's tuning carries over. A child that crashes, hangs past its time limit or prints
 * nonsense turns the pairs it did not report into failed rows naming the cause; the run goes on.
 */
final class ForkedRunner implements SubjectRunner {

    private static final int KEPT_STDERR_LINES = 5;

    private final List<String> command;
    private final BiConsumer<String, String> relay;

    /**
     * Creates a runner that launches children like this JVM.
     *
     * @param jvmFlags the flags the subjects need
     * @param relay    where the children's other stderr lines go (warnings, crashes), with the child's subject
     */
    ForkedRunner(List<String> jvmFlags, BiConsumer<String, String> relay) {
        this.command = childJvm(jvmFlags);
        this.relay = relay;
    }

    /** Returns {@code java <flags> -cp <class path> dev.offcut.cli.Main}. */
    static List<String> childJvm(List<String> jvmFlags) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmFlags);
        for (String argument : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("-X") && !command.contains(argument)) {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        return List.copyOf(command);
    }

    @Override
    public String isolation() {
        return "each subject runs in its own forked JVM (" + String.join(" ", command.subList(1, command.size() - 3))
               + "), its workloads one after another; subjects one at a time, so no subject's JIT profile affects "
               + "another's";
    }

    @Override
    public List<PairResult> run(SubjectFactory subject, List<Workload> workloads, RunSettings settings,
                                Consumer<String> starting) {
        List<String> arguments = new ArrayList<>(command);
        arguments.addAll(ChildRun.arguments(subject.name(), workloads, settings));
        Map<String, PairResult> reported = new LinkedHashMap<>();
        Deque<String> lastErrors = new ArrayDeque<>();
        String trouble;
        try {
            Process child = new ProcessBuilder(arguments).start();
            child.getOutputStream().close();
            Thread stderr = Thread.ofPlatform().daemon().name("offcut-child-stderr").start(() ->
                    readLines(child.getErrorStream(), line -> onStderr(line, subject, starting, lastErrors)));
            List<String> badLines = new ArrayList<>();
            Thread stdout = Thread.ofPlatform().daemon().name("offcut-child-stdout").start(() ->
                    readLines(child.getInputStream(), line -> onStdout(line, subject, workloads, reported, badLines)));
            Duration limit = timeLimit(workloads, settings);
            boolean exited = child.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                child.destroyForcibly().waitFor();
            }
            stdout.join();
            stderr.join();
            if (!exited) {
                trouble = "the child JVM took longer than " + limit.toSeconds() + " s and was killed";
            } else if (!badLines.isEmpty()) {
                trouble = "the child JVM sent a bad result line: " + badLines.getFirst();
            } else if (child.exitValue() != 0) {
                trouble = "the child JVM exited with code " + child.exitValue();
            } else {
                trouble = "the child JVM did not report this pair";
            }
        } catch (IOException | UncheckedIOException e) {
            trouble = "cannot start the child JVM " + arguments.getFirst() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            trouble = "interrupted while waiting for the child JVM";
        }
        String detail;
        synchronized (lastErrors) {
            detail = lastErrors.isEmpty() ? "" : " (its stderr ended: " + String.join(" | ", lastErrors) + ")";
        }
        List<PairResult> results = new ArrayList<>();
        for (Workload workload : workloads) {
            PairResult result = reported.get(workload.name());
            results.add(result != null ? result : PairResult.skipped(workload, subject.name(),
                    PairResult.Status.FAILED, trouble + detail, 0));
        }
        return results;
    }

    /** Generous: a child that takes ten times its estimate plus two minutes is stuck, not slow. */
    private static Duration timeLimit(List<Workload> workloads, RunSettings settings) {
        return Selection.pairTime(settings).multipliedBy(10L * workloads.size()).plusMinutes(2);
    }

    private void onStderr(String line, SubjectFactory subject, Consumer<String> starting,
                          Deque<String> lastErrors) {
        if (line.startsWith(ChildRun.PROGRESS_PREFIX)) {
            starting.accept(line.substring(ChildRun.PROGRESS_PREFIX.length()));
            return;
        }
        synchronized (lastErrors) {
            lastErrors.addLast(line.strip());
            if (lastErrors.size() > KEPT_STDERR_LINES) {
                lastErrors.removeFirst();
            }
        }
        relay.accept(subject.name(), line);
    }

    private static void onStdout(String line, SubjectFactory subject, List<Workload> workloads,
                                 Map<String, PairResult> reported, List<String> badLines) {
        if (!line.startsWith(ChildRun.RESULT_PREFIX)) {
            return; // Native code may write to fd 1 directly; only prefixed lines are results.
        }
        try {
            PairResult result = PairCodec.decode(line.substring(ChildRun.RESULT_PREFIX.length()), subject.name(),
                    workloads);
            reported.put(result.workload().name(), result);
        } catch (IllegalArgumentException e) {
            badLines.add(e.getMessage());
        }
    }

    private static void readLines(InputStream stream, Consumer<String> onLine) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                onLine.accept(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
