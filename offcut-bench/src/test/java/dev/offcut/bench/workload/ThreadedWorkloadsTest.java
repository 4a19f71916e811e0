package dev.offcut.bench.workload;

import dev.offcut.bench.Catalog;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;
import dev.offcut.bench.subject.NoopSubjects;
import dev.offcut.bench.subject.OffcutSubjects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every workload of the {@code threads} group, shrunk, on malloc, {@code locked(binned)} and the concurrent allocator
 * in checking mode:
 * blocks freed exactly once with their size, never given out twice or overlapping while live, the content each
 * workload writes intact when it is freed, nothing live after close. Also: the JMH benchmarks' operation counts
 * are the workloads' at full size, and a footprint runs.
 */
class ThreadedWorkloadsTest {

    private static final int SHRINK = ThreadedWorkload.SMOKE_SHRINK;
    private static final List<String> SUBJECTS = List.of(Catalog.BASELINE, "offcut-locked-binned",
            OffcutSubjects.CONCURRENT);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyWorkloadKeepsItsInvariantsOnMallocLockedBinnedAndConcurrent() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Workload workload : ThreadedWorkload.all()) {
            if (!(workload instanceof ThreadedWorkload threaded)) {
                continue;
            }
            for (String name : SUBJECTS) {
                try {
                    run(threaded, Catalog.subject(name));
                    checked++;
                } catch (Throwable failure) {
                    problems.add(workload.name() + " on " + name + ": " + failure);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(checked >= 30, "checked " + checked);
    }

    private static void run(ThreadedWorkload workload, SubjectFactory factory) {
        CheckingSubject subject = new CheckingSubject(factory.openShared(ThreadedWorkload.HEAP_BYTE_SIZE));
        try {
            subject.enterThread();
            Rounds rounds = workload.opener().open(subject, SHRINK, true);
            long ops;
            try {
                rounds.round();
                rounds.round();
                ops = rounds.opsPerRound();
            } finally {
                rounds.close();
            }
            subject.exitThread();
            assertTrue(ops > 0, "no operations");
            assertTrue(subject.allocations() > 0, "no allocations");
            assertEquals(0, subject.liveCount(), "blocks left live after close");
            assertEquals(subject.allocations(), subject.frees());
        } finally {
            subject.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void fullRoundsHaveTheOperationCountsTheJmhBenchmarksDeclare() {
        Subject noop = Catalog.subject(NoopSubjects.NAME).openShared(1 << 20);
        noop.enterThread();
        for (int threads : new int[] {1, 2, 4}) {
            int t = threads;
            expect(PairsRounds.OPS, () -> new PairsRounds(noop, t, 1, false));
            expect(LarsonRounds.OPS, () -> new LarsonRounds(noop, t, 1, false));
            expect(MstressRounds.OPS, () -> new MstressRounds(noop, t, 1, false));
            expect(Sh8Rounds.OPS, () -> new Sh8Rounds(noop, t, 1, false));
            expect(CacheScratchRounds.OPS, () -> new CacheScratchRounds(noop, t, 1, false));
            expect(GlibcThreadRounds.OPS, () -> new GlibcThreadRounds(noop, t, 1, false));
        }
        for (int producers : new int[] {1, 2}) {
            int p = producers;
            expect(XmallocRounds.OPS, () -> new XmallocRounds(noop, p, 1, false));
        }
        expect(GlibcSimpleRounds.OPS, () -> new GlibcSimpleRounds(noop, 1, false));
        expect(VirtualPairsRounds.OPS, () -> new VirtualPairsRounds(noop, 1, false));
        expect(CrossThreadRounds.OPS, () -> new CrossThreadRounds(noop, 64, 1));
        noop.exitThread();
    }

    private static void expect(long ops, java.util.function.Supplier<Rounds> opener) {
        try (Rounds rounds = opener.get()) {
            assertEquals(ops, rounds.opsPerRound(), rounds.getClass().getSimpleName());
        }
    }

    @Test
    void inverseSquareSizesStayInRangeWithAMeanNear36() {
        Gen gen = new Gen(3);
        double sum = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            int size = GlibcThreadRounds.inverseSquare(gen.nextLong());
            assertTrue(size >= 4 && size <= 32768, "size " + size);
            sum += size;
        }
        double mean = sum / n;
        assertTrue(mean > 25 && mean < 50, "mean " + mean);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void footprintsRunOnOffcutAndAreRefusedByMalloc() {
        for (Workload workload : ThreadedWorkload.all()) {
            if (!(workload instanceof FootprintWorkload)) {
                continue;
            }
            for (String name : List.of("offcut-locked-binned", OffcutSubjects.CONCURRENT)) {
                Measurement measured = workload.run(Catalog.subject(name), RunSettings.SMOKE);
                assertTrue(measured.ok() && measured.value() > 0 && Double.isFinite(measured.value()),
                        workload.name() + " on " + name + ": " + measured);
            }
            assertTrue(workload.refusal(Catalog.subject(Catalog.BASELINE)).isPresent(), workload.name());
        }
    }

}
