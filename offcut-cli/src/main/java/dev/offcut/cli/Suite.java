package dev.offcut.cli;

import dev.offcut.bench.Catalog;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything {@code bench} can run: the subjects, the workloads, and the subject every ratio is taken against.
 *
 * @param subjects the subjects, in table order
 * @param workloads the workloads, in table order (grouped by {@link Workload#group()} when printed)
 * @param baseline the name of the subject the ratios divide by
 */
public record Suite(List<SubjectFactory> subjects, List<Workload> workloads, String baseline) {

    /**
     * Checks the suite: names are unique and the baseline is one of the subjects.
     *
     * @param subjects  the subjects
     * @param workloads the workloads
     * @param baseline  the baseline's name
     */
    public Suite {
        subjects = List.copyOf(subjects);
        workloads = List.copyOf(workloads);
        Set<String> names = new HashSet<>();
        for (SubjectFactory subject : subjects) {
            if (!names.add(subject.name())) {
                throw new IllegalArgumentException("two subjects are named '" + subject.name() + "'");
            }
        }
        if (!names.contains(baseline)) {
            throw new IllegalArgumentException("baseline '" + baseline + "' is not among the subjects " + names);
        }
        Set<String> workloadNames = new HashSet<>();
        for (Workload workload : workloads) {
            if (!workloadNames.add(workload.name())) {
                throw new IllegalArgumentException("two workloads are named '" + workload.name() + "'");
            }
        }
    }

    /**
     * Returns the bench module's catalog: every subject and workload the project measures.
     *
     * @return the standard suite
     */
    public static Suite standard() {
        return new Suite(Catalog.subjects(), Catalog.workloads(), Catalog.BASELINE);
    }
}
