package dev.offcut.cli;

import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.Workload;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The machine-readable form of a run, printed by {@code bench --json}:
 * <pre>
 * { "format": "offcut-bench/1",
 *   "header": { "date", "jdk", "os", "cpu", "processors", "command", "jvmFlags", "settings" },
 *   "settings": { "mode", "trials", "warmupMillis", "measureMillis", "seed" },
 *   "baseline": name, "notes": [..], "elapsedSeconds": s, "report": path or null,
 *   "subjects": [ { "name", "description", "capabilities": [..], "unavailable": reason or null } ],
 *   "groups": [ { "name", "workloads": [ { "name", "metric", "unit", "lowerIsBetter", "threads",
 *       "results": [ { "subject", "status", "value", "error", "samples", "ratio", "allocPercentiles",
 *                      "freePercentiles", "note", "elapsedMillis" } ] } ] } ] }
 * </pre>
 * {@code error} is the half-width of the 95 % confidence interval of {@code value} (Student's t over
 * {@code samples} trials, or rounds for heap efficiency; 0 with one sample).
 * Values without a number are {@code null}; percentiles are arrays of p1, p25, p50, p75, p99 in ns (empty when the
 * workload does not measure them; each percentile sample is the mean of a batch of 8 calls); {@code status} is one of {@code ok}, {@code failed}, {@code unavailable},
 * {@code n/a}.
 */
public final class JsonReport {

    /** The value of the {@code format} member, changed whenever the shape changes incompatibly. */
    public static final String FORMAT = "offcut-bench/2";

    private JsonReport() {
    }

    /**
     * Renders a run as JSON.
     *
     * @param results    the results
     * @param reportPath the HTML report's path, or {@code null}
     * @return the JSON text
     */
    public static String render(BenchResults results, String reportPath) {
        JsonWriter json = new JsonWriter().beginObject();
        json.name("format").value(FORMAT);
        json.name("header").beginObject();
        RunHeader header = results.header();
        json.name("date").value(header.date().toString());
        json.name("jdk").value(header.jdk());
        json.name("os").value(header.os());
        json.name("cpu").value(header.cpu());
        json.name("processors").value(header.processors());
        json.name("command").value(header.commandLine());
        json.name("jvmFlags").value(header.jvmFlags());
        json.name("settings").value(header.settings());
        json.endObject();
        Plan plan = results.plan();
        json.name("settings").beginObject()
                .name("mode").value(plan.mode().name().toLowerCase(Locale.ROOT))
                .name("trials").value(plan.settings().trials())
                .name("warmupMillis").value(plan.settings().warmupMillis())
                .name("measureMillis").value(plan.settings().measureMillis())
                .name("seed").value(plan.settings().seed())
                .endObject();
        json.name("baseline").value(plan.baseline());
        json.name("notes").beginArray();
        plan.notes().forEach(json::value);
        json.endArray();
        json.name("elapsedSeconds").value(results.elapsed().toMillis() / 1000.0);
        json.name("report").value(reportPath);
        json.name("subjects").beginArray();
        for (SubjectFactory subject : plan.subjects()) {
            json.beginObject()
                    .name("name").value(subject.name())
                    .name("description").value(subject.description())
                    .name("capabilities").beginArray();
            subject.capabilities().stream().map(Enum::name).sorted().forEach(json::value);
            json.endArray()
                    .name("unavailable").value(subject.unavailableReason().orElse(null))
                    .endObject();
        }
        json.endArray();
        json.name("groups").beginArray();
        for (Map.Entry<String, List<Workload>> group : results.groups().entrySet()) {
            json.beginObject().name("name").value(group.getKey()).name("workloads").beginArray();
            for (Workload workload : group.getValue()) {
                writeWorkload(json, workload, results.resultsOf(workload));
            }
            json.endArray().endObject();
        }
        json.endArray();
        return json.endObject().toJson();
    }

    private static void writeWorkload(JsonWriter json, Workload workload, List<PairResult> results) {
        json.beginObject()
                .name("name").value(workload.name())
                .name("metric").value(workload.metric().name())
                .name("unit").value(workload.metric().unit())
                .name("lowerIsBetter").value(workload.metric().lowerIsBetter())
                .name("threads").value(workload.threads())
                .name("results").beginArray();
        for (PairResult result : results) {
            boolean ok = result.status() == PairResult.Status.OK;
            json.beginObject()
                    .name("subject").value(result.subject())
                    .name("status").value(result.status().label())
                    .name("value").value(result.value())
                    .name("error").value(ok ? result.measurement().error() : Double.NaN)
                    .name("samples").value(ok ? result.measurement().sampleCount() : 0)
                    .name("ratio").value(result.ratio())
                    .name("allocPercentiles").value(ok ? orEmpty(result.measurement().allocPercentiles()) : new double[0])
                    .name("freePercentiles").value(ok ? orEmpty(result.measurement().freePercentiles()) : new double[0])
                    .name("note").value(result.note())
                    .name("elapsedMillis").value(result.elapsedMillis())
                    .endObject();
        }
        json.endArray().endObject();
    }

    private static double[] orEmpty(double[] values) {
        return values == null ? new double[0] : values;
    }
}
