package dev.offcut.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where and how a run happened, printed above the tables and in the report: numbers mean little without it.
 *
 * @param date        when the run started, UTC
 * @param jdk         the runtime version, vendor and VM
 * @param os          operating system name, version and architecture
 * @param cpu         the CPU model, from {@code /proc/cpuinfo} where there is one
 * @param processors  the processors available to the JVM
 * @param commandLine the command as typed (arguments quoted where needed)
 * @param jvmFlags    the JVM's own arguments
 * @param settings    the settings the pairs ran with
 */
public record RunHeader(Instant date, String jdk, String os, String cpu, int processors, String commandLine,
                        String jvmFlags, String settings) {

    /**
     * Describes this JVM and machine.
     *
     * @param args     the arguments of the {@code offcut} command
     * @param settings the description of the settings
     * @return the header
     */
    public static RunHeader capture(List<String> args, String settings) {
        String jdk = Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                     + System.getProperty("java.vm.name") + ")";
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " / "
                    + System.getProperty("os.arch");
        String jvmFlags = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
        return new RunHeader(Instant.now().truncatedTo(ChronoUnit.SECONDS), jdk, os, cpuModel(Path.of("/proc/cpuinfo")),
                Runtime.getRuntime().availableProcessors(), commandLine(args), jvmFlags.isEmpty() ? "(none)" : jvmFlags,
                settings);
    }

    /**
     * Returns the header's fields as labelled lines, in display order.
     *
     * @return label to value
     */
    public Map<String, String> fields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("date", date.toString());
        fields.put("JDK", jdk);
        fields.put("OS", os);
        fields.put("CPU", cpu);
        fields.put("processors", Integer.toString(processors));
        fields.put("command", commandLine);
        fields.put("JVM flags", jvmFlags);
        fields.put("settings", settings);
        return fields;
    }

    /**
     * Reads the CPU model from a {@code /proc/cpuinfo}-style file.
     *
     * @param cpuinfo the file
     * @return the first {@code model name} (or {@code Hardware}, {@code cpu model}) value, or {@code "unknown"}
     */
    static String cpuModel(Path cpuinfo) {
        if (!Files.isReadable(cpuinfo)) {
            return "unknown (" + cpuinfo + " not readable)";
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.contains(":"))
                    .filter(line -> {
                        String key = line.substring(0, line.indexOf(':')).strip();
                        return key.equals("model name") || key.equals("Hardware") || key.equals("cpu model");
                    })
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .filter(value -> !value.isEmpty())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException | UncheckedIOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * Joins arguments into a command line a shell would split back the same way.
     *
     * @param args the arguments after {@code offcut}
     * @return the command line, starting with {@code offcut}
     */
    static String commandLine(List<String> args) {
        StringBuilder line = new StringBuilder("offcut");
        for (String arg : args) {
            line.append(' ');
            if (!arg.isEmpty() && arg.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_=.,/:+@%".indexOf(c) >= 0)) {
                line.append(arg);
            } else {
                line.append('\'').append(arg.replace("'", "'\\''")).append('\'');
            }
        }
        return line.toString();
    }
}
