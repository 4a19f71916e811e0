package dev.offcut.cli;

import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one {@code bench} run will do: which workloads on which subjects, with which settings.
 *
 * @param workloads the workloads, in catalog order
 * @param subjects  the subjects, in catalog order, the baseline among them
 * @param baseline  the name of the subject ratios are taken against
 * @param mode      the mode the settings come from
 * @param settings  the settings every pair runs with
 * @param notes     lines for the output header, e.g. how the default run picked its workloads
 */
public record Plan(List<Workload> workloads, List<SubjectFactory> subjects, String baseline, BenchOptions.Mode mode,
                   RunSettings settings, List<String> notes) {

    /**
     * Copies the lists.
     *
     * @param workloads the workloads
     * @param subjects  the subjects
     * @param baseline  the baseline's name
     * @param mode      the mode
     * @param settings  the settings
     * @param notes     header notes
     */
    public Plan {
        workloads = List.copyOf(workloads);
        subjects = List.copyOf(subjects);
        notes = List.copyOf(notes);
    }

    /**
     * Returns the same plan with one more header note.
     *
     * @param note the note
     * @return the copy
     */
    public Plan withNote(String note) {
        List<String> more = new ArrayList<>(notes);
        more.add(note);
        return new Plan(workloads, subjects, baseline, mode, settings, more);
    }

    /**
     * Returns the same plan with other workloads.
     *
     * @param newWorkloads the workloads, in catalog order
     * @return the copy
     */
    public Plan withWorkloads(List<Workload> newWorkloads) {
        return new Plan(newWorkloads, subjects, baseline, mode, settings, notes);
    }

    /**
     * Describes the settings in one line, e.g. {@code "quick: 2 trials x (20 ms warm-up + 60 ms measured), seed 42"}.
     *
     * @return the description
     */
    public String settingsDescription() {
        return mode.name().toLowerCase(Locale.ROOT) + ": " + settings.trials() + " trial"
               + (settings.trials() == 1 ? "" : "s") + " x (" + settings.warmupMillis() + " ms warm-up + "
               + settings.measureMillis() + " ms measured) per pair, seed " + settings.seed();
    }
}
