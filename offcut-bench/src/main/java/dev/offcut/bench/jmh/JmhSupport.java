package dev.offcut.bench.jmh;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Catalog;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import dev.offcut.bench.workload.Applicability;

/**
 * Opens the subject a JMH {@code @Param} names, or fails the benchmark with the reason it cannot run (JMH prints
 * it and goes on with the next parameter set), so no subject is silently dropped.
 */
final class JmhSupport {

    private JmhSupport() {
    }

    static SubjectFactory factory(String name, Workload workload) {
        SubjectFactory factory = Catalog.subject(name);
        Applicability.whyNot(workload, factory).ifPresent(why -> {
            throw new IllegalStateException(name + " cannot run " + workload.name() + ": " + why);
        });
        return factory;
    }

    static Subject open(String name, Workload workload, long heapByteSize) {
        SubjectFactory factory = factory(name, workload);
        Subject subject = workload.threads() > 1 ? factory.openShared(heapByteSize) : factory.open(heapByteSize);
        subject.enterThread();
        return subject;
    }

    static boolean frees(String name) {
        return Catalog.subject(name).capabilities().contains(Capability.FREES);
    }
}
