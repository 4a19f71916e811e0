package dev.offcut.jcstress;

import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;
import org.openjdk.jcstress.infra.runners.TestList;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Runs jcstress as its own main does (same options), then fails the process unless every selected test produced a
 * normal, passing result: jcstress's {@code Main} exits 0 whatever the outcomes, so a build step that only ran it
 * would never fail. Prints one line per test and outcome with its sample count.
 */
public final class QuickRun {

    private QuickRun() {
    }

    /**
     * Runs the tests and checks their results.
     *
     * @param args jcstress's own options ({@code -h} lists them)
     * @throws Exception when jcstress cannot run or its results cannot be read
     */
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        Options options = new Options(args);
        if (!options.parse()) {
            System.exit(2);
        }
        String verdict = null;
        try {
            new JCStress(options).run();
        } catch (AssertionError e) {
            // jcstress's report printer throws this listing the failed tests; the summary below shows them too.
            verdict = "jcstress reported failures";
        }

        if (!Files.exists(Path.of(options.getResultFile()))) {
            System.out.println("FAILED: no test ran (no result file " + options.getResultFile() + ")");
            System.exit(1);
        }
        InProcessCollector collector = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(options.getResultFile(), collector);
        reader.dump();
        reader.close();
        List<TestResult> results = new ArrayList<>(ReportUtils.mergedByName(collector.getTestResults()));
        results.sort(Comparator.comparing(TestResult::getName));

        List<String> problems = new ArrayList<>();
        Pattern filter = Pattern.compile(options.getTestFilter());
        Map<String, TestResult> byName = new TreeMap<>();
        for (TestResult result : results) {
            byName.put(result.getName(), result);
        }
        for (String test : TestList.tests()) {
            if (filter.matcher(test).find() && !byName.containsKey(test)) {
                problems.add(test + ": no result");
            }
        }

        System.out.println();
        System.out.println("OFFCUT JCSTRESS SUMMARY (samples per outcome)");
        for (TestResult result : results) {
            String label = ReportUtils.statusToLabel(result);
            System.out.printf("  [%s] %s: %,d samples%n", label, result.getName(), result.getTotalCount());
            for (String state : new TreeSet<>(result.getStateKeys())) {
                System.out.printf("      %-12s %,12d%n", state, result.getCount(state));
            }
            if (!ReportUtils.statusToPassed(result)) {
                problems.add(result.getName() + ": " + label);
                result.getMessages().forEach(m -> System.out.println("      message: " + m));
                result.getVmErr().forEach(m -> System.out.println("      stderr: " + m));
            }
        }
        if (results.isEmpty()) {
            problems.add("no test ran");
        }
        if (verdict != null && problems.isEmpty()) {
            problems.add(verdict);
        }
        System.out.printf("%d tests, %d failed, %.0f s%n", results.size(), problems.size(),
                (System.nanoTime() - start) / 1e9);
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.out.println("FAILED: " + p));
            System.exit(1);
        }
    }
}
