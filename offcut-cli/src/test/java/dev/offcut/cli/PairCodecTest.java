package dev.offcut.cli;

import dev.offcut.bench.Measurement;
import dev.offcut.bench.Metric;
import dev.offcut.bench.Workload;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a child JVM sends back arrives exactly: values, intervals, percentiles, notes, statuses. */
class PairCodecTest {

    private final List<Workload> workloads = FakeSuite.suite().workloads();
    private final Workload percentiles = workloads.stream().filter(w -> w.metric() == Metric.PERCENTILES)
            .findFirst().orElseThrow();

    @Test
    void anOkResultRoundTripsExactly() {
        Measurement m = new Measurement(percentiles.name(), percentiles.group(), "s", percentiles.metric(),
                0.1 + 0.2, 1.0 / 3, 5, new double[] {1, 2.5, 3, 4, 1e-7}, new double[] {5, 6, 7, 8, 9},
                "a \"quoted\"\nnote");
        String line = PairCodec.encode(new PairResult(percentiles, "s", PairResult.Status.OK, m, Double.NaN, 1234));
        assertFalse(line.contains("\n"), "one line");
        PairResult back = PairCodec.decode(line, "s", workloads);
        assertEquals(PairResult.Status.OK, back.status());
        assertEquals(0.1 + 0.2, back.value());
        assertEquals(1.0 / 3, back.measurement().error());
        assertEquals(5, back.measurement().sampleCount());
        assertArrayEquals(m.allocPercentiles(), back.measurement().allocPercentiles());
        assertEquals(m.note(), back.note());
        assertEquals(1234, back.elapsedMillis());
    }

    @Test
    void aFailedResultKeepsItsReasonAndHasNoValue() {
        Workload pair = workloads.getFirst();
        PairResult failed = PairResult.skipped(pair, "s", PairResult.Status.FAILED, "IllegalStateException: x", 3);
        PairResult back = PairCodec.decode(PairCodec.encode(failed), "s", workloads);
        assertEquals(PairResult.Status.FAILED, back.status());
        assertTrue(Double.isNaN(back.value()));
        assertEquals("IllegalStateException: x", back.note());
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PairCodec.decode("{\"workload\":\"nope\"}", "s", workloads));
        assertThrows(IllegalArgumentException.class, () -> PairCodec.decode("[1,2]", "s", workloads));
        assertThrows(IllegalArgumentException.class, () -> PairCodec.decode("{\"workload\":", "s", workloads));
    }
}
