package dev.offcut.cli;

import dev.offcut.bench.Measurement;
import dev.offcut.bench.Workload;

import java.util.List;
import java.util.Map;

/**
 * One pair's result as one line of compact JSON, the way a forked child JVM reports to its parent:
 * <pre>
 * {"workload":..,"status":"ok"|"failed"|"unavailable"|"n/a","value":..,"error":..,"samples":..,
 *  "allocPercentiles":[..],"freePercentiles":[..],"note":..,"elapsedMillis":..}
 * </pre>
 * Numbers round-trip exactly (Java's shortest decimal form); NaN travels as {@code null}.
 */
final class PairCodec {

    private PairCodec() {
    }

    /**
     * Encodes a result.
     *
     * @param result the result
     * @return one line of JSON, without a line break
     */
    static String encode(PairResult result) {
        Measurement m = result.measurement();
        return JsonWriter.compact().beginObject()
                .name("workload").value(result.workload().name())
                .name("status").value(result.status().label())
                .name("value").value(m.value())
                .name("error").value(m.error())
                .name("samples").value(m.sampleCount())
                .name("allocPercentiles").value(m.allocPercentiles())
                .name("freePercentiles").value(m.freePercentiles())
                .name("note").value(result.note())
                .name("elapsedMillis").value(result.elapsedMillis())
                .endObject().toJson();
    }

    /**
     * Decodes a line written by {@link #encode}.
     *
     * @param line      the line
     * @param subject   the subject's name (the child runs one)
     * @param workloads the workloads the line may name
     * @return the result, without a ratio
     * @throws IllegalArgumentException when the line is not such a result
     */
    static PairResult decode(String line, String subject, List<Workload> workloads) {
        if (!(MiniJson.parse(line) instanceof Map<?, ?> json)) {
            throw new IllegalArgumentException("not a JSON object: " + line);
        }
        String name = string(json, "workload");
        Workload workload = workloads.stream().filter(w -> w.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown workload '" + name + "'"));
        PairResult.Status status = PairResult.Status.ofLabel(string(json, "status"));
        Measurement measurement = new Measurement(workload.name(), workload.group(), subject, workload.metric(),
                number(json, "value"), number(json, "error"), (int) number(json, "samples"),
                numbers(json, "allocPercentiles"), numbers(json, "freePercentiles"), string(json, "note"));
        if (status == PairResult.Status.OK && !measurement.ok()) {
            throw new IllegalArgumentException("an ok result without a value: " + line);
        }
        return new PairResult(workload, subject, status, measurement, Double.NaN,
                (long) number(json, "elapsedMillis"));
    }

    private static String string(Map<?, ?> json, String member) {
        if (!(json.get(member) instanceof String value)) {
            throw new IllegalArgumentException("member '" + member + "' is not a string");
        }
        return value;
    }

    private static double number(Map<?, ?> json, String member) {
        Object value = json.get(member);
        if (value == null && json.containsKey(member)) {
            return Double.NaN;
        }
        if (!(value instanceof Double number)) {
            throw new IllegalArgumentException("member '" + member + "' is not a number");
        }
        return number;
    }

    private static double[] numbers(Map<?, ?> json, String member) {
        if (!(json.get(member) instanceof List<?> list)) {
            throw new IllegalArgumentException("member '" + member + "' is not an array");
        }
        double[] values = new double[list.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = list.get(i) instanceof Double d ? d : Double.NaN;
        }
        return values;
    }
}
