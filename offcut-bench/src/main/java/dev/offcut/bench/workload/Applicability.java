package dev.offcut.bench.workload;

import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.Optional;

/** Why a subject cannot run a workload, for callers that do not go through {@link Workload#run}. */
public final class Applicability {

    private Applicability() {
    }

    /**
     * Tells why a subject cannot run a workload.
     *
     * @param workload the workload
     * @param subject  the subject
     * @return "unavailable: ..." or "not applicable: ...", or empty when it can run
     */
    public static Optional<String> whyNot(Workload workload, SubjectFactory subject) {
        Optional<String> unavailable = subject.unavailableReason();
        if (unavailable.isPresent()) {
            return Optional.of("unavailable: " + unavailable.get());
        }
        return workload.refusal(subject).map(why -> "not applicable: " + why);
    }

    /**
     * Tells why a workload does not apply to a subject, whether or not the subject can run here.
     *
     * @param workload the workload
     * @param subject  the subject
     * @return the missing capability, or empty when the workload applies
     */
    public static Optional<String> notApplicable(Workload workload, SubjectFactory subject) {
        return workload.refusal(subject);
    }
}
