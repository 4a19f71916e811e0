package dev.offcut.bench;

import dev.offcut.bench.subject.JdkSubjects;
import dev.offcut.bench.subject.LwjglSubjects;
import dev.offcut.bench.subject.MallocSubjects;
import dev.offcut.bench.subject.NettySubjects;
import dev.offcut.bench.subject.NoopSubjects;
import dev.offcut.bench.subject.OffcutSubjects;
import dev.offcut.bench.subject.OneNioSubjects;
import dev.offcut.bench.workload.BatchWorkload;
import dev.offcut.bench.workload.CrossThreadWorkload;
import dev.offcut.bench.workload.HeapEfficiencyWorkload;
import dev.offcut.bench.workload.HighAlignmentWorkload;
import dev.offcut.bench.workload.PairWorkload;
import dev.offcut.bench.workload.PercentilesWorkload;
import dev.offcut.bench.workload.RandomActionsWorkload;
import dev.offcut.bench.workload.ThreadedWorkload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every subject and every workload of a bench run, in table order. Subjects that cannot run on this machine are
 * listed all the same, with their {@link SubjectFactory#unavailableReason()}.
 */
public final class Catalog {

    /** The subject every ratio is relative to. */
    public static final String BASELINE = "malloc (Linker)";

    /** Linker downcalls, mmap in offcut-core, whole-address-space segments, LWJGL's native libraries. */
    public static final String FLAG_NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** one-nio, Netty and LWJGL use sun.misc.Unsafe's memory methods, which warn from JDK 24 on. */
    public static final String FLAG_UNSAFE_MEMORY_ACCESS = "--sun-misc-unsafe-memory-access=allow";
    /** Netty's cleaner-free direct buffers (with {@link #FLAG_NETTY_REFLECTION}). */
    public static final String FLAG_OPEN_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    /** Netty's access to jdk.internal.misc.Unsafe. */
    public static final String FLAG_OPEN_MISC = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Lets Netty use the opened packages. */
    public static final String FLAG_NETTY_REFLECTION = "-Dio.netty.tryReflectionSetAccessible=true";

    /**
     * The JVM flags the subjects need, in one place: the bench command's launcher, the JMH forks (through the
     * {@code FLAG_*} constants, since an annotation cannot read a list) and this module's surefire configuration
     * (property {@code offcut.bench.jvmFlags} in offcut-bench/pom.xml; CatalogSmokeTest checks that it agrees).
     */
    public static final List<String> JVM_FLAGS = List.of(FLAG_NATIVE_ACCESS, FLAG_UNSAFE_MEMORY_ACCESS,
            FLAG_OPEN_NIO, FLAG_OPEN_MISC, FLAG_NETTY_REFLECTION);

    private Catalog() {
    }

    /**
     * Returns every subject: Offcut's allocators first, then the alternatives, the baseline among them.
     *
     * @return the factories, names unique
     */
    public static List<SubjectFactory> subjects() {
        return Subjects.ALL;
    }

    /** Made once, so each factory probes its availability once per JVM and keeps the answer. */
    private static final class Subjects {
        static final List<SubjectFactory> ALL = make();

        private static List<SubjectFactory> make() {
            List<SubjectFactory> all = new ArrayList<>(OffcutSubjects.all());
            all.addAll(MallocSubjects.all(BASELINE));
            all.addAll(JdkSubjects.all());
            all.addAll(NettySubjects.all());
            all.addAll(OneNioSubjects.all());
            all.addAll(LwjglSubjects.all());
            all.addAll(NoopSubjects.all());
            return Collections.unmodifiableList(all);
        }
    }

    /**
     * Returns the subject of a name.
     *
     * @param name a name from {@link #subjects()}
     * @return the factory
     * @throws IllegalArgumentException when no subject has that name
     */
    public static SubjectFactory subject(String name) {
        for (SubjectFactory factory : subjects()) {
            if (factory.name().equals(name)) {
                return factory;
            }
        }
        throw new IllegalArgumentException("no subject named " + name);
    }

    /**
     * Returns every workload, grouped: pair, batch, random-actions, heap-efficiency, percentiles,
     * high-alignment, cross-thread, threads (see {@link ThreadedWorkload#all()}).
     *
     * @return the workloads, names unique
     */
    public static List<Workload> workloads() {
        List<Workload> all = new ArrayList<>();
        for (long byteSize : PairWorkload.BYTE_SIZES) {
            all.add(new PairWorkload(byteSize));
        }
        all.add(new BatchWorkload());
        for (int threads : new int[] {1, 2}) {
            for (boolean realloc : new boolean[] {true, false}) {
                for (int maxByteSize : RandomActionsWorkload.MAX_BYTE_SIZES) {
                    all.add(new RandomActionsWorkload(maxByteSize, realloc, threads));
                }
            }
        }
        all.add(new HeapEfficiencyWorkload());
        all.add(new PercentilesWorkload());
        all.add(new HighAlignmentWorkload());
        all.add(new CrossThreadWorkload());
        all.addAll(ThreadedWorkload.all());
        return Collections.unmodifiableList(all);
    }

    /**
     * Returns the workload of a name.
     *
     * @param name a name from {@link #workloads()}
     * @return the workload
     * @throws IllegalArgumentException when no workload has that name
     */
    public static Workload workload(String name) {
        for (Workload workload : workloads()) {
            if (workload.name().equals(name)) {
                return workload;
            }
        }
        throw new IllegalArgumentException("no workload named " + name);
    }
}
