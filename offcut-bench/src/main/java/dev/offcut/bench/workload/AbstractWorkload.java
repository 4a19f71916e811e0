package dev.offcut.bench.workload;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What every workload shares: its identity, the capability check, and turning a failure into a measurement
 * instead of an exception (a subject that cannot run says why, it is never dropped).
 */
abstract class AbstractWorkload implements Workload {

    private final String name;
    private final String group;
    private final Metric metric;
    private final int threads;
    private final Set<Capability> required;
    private final boolean resetsSuffice;
    private final long neededByteAlignment;

    /**
     * @param required            capabilities a subject needs
     * @param resetsSuffice       whether a subject that {@link SubjectFactory#resets()} may stand in for
     *                            {@link Capability#FREES}
     * @param neededByteAlignment an alignment the subject must honour, or 0 when ignoring it only earns a note
     */
    AbstractWorkload(String name, String group, Metric metric, int threads, Set<Capability> required,
                     boolean resetsSuffice, long neededByteAlignment) {
        this.name = name;
        this.group = group;
        this.metric = metric;
        this.threads = threads;
        this.required = required.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(required);
        this.resetsSuffice = resetsSuffice;
        this.neededByteAlignment = neededByteAlignment;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String group() {
        return group;
    }

    @Override
    public final Metric metric() {
        return metric;
    }

    @Override
    public final int threads() {
        return threads;
    }

    @Override
    public final Optional<String> refusal(SubjectFactory subject) {
        Set<Capability> has = subject.capabilities();
        for (Capability needed : required) {
            if (has.contains(needed)) {
                continue;
            }
            if (needed == Capability.FREES && resetsSuffice && subject.resets()) {
                continue;
            }
            return Optional.of("needs " + needed + (needed == Capability.FREES && resetsSuffice
                    ? " (or reset)" : ""));
        }
        if (threads > 1 && !has.contains(Capability.THREAD_SAFE)) {
            return Optional.of("needs " + Capability.THREAD_SAFE);
        }
        if (subject.maxByteAlignment() < neededByteAlignment) {
            return Optional.of("ignores alignments above " + subject.maxByteAlignment() + " B, needs "
                    + neededByteAlignment);
        }
        return Optional.empty();
    }

    @Override
    public final Measurement run(SubjectFactory subject, RunSettings settings) {
        Optional<String> unavailable = subject.unavailableReason();
        if (unavailable.isPresent()) {
            return Measurement.skipped(this, subject.name(), "unavailable: " + unavailable.get());
        }
        Optional<String> refused = refusal(subject);
        if (refused.isPresent()) {
            return Measurement.skipped(this, subject.name(), "not applicable: " + refused.get());
        }
        Optional<String> broken = subject.failure();
        if (broken.isPresent()) {
            return Measurement.skipped(this, subject.name(), "failed: " + broken.get());
        }
        try {
            return measure(subject, settings);
        } catch (Throwable failure) {
            return Measurement.skipped(this, subject.name(), "failed: "
                    + dev.offcut.bench.subject.Factory.describe(failure));
        }
    }

    /**
     * Measures an accepted, available subject.
     *
     * @param subject  the subject
     * @param settings how long
     * @return the measurement
     * @throws Exception when the run fails (reported as a failed measurement)
     */
    abstract Measurement measure(SubjectFactory subject, RunSettings settings) throws Exception;

    /**
     * Builds a measurement from per-trial values: their mean and the 95 % confidence interval of it.
     *
     * @param subject the subject
     * @param values  one value per trial
     * @param note    detail for the reader
     * @return the measurement
     */
    final Measurement fromTrials(SubjectFactory subject, double[] values, String note) {
        return new Measurement(name, group, subject.name(), metric, mean(values), Stats.halfWidth95(values),
                values.length, new double[0], new double[0], note);
    }

    /**
     * Returns a note on alignments the subject ignores, or an empty string.
     *
     * @param subject          the subject
     * @param maxByteAlignment the largest alignment the workload asks for
     * @return the note
     */
    static String alignmentNote(SubjectFactory subject, long maxByteAlignment) {
        return subject.maxByteAlignment() < maxByteAlignment
                ? "alignments above " + subject.maxByteAlignment() + " B requested but not honoured by this subject"
                : "";
    }

    static String join(String... notes) {
        StringBuilder joined = new StringBuilder();
        for (String note : notes) {
            if (!note.isEmpty()) {
                if (!joined.isEmpty()) {
                    joined.append("; ");
                }
                joined.append(note);
            }
        }
        return joined.toString();
    }

    static double mean(double[] values) {
        return Stats.mean(values);
    }

    static long millisToNanos(long millis) {
        return millis * 1_000_000L;
    }

    /**
     * Fails a workload on an allocation that must not fail.
     *
     * @param byteSize      what was asked
     * @param byteAlignment with what alignment
     * @return the error to throw
     */
    static IllegalStateException outOfMemory(long byteSize, long byteAlignment) {
        return new IllegalStateException("subject returned 0 for " + byteSize + " bytes aligned to "
                + byteAlignment);
    }
}
