package dev.offcut.bench;

import dev.offcut.bench.subject.OffcutSubjects;
import dev.offcut.bench.workload.Applicability;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subject runs or says why; every workload runs on a few subjects with {@link RunSettings#SMOKE} and gives a
 * sane value. No timing is asserted (two noisy cores): only that values are finite, positive, and percentages are
 * percentages.
 */
class CatalogSmokeTest {

    /** Subjects tried first for each workload; the first two that apply are run. */
    private static final List<String> PREFERRED = List.of("offcut-binned", Catalog.BASELINE,
            "offcut-locked-binned", "offcut-free-list", "slicingAllocator", "offcut-bump", "Arena.ofShared per block",
            "jemalloc (LWJGL)");

    private static final Set<String> GROUPS = Set.of("pair", "batch", "random-actions", "heap-efficiency",
            "percentiles", "high-alignment", "cross-thread", "threads");

    @Test
    void namesAreUniqueAndTheBaselineIsASubject() {
        List<String> subjects = Catalog.subjects().stream().map(SubjectFactory::name).toList();
        List<String> workloads = Catalog.workloads().stream().map(Workload::name).toList();
        assertEquals(subjects.size(), new HashSet<>(subjects).size(), "duplicate subject names: " + subjects);
        assertEquals(workloads.size(), new HashSet<>(workloads).size(), "duplicate workload names: " + workloads);
        assertTrue(subjects.contains(Catalog.BASELINE), "baseline missing from " + subjects);
        for (Workload workload : Catalog.workloads()) {
            assertTrue(GROUPS.contains(workload.group()), workload.name() + " has group " + workload.group());
            assertTrue(workload.threads() >= 1, workload.name());
        }
    }

    @Test
    void everyOffcutSubjectSlicingAndTheBaselineAreAvailableAndWork() {
        List<String> required = new ArrayList<>(OffcutSubjects.NAMES);
        required.add("slicingAllocator");
        required.add(Catalog.BASELINE);
        assertEquals(List.of("offcut-bump", "offcut-free-list", "offcut-binned", "offcut-binned-compact",
                "offcut-locked-binned", "offcut-concurrent", "offcut-arena", "offcut-concurrent-arena"),
                OffcutSubjects.NAMES);
        List<Runnable> checks = new ArrayList<>();
        for (String name : required) {
            SubjectFactory subject = Catalog.subject(name);
            checks.add(() -> assertEquals(Optional.empty(), subject.unavailableReason(), name + " unavailable"));
            checks.add(() -> assertEquals(Optional.empty(), subject.failure(), name + " broken"));
        }
        assertAll(checks.stream().map(check -> check::run));
    }

    @Test
    void everySubjectRunsOrSaysWhy() {
        Workload pair = Catalog.workload("pair(64)");
        List<String> problems = new ArrayList<>();
        for (SubjectFactory subject : Catalog.subjects()) {
            subject.failure().ifPresent(broken -> problems.add(subject.name() + " is broken: " + broken));
            Optional<String> why = subject.unavailableReason();
            if (why.isPresent()) {
                if (why.get().isBlank()) {
                    problems.add(subject.name() + " is unavailable without a reason");
                }
                Measurement skipped = pair.run(subject, RunSettings.SMOKE);
                if (skipped.ok() || !skipped.note().contains(why.get())) {
                    problems.add(subject.name() + ": skipped measurement does not carry the reason: " + skipped);
                }
                continue;
            }
            Measurement measured = pair.run(subject, RunSettings.SMOKE);
            if (!measured.ok() || !(measured.value() > 0) || Double.isInfinite(measured.value())) {
                problems.add(subject.name() + ": pair(64) gave " + measured.value() + " (" + measured.note() + ")");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyWorkloadRunsOnTwoSubjectsWithSaneValues() {
        List<String> problems = new ArrayList<>();
        for (Workload workload : Catalog.workloads()) {
            List<SubjectFactory> chosen = chooseSubjects(workload);
            if (chosen.isEmpty()) {
                problems.add(workload.name() + ": no preferred subject can run it");
            }
            for (SubjectFactory subject : chosen) {
                Measurement m = workload.run(subject, RunSettings.SMOKE);
                String where = workload.name() + " on " + subject.name() + ": ";
                if (!m.ok()) {
                    problems.add(where + "no value (" + m.note() + ")");
                    continue;
                }
                assertEquals(workload.metric(), m.metric(), where);
                assertEquals(workload.name(), m.workload(), where);
                assertEquals(subject.name(), m.subject(), where);
                if (!Double.isFinite(m.value()) || !(m.value() > 0) || !Double.isFinite(m.error())) {
                    problems.add(where + "value " + m.value() + " +- " + m.error());
                }
                if (m.metric() == Metric.PERCENT && m.value() > 100) {
                    problems.add(where + "percent " + m.value());
                }
                if (m.metric() == Metric.PERCENTILES) {
                    checkPercentiles(where + "alloc ", m.allocPercentiles(), problems);
                    checkPercentiles(where + "free ", m.freePercentiles(), problems);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void workloadsRefuseSubjectsWithoutTheCapabilityAndSayWhy() {
        Measurement bumpRandom = Catalog.workload("random-actions(200, realloc)")
                .run(Catalog.subject("offcut-bump"), RunSettings.SMOKE);
        assertFalse(bumpRandom.ok());
        assertTrue(bumpRandom.note().contains("FREES"), bumpRandom.note());
        Measurement byteArrayAlignment = Catalog.workload("high-alignment(4096)")
                .run(Catalog.subject("byte[] (GC)"), RunSettings.SMOKE);
        assertFalse(byteArrayAlignment.ok());
        assertTrue(byteArrayAlignment.note().contains("alignment"), byteArrayAlignment.note());
        Measurement mallocHeap = Catalog.workload("heap-efficiency(10000)")
                .run(Catalog.subject(Catalog.BASELINE), RunSettings.SMOKE);
        assertFalse(mallocHeap.ok());
        assertTrue(mallocHeap.note().contains("FIXED_HEAP"), mallocHeap.note());
    }

    @Test
    void jvmFlagsMatchThePom() {
        String fromPom = System.getProperty("offcut.bench.jvmFlags");
        if (fromPom == null) {
            return; // run outside Maven: nothing to compare with
        }
        assertEquals(List.of(fromPom.trim().split("\\s+")), Catalog.JVM_FLAGS);
    }

    @Test
    void jmhParametersNameCatalogSubjects() throws ReflectiveOperationException {
        Set<String> names = new LinkedHashSet<>();
        Catalog.subjects().forEach(subject -> names.add(subject.name()));
        record Bench(String type, String field, String workload) {
        }
        List<Bench> benches = List.of(
                new Bench("dev.offcut.bench.jmh.PairBench", "subject", "pair(64)"),
                new Bench("dev.offcut.bench.jmh.BatchBench", "subject", "batch(4096 x 8..1024)"),
                new Bench("dev.offcut.bench.jmh.RandomActionsBench", "subject", "random-actions(200, realloc)"),
                new Bench("dev.offcut.bench.jmh.RandomActionsSharedBench$Shared", "subject",
                        "random-actions(200, realloc, 2 threads)"),
                new Bench("dev.offcut.bench.jmh.HighAlignmentBench$Params", "subject", "high-alignment(4096)"),
                new Bench("dev.offcut.bench.jmh.CrossThreadBench", "subject", "cross-thread(8..1024)"),
                new Bench("dev.offcut.bench.jmh.RoundsBench", "subject", "pairs(64, 2 threads)"));
        List<Runnable> checks = new ArrayList<>();
        for (Bench bench : benches) {
            Field field = Class.forName(bench.type()).getField(bench.field());
            Set<String> params = new LinkedHashSet<>(Arrays.asList(field.getAnnotation(Param.class).value()));
            Workload workload = Catalog.workload(bench.workload());
            Set<String> applicable = new LinkedHashSet<>();
            for (SubjectFactory subject : Catalog.subjects()) {
                if (Applicability.notApplicable(workload, subject).isEmpty()) {
                    applicable.add(subject.name());
                }
            }
            checks.add(() -> assertEquals(applicable, params, bench.type() + " parameters"));
            Class<?> benchClass = Class.forName(bench.type().replaceFirst("\\$.*", ""));
            List<String> forkFlags = Arrays.asList(benchClass.getAnnotation(Fork.class).jvmArgsAppend());
            checks.add(() -> assertTrue(forkFlags.containsAll(Catalog.JVM_FLAGS),
                    benchClass.getSimpleName() + " forks with " + forkFlags + ", not all of " + Catalog.JVM_FLAGS));
        }
        assertAll(checks.stream().map(check -> check::run));
    }

    private static List<SubjectFactory> chooseSubjects(Workload workload) {
        List<SubjectFactory> chosen = new ArrayList<>();
        for (String name : PREFERRED) {
            SubjectFactory subject = Catalog.subject(name);
            if (chosen.size() < 2 && Applicability.whyNot(workload, subject).isEmpty()) {
                chosen.add(subject);
            }
        }
        return chosen;
    }

    private static void checkPercentiles(String where, double[] percentiles, List<String> problems) {
        if (percentiles.length != 5) {
            problems.add(where + "has " + percentiles.length + " percentiles");
            return;
        }
        for (int i = 0; i < percentiles.length; i++) {
            if (!Double.isFinite(percentiles[i]) || percentiles[i] < 0
                    || (i > 0 && percentiles[i] < percentiles[i - 1])) {
                problems.add(where + Arrays.toString(percentiles));
                return;
            }
        }
    }
}
