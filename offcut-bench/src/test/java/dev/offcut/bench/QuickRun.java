package dev.offcut.bench;

import java.util.Arrays;
import java.util.List;

/**
 * A developer's quick look, not the bench command: runs the named workloads (substring match) on the named subjects
 * (substring match, or all) and prints one line per pair. Usage: QuickRun quick|smoke|full workloadFilter
 * [subjectFilter...].
 */
public final class QuickRun {

    private QuickRun() {
    }

    /**
     * Runs.
     *
     * @param args settings, workload filter, subject filters
     */
    public static void main(String[] args) {
        RunSettings settings = switch (args[0]) {
            case "full" -> RunSettings.FULL;
            case "smoke" -> RunSettings.SMOKE;
            default -> RunSettings.QUICK;
        };
        List<String> subjectFilters = Arrays.asList(args).subList(2, args.length);
        for (SubjectFactory subject : Catalog.subjects()) {
            System.out.printf("%-28s %s%n", subject.name(), subject.unavailableReason().map(r -> "UNAVAILABLE: " + r)
                    .orElse("ok " + subject.capabilities()));
        }
        for (Workload workload : Catalog.workloads()) {
            if (!workload.name().contains(args[1])) {
                continue;
            }
            for (SubjectFactory subject : Catalog.subjects()) {
                if (!subjectFilters.isEmpty() && subjectFilters.stream().noneMatch(subject.name()::contains)) {
                    continue;
                }
                Measurement m = workload.run(subject, settings);
                System.out.printf("%-40s %-28s %10.2f %-3s +- %7.2f %s %s %s%n", m.workload(), m.subject(), m.value(),
                        m.metric().unit(), m.error(), m.allocPercentiles().length > 0
                                ? "alloc " + Arrays.toString(m.allocPercentiles()) + " free "
                                + Arrays.toString(m.freePercentiles()) : "", m.note().isEmpty() ? "" : "| ",
                        m.note());
            }
        }
    }
}
