package dev.offcut.cli;

import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.List;
import java.util.function.Consumer;

/**
 * Runs all selected workloads of one subject, in order: in a forked JVM of its own ({@link ForkedRunner}, the
 * default) or in this JVM ({@link InProcessRunner}, {@code --no-fork}).
 */
interface SubjectRunner {

    /**
     * Runs the pairs of one subject.
     *
     * @param subject   the subject, available and not broken
     * @param workloads the workloads to run on it, each accepting it, in run order
     * @param settings  how long to measure
     * @param starting  told each workload's name as its pair starts (for the progress line)
     * @return one result per workload, in the same order, without ratios
     */
    List<PairResult> run(SubjectFactory subject, List<Workload> workloads, RunSettings settings,
                         Consumer<String> starting);

    /**
     * Describes how subjects are isolated, for the output's header.
     *
     * @return one sentence
     */
    String isolation();
}
