package dev.offcut.bench;

import java.util.Optional;

/**
 * One benchmark workload, runnable from the {@code bench} command and wrapped by the JMH classes.
 */
public interface Workload {

    /**
     * Returns the name shown in tables, e.g. {@code "pair(64)"} or {@code "random-actions(1000, realloc)"}.
     *
     * @return the name, unique among workloads
     */
    String name();

    /**
     * Returns the group the workload belongs to: {@code pair}, {@code batch}, {@code random-actions},
     * {@code heap-efficiency}, {@code percentiles}, {@code high-alignment} or {@code cross-thread}. The bench command
     * prints one table per group.
     *
     * @return the group
     */
    String group();

    /**
     * Returns how to read the result.
     *
     * @return the metric
     */
    Metric metric();

    /**
     * Returns the number of threads the workload uses (subjects must be thread-safe when above 1).
     *
     * @return 1 or more
     */
    int threads();

    /**
     * Tells why the workload does not apply to a subject (a capability it lacks), whether or not the subject can
     * run on this machine.
     *
     * @param subject the subject's factory
     * @return what the subject lacks, in words, or empty if the workload applies
     */
    Optional<String> refusal(SubjectFactory subject);

    /**
     * Tells whether the workload can run on a subject.
     *
     * @param subject the subject's factory
     * @return {@code true} if the subject has every capability the workload needs
     */
    default boolean accepts(SubjectFactory subject) {
        return refusal(subject).isEmpty();
    }

    /**
     * Runs the workload on fresh subjects of {@code subject}.
     *
     * @param subject  the subject to measure
     * @param settings how long and how often to measure
     * @return the measurement
     */
    Measurement run(SubjectFactory subject, RunSettings settings);
}
