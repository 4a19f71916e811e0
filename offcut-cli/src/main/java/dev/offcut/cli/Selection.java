package dev.offcut.cli;

import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns {@link BenchOptions} and a {@link Suite} into a {@link Plan}: matches the {@code --workloads} and
 * {@code --subjects} patterns, and when no workloads are given in the default mode and running all of them would take
 * much more than a minute, gives the run a time budget.
 */
public final class Selection {

    /** What the default run (no {@code --workloads}, no {@code --full}) aims to take. */
    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(60);

    /**
     * Time a trial costs beyond its warm-up and measured time: opening a subject (mapping and touching its heap),
     * generating inputs, closing, a workload's own setup. Calibrated on the 2-core development machine (all 369 runnable
     * pairs at QUICK took 86 s, 136 ms per trial instead of 80); an estimate, the run reports the real duration.
     */
    static final long TRIAL_OVERHEAD_MILLIS = 55;

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
        Optional<Duration> budget = Optional.empty();
        if (!options.workloadPatterns().isEmpty()) {
            workloads = selectWorkloads(options.workloadPatterns(), suite.workloads());
        } else {
            workloads = suite.workloads();
            Duration estimate = estimate(workloads, subjects, settings);
            if (options.mode() == BenchOptions.Mode.QUICK && estimate.compareTo(DEFAULT_BUDGET) > 0) {
                budget = Optional.of(DEFAULT_BUDGET);
                notes.add("default run: about " + DEFAULT_BUDGET.toSeconds() + " s (all " + workloads.size()
                          + " workloads would take about " + estimate.toSeconds() + " s): workloads start in "
                          + "priority order, every group at least once, until the time is used; --full runs "
                          + "everything, --workloads all runs every workload with these settings");
            }
        }
        if (budget.isEmpty()) {
            notes.add("estimated run time: about " + estimate(workloads, subjects, settings).toSeconds() + " s");
        }
        return new Plan(workloads, subjects, suite.baseline(), options.mode(), settings, budget, notes);
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
     * Estimates how long the pairs of these workloads and subjects take; pairs that will be skipped cost nothing.
     *
     * @param workloads the workloads
     * @param subjects  the subjects
     * @param settings  the settings
     * @return the estimate
     */
    static Duration estimate(List<Workload> workloads, List<SubjectFactory> subjects, RunSettings settings) {
        long millisPerPair = settings.trials() * (settings.warmupMillis() + settings.measureMillis()
                                                  + TRIAL_OVERHEAD_MILLIS);
        long pairs = 0;
        for (Workload workload : workloads) {
            for (SubjectFactory subject : subjects) {
                if (subject.unavailableReason().isEmpty() && workload.accepts(subject)) {
                    pairs++;
                }
            }
        }
        return Duration.ofMillis(pairs * millisPerPair);
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
