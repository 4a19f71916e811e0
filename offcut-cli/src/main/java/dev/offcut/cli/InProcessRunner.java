package dev.offcut.cli;

import dev.offcut.bench.Measurement;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Runs a subject's pairs in this JVM. What a forked child does for its one subject; as the whole run
 * ({@code --no-fork}) it is for tests and debugging only, because every subject then runs in one JVM and later
 * subjects inherit the JIT state (megamorphic call sites, deoptimised code) the earlier ones left.
 */
final class InProcessRunner implements SubjectRunner {

    private final LongSupplier nanoClock;

    /**
     * Creates a runner.
     *
     * @param nanoClock a monotonic clock in nanoseconds, for each pair's elapsed time
     */
    InProcessRunner(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public List<PairResult> run(SubjectFactory subject, List<Workload> workloads, RunSettings settings,
                                Consumer<String> starting) {
        List<PairResult> results = new ArrayList<>();
        for (Workload workload : workloads) {
            starting.accept(workload.name());
            results.add(runPair(workload, subject, settings));
        }
        return results;
    }

    @Override
    public String isolation() {
        return "--no-fork: every subject runs in this one JVM, in catalog order, so later subjects run with the JIT "
               + "state (megamorphic call sites) earlier ones left: results depend on run order; for debugging only";
    }

    private PairResult runPair(Workload workload, SubjectFactory subject, RunSettings settings) {
        long start = nanoClock.getAsLong();
        Measurement measurement;
        try {
            measurement = workload.run(subject, settings);
        } catch (RuntimeException | Error e) {
            // A broken pair must not hide the others' results; its row says what went wrong.
            String message = e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("");
            return PairResult.skipped(workload, subject.name(), PairResult.Status.FAILED,
                    e.getClass().getSimpleName() + message, millisSince(start));
        }
        return PairResult.of(workload, subject.name(), measurement, millisSince(start));
    }

    private long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - startNanos);
    }
}
