package dev.offcut.cli;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A suite of fake subjects and workloads for testing the command without measuring anything: values are made up
 * from the names, one subject is unavailable, one throws, one workload rejects a subject, and names contain markup
 * to prove the report escapes them.
 */
final class FakeSuite {

    static final String BASELINE = "malloc (Linker)";
    static final String HOSTILE = "evil<script>&\"'";

    private FakeSuite() {
    }

    static Suite suite() {
        List<SubjectFactory> subjects = List.of(
                new FakeSubject(BASELINE, EnumSet.allOf(Capability.class), Optional.empty(), 1.0),
                new FakeSubject("offcut-fake", EnumSet.of(Capability.FREES, Capability.FIXED_HEAP), Optional.empty(),
                        0.5),
                new FakeSubject("bump-fake", EnumSet.noneOf(Capability.class), Optional.empty(), 0.25),
                new FakeSubject("missing-fake", EnumSet.allOf(Capability.class),
                        Optional.of("libmissing.so not found"), 1),
                new FakeSubject(HOSTILE, EnumSet.allOf(Capability.class), Optional.empty(), -1));
        List<Workload> workloads = List.of(
                new FakeWorkload("pair(16)", "pair", Metric.NANOS_PER_OP, 10),
                new FakeWorkload("pair(64)", "pair", Metric.NANOS_PER_OP, 20),
                new FakeWorkload("pair(256)", "pair", Metric.NANOS_PER_OP, 30),
                new FakeWorkload("heap-efficiency", "heap-efficiency", Metric.PERCENT, 90),
                new FakeWorkload("percentiles", "percentiles", Metric.PERCENTILES, 40),
                new FakeWorkload("high-alignment", "high-alignment", Metric.RATIO, 1.5));
        return new Suite(subjects, workloads, BASELINE);
    }

    /** A subject whose factor scales the workloads' base values; a negative factor makes every run throw. */
    record FakeSubject(String name, Set<Capability> capabilities, Optional<String> unavailableReason, double factor)
            implements SubjectFactory {

        @Override
        public String description() {
            return "fake subject " + name;
        }

        @Override
        public Subject open(long heapByteSize) {
            throw new UnsupportedOperationException("fake subjects are never opened");
        }
    }

    /** A workload that needs {@link Capability#FREES} and returns its base value times the subject's factor. */
    record FakeWorkload(String name, String group, Metric metric, double base) implements Workload {

        @Override
        public int threads() {
            return 1;
        }

        @Override
        public Optional<String> refusal(SubjectFactory subject) {
            return subject.capabilities().contains(Capability.FREES) ? Optional.empty() : Optional.of("needs FREES");
        }

        @Override
        public Measurement run(SubjectFactory subject, RunSettings settings) {
            double factor = ((FakeSubject) subject).factor();
            if (factor < 0) {
                throw new IllegalStateException("broken <heap> at offset 64\nsecond line");
            }
            double value = metric == Metric.PERCENT ? base * (factor == 1 ? 1 : 0.9) : base * factor;
            double[] percentiles = metric == Metric.PERCENTILES
                    ? new double[] {value / 2, value * 0.8, value, value * 1.3, value * 10} : new double[0];
            return new Measurement(name, group, subject.name(), metric, value, value / 10, 5, percentiles,
                    percentiles.clone(), "");
        }
    }
}
