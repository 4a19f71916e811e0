package dev.offcut.bench.jmh;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Catalog;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.SubjectFactory;
import dev.offcut.bench.workload.FootprintWorkload;
import dev.offcut.bench.workload.ThreadedWorkload;

import java.util.ArrayList;
import java.util.List;

/**
 * The footprints of the {@code threads} group at 1, 2 and 4 threads, beside the JMH benchmarks (which time; this
 * measures): for each subject that can tell its footprint ({@link Capability#FOOTPRINT}), peak committed bytes
 * (for the concurrent allocator grown - released + Java-heap metadata; for the others grown), peak resident bytes and peak live bytes of larson-sized and mstress, and 10,000 virtual threads doing
 * pairs(64) against one platform thread doing them. Run with
 * {@code java --enable-native-access=ALL-UNNAMED -cp offcut-bench/target/benchmarks.jar dev.offcut.bench.jmh.Footprints
 * [subject...]}; each line is one run of at least {@value FootprintWorkload#MIN_ROUNDS} rounds and 1 s.
 */
public final class Footprints {

    private Footprints() {
    }

    /**
     * Prints the footprints.
     *
     * @param args subject names; none for every footprint subject
     */
    public static void main(String[] args) {
        List<SubjectFactory> subjects = new ArrayList<>();
        for (SubjectFactory subject : Catalog.subjects()) {
            boolean asked = args.length == 0 || List.of(args).contains(subject.name());
            if (asked && subject.capabilities().contains(Capability.FOOTPRINT)) {
                subjects.add(subject);
            }
        }
        RunSettings settings = new RunSettings(1, 0, 1000, 42);
        System.out.println("subject | workload | peak committed | peak resident | peak live | committed/live");
        for (SubjectFactory subject : subjects) {
            for (int threads : new int[] {1, 2, 4}) {
                print(subject, "larson-sized(" + threads + ")",
                        FootprintWorkload.peaks(subject, ThreadedWorkload.larson(threads).opener(), settings));
                print(subject, "mstress(" + threads + ")",
                        FootprintWorkload.peaks(subject, ThreadedWorkload.mstress(threads).opener(), settings));
            }
            print(subject, "pairs(64, 1 platform thread)",
                    FootprintWorkload.peaks(subject, ThreadedWorkload.pairs(1).opener(), settings));
            print(subject, "virtual-pairs(64, 10000 threads)",
                    FootprintWorkload.peaks(subject, ThreadedWorkload.virtualPairs().opener(), settings));
        }
    }

    private static void print(SubjectFactory subject, String workload, FootprintWorkload.Peaks peaks) {
        System.out.printf("%s | %s | %,d | %,d | %,d | %.2f%n", subject.name(), workload, peaks.committedBytes(),
                peaks.residentBytes(), peaks.liveBytes(),
                (double) peaks.committedBytes() / Math.max(1, peaks.liveBytes()));
    }
}
