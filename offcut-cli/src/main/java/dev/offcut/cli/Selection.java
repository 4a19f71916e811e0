package dev.offcut.cli;

import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import dev.offcut.bench.workload.ThreadedWorkload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@link BenchOptions} and a {@link Suite} into a {@link Plan}: matches the {@code --workloads} and
 * {@code --subjects} patterns, and when no workloads are given in the default mode and running all of them would take
 * much more than a minute, picks before the run the workloads that fit in about a minute: the first of every group
 * in {@linkplain #priorityOrder priority order}, then more while the estimate stays within the budget; the
 * {@code threads} group (the multi-threaded workloads and footprints) runs whole beside that budget. The choice is
 * made up front because each subject runs all its workloads in one forked JVM: every subject must get the same
 * workloads, whatever the clock says when its turn comes.
 */
public final class Selection {

    /** What the default run (no {@code --workloads}, no {@code --full}) aims to take. */
    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(60);

    /**
     * Time a trial costs beyond its warm-up and measured time: opening a subject (mapping and pre-touching its heap),
     * generating inputs, closing, a workload's own setup. Calibrated on the 2-core development machine (a default run
     * of 95 pairs, 7 workloads x 17 forked subjects, took about 650 ms per pair and 300 ms per child JVM, beside
     * another JMH run); an estimate, the run reports the real duration.
     */
    static final long TRIAL_OVERHEAD_MILLIS = 35;

    /**
     * Time a pair's first trial spends waiting for the JIT beyond its fixed warm-up (a fresh JVM per subject compiles
     * each workload's loop anew). Calibrated like {@link #TRIAL_OVERHEAD_MILLIS}.
     */
    static final long FIRST_TRIAL_JIT_MILLIS = 225;

    /** Starting a child JVM and probing its subject. Calibrated like {@link #TRIAL_OVERHEAD_MILLIS}. */
    static final long CHILD_START_MILLIS = 300;

    private Selection() {
    }

    /**
     * Builds the plan.
     *
     * @param options the parsed options
     * @param suite   everything that can run
     * @return the plan
     * @throws UsageException when a pattern matches nothing
     */
    public static Plan plan(BenchOptions options, Suite suite) throws UsageException {
        RunSettings settings = settingsOf(options);
        List<SubjectFactory> subjects = selectSubjects(options.subjectPatterns(), suite);
        List<String> notes = new ArrayList<>();
        if (!options.subjectPatterns().isEmpty()
            && options.subjectPatterns().stream().noneMatch(p -> matchesSubject(p, suite.baseline()))) {
            notes.add("added the baseline '" + suite.baseline() + "': every ratio is taken against it");
        }
        List<Workload> workloads;
        if (!options.workloadPatterns().isEmpty()) {
            workloads = selectWorkloads(options.workloadPatterns(), suite.workloads());
        } else {
            workloads = suite.workloads();
            Duration estimate = estimate(workloads, subjects, settings, options.fork());
            if (options.mode() == BenchOptions.Mode.QUICK && estimate.compareTo(DEFAULT_BUDGET) > 0) {
                List<Workload> budgeted = suite.workloads().stream()
                        .filter(w -> !w.group().equals(ThreadedWorkload.GROUP)).toList();
                Set<Workload> chosen = new HashSet<>(withinBudget(budgeted, subjects, settings, options.fork(),
                        DEFAULT_BUDGET));
                // The threads group runs whole, beside the budget: its workloads are the target table.
                workloads = suite.workloads().stream()
                        .filter(w -> chosen.contains(w) || w.group().equals(ThreadedWorkload.GROUP)).toList();
                notes.add("default run: " + workloads.size() + " of " + suite.workloads().size() + " workloads, "
                          + "chosen to fit about " + DEFAULT_BUDGET.toSeconds() + " s, plus the whole "
                          + ThreadedWorkload.GROUP + " group (all would take about "
                          + estimate.toSeconds() + " s): every group at least once, then more in priority order; "
                          + "not run: " + notRun(suite.workloads(), workloads)
                          + " (--full or --workloads all runs them)");
            }
        }
        notes.add("estimated run time: about " + estimate(workloads, subjects, settings, options.fork()).toSeconds()
                  + " s");
        return new Plan(workloads, subjects, suite.baseline(), options.mode(), settings, notes);
    }

    /**
     * Returns the settings of a mode, with the seed overridden when {@code --seed} was given.
     *
     * @param options the options
     * @return the settings
     */
    static RunSettings settingsOf(BenchOptions options) {
        RunSettings base = switch (options.mode()) {
            case QUICK -> RunSettings.QUICK;
            case FULL -> RunSettings.FULL;
            case SMOKE -> RunSettings.SMOKE;
        };
        return options.seed().isPresent()
                ? new RunSettings(base.trials(), base.warmupMillis(), base.measureMillis(), options.seed().getAsLong())
                : base;
    }

    /**
     * Estimates how long one pair takes: its trials with their overhead, and the first trial's wait for the JIT.
     *
     * @param settings the settings
     * @return the estimate
     */
    static Duration pairTime(RunSettings settings) {
        return Duration.ofMillis(settings.trials() * (settings.warmupMillis() + settings.measureMillis()
                                                      + TRIAL_OVERHEAD_MILLIS) + FIRST_TRIAL_JIT_MILLIS);
    }

    /**
     * Estimates how long the pairs of these workloads and subjects take; pairs that will be skipped cost nothing,
     * and with forking each subject that runs anything costs a JVM start.
     *
     * @param workloads the workloads
     * @param subjects  the subjects
     * @param settings  the settings
     * @param fork      whether each subject runs in its own JVM
     * @return the estimate
     */
    static Duration estimate(List<Workload> workloads, List<SubjectFactory> subjects, RunSettings settings,
                             boolean fork) {
        long pairs = 0;
        long children = 0;
        for (SubjectFactory subject : subjects) {
            long ofSubject = 0;
            for (Workload workload : workloads) {
                if (subject.unavailableReason().isEmpty() && workload.accepts(subject)) {
                    ofSubject++;
                }
            }
            pairs += ofSubject;
            children += fork && ofSubject > 0 ? 1 : 0;
        }
        return pairTime(settings).multipliedBy(pairs).plusMillis(children * CHILD_START_MILLIS);
    }

    /**
     * Picks the workloads of a budgeted run: the first of every group in priority order always, then any other, in
     * priority order, that keeps the estimate within the budget.
     *
     * @param all      every workload, in catalog order
     * @param subjects the subjects
     * @param settings the settings
     * @param fork     whether each subject runs in its own JVM
     * @param budget   the time to fit in
     * @return the chosen workloads, in catalog order
     */
    static List<Workload> withinBudget(List<Workload> all, List<SubjectFactory> subjects, RunSettings settings,
                                       boolean fork, Duration budget) {
        Set<String> groups = new LinkedHashSet<>();
        List<Workload> chosen = new ArrayList<>();
        for (Workload workload : priorityOrder(all)) {
            List<Workload> candidate = new ArrayList<>(chosen);
            candidate.add(workload);
            if (groups.add(workload.group())
                || estimate(candidate, subjects, settings, fork).compareTo(budget) <= 0) {
                chosen = candidate;
            }
        }
        Set<Workload> picked = Set.copyOf(chosen);
        return all.stream().filter(picked::contains).toList();
    }

    private static String notRun(List<Workload> all, List<Workload> chosen) {
        Map<String, Integer> byGroup = new LinkedHashMap<>();
        for (Workload workload : all) {
            if (!chosen.contains(workload)) {
                byGroup.merge(workload.group(), 1, Integer::sum);
            }
        }
        return byGroup.isEmpty() ? "none" : String.join(", ", byGroup.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).toList());
    }

    /**
     * Orders workloads for a budgeted run: first one workload of every group (so every group gets a table even when
     * the budget runs out early), then a second of every group, and so on; within a group from the middle outwards.
     *
     * @param all every workload, in catalog order
     * @return the same workloads in priority order
     */
    static List<Workload> priorityOrder(List<Workload> all) {
        Map<String, List<Workload>> byGroup = new LinkedHashMap<>();
        for (Workload workload : all) {
            byGroup.computeIfAbsent(workload.group(), g -> new ArrayList<>()).add(workload);
        }
        byGroup.replaceAll((group, members) -> middleOutwards(members));
        List<Workload> ordered = new ArrayList<>();
        for (int round = 0; ordered.size() < all.size(); round++) {
            for (List<Workload> group : byGroup.values()) {
                if (round < group.size()) {
                    ordered.add(group.get(round));
                }
            }
        }
        return ordered;
    }

    /**
     * Orders a group's workloads from its middle outwards: the first pick of {@code random-actions(200 ... 30000)} is
     * a mid-sized one, the extremes come last.
     */
    static List<Workload> middleOutwards(List<Workload> group) {
        List<Workload> ordered = new ArrayList<>();
        int middle = (group.size() - 1) / 2;
        for (int offset = 0; ordered.size() < group.size(); offset++) {
            if (middle + offset < group.size() && offset > 0) {
                ordered.add(group.get(middle + offset));
            }
            if (middle - offset >= 0) {
                ordered.add(group.get(middle - offset));
            }
        }
        return ordered;
    }

    private static List<SubjectFactory> selectSubjects(List<String> patterns, Suite suite) throws UsageException {
        if (patterns.isEmpty()) {
            return suite.subjects();
        }
        List<String> names = suite.subjects().stream().map(SubjectFactory::name).toList();
        Set<String> selected = new LinkedHashSet<>();
        for (String pattern : patterns) {
            List<String> matches = bestMatches(pattern, names, List.of());
            if (matches.isEmpty()) {
                throw new UsageException("--subjects: '" + pattern + "' matches no subject; expected one of "
                                         + String.join(", ", names));
            }
            selected.addAll(matches);
        }
        selected.add(suite.baseline());
        return suite.subjects().stream().filter(s -> selected.contains(s.name())).toList();
    }

    private static boolean matchesSubject(String pattern, String name) {
        return !bestMatches(pattern, List.of(name), List.of()).isEmpty();
    }

    private static List<Workload> selectWorkloads(List<String> patterns, List<Workload> all) throws UsageException {
        if (patterns.size() == 1 && patterns.getFirst().equalsIgnoreCase("all")) {
            return all;
        }
        List<String> names = all.stream().map(Workload::name).toList();
        List<String> groups = all.stream().map(Workload::group).toList();
        Set<String> selected = new LinkedHashSet<>();
        for (String pattern : patterns) {
            List<String> matches = bestMatches(pattern, names, groups);
            if (matches.isEmpty()) {
                throw new UsageException("--workloads: '" + pattern + "' matches no workload name or group; expected "
                                         + "'all', a group (" + String.join(", ", new LinkedHashSet<>(groups))
                                         + ") or a name (see --list)");
            }
            selected.addAll(matches);
        }
        return all.stream().filter(w -> selected.contains(w.name())).toList();
    }

    /**
     * Returns the names a pattern selects, case-insensitively: the name equal to it if there is one (so
     * {@code offcut-binned} does not also select {@code offcut-binned-compact}), else the names whose group equals it,
     * else the names it is a prefix of.
     *
     * @param pattern a user's pattern
     * @param names   the candidate names
     * @param groups  each name's group, or an empty list when names have no groups
     * @return the selected names, possibly none
     */
    static List<String> bestMatches(String pattern, List<String> names, List<String> groups) {
        String p = pattern.toLowerCase(Locale.ROOT);
        List<String> exact = names.stream().filter(n -> n.equalsIgnoreCase(p)).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        List<String> inGroup = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i).equalsIgnoreCase(p)) {
                inGroup.add(names.get(i));
            }
        }
        if (!inGroup.isEmpty()) {
            return inGroup;
        }
        return names.stream().filter(n -> n.toLowerCase(Locale.ROOT).startsWith(p)).toList();
    }
}
