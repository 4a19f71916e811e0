package dev.offcut.bench.subject;

import dev.offcut.Allocator;
import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Offcut's own allocators as subjects. Each opens over a fixed native heap of the workload's heap size (see
 * {@code OffcutSubject}), so all of them are {@link Capability#FIXED_HEAP}. The binned family and the
 * {@code OffcutArena} facade are in {@link PendingOffcutSubjects}, loaded by reflection (see {@link #all()}).
 */
public final class OffcutSubjects {

    private OffcutSubjects() {
    }

    /** The free-list allocator's name. */
    public static final String FREE_LIST = "offcut-free-list";

    /**
     * Returns every Offcut subject: the ones always in core, then the binned family and the arena facade, or
     * unavailable placeholders for them when this build of the bench module was made without them.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        List<SubjectFactory> all = new ArrayList<>();
        all.add(Factory.named("offcut-bump", "Offcut's bump allocator (Allocator.bump): frees only everything at "
                        + "once with reset(); the lower bound on allocation cost.")
                .can(Capability.FIXED_HEAP).resets()
                .open(heapByteSize -> OffcutSubject.open(heapByteSize, Allocator::bump))
                .build());
        all.add(Factory.named(FREE_LIST, "Offcut's first-fit free-list allocator (Allocator.freeList).")
                .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP)
                .open(heapByteSize -> OffcutSubject.open(heapByteSize, Allocator::freeList))
                .build());
        all.addAll(pending());
        return all;
    }

    /**
     * Loads the subjects that need {@code Allocator.binned}, {@code BinnedAllocator}, {@code Binning} and
     * {@code OffcutArena}, compiled from {@code PendingOffcutSubjects.java}. Should that file be left out of the
     * build (core renamed one of those), each becomes an unavailable placeholder that says so.
     */
    private static List<SubjectFactory> pending() {
        try {
            Class<?> type = Class.forName(OffcutSubjects.class.getPackageName() + ".PendingOffcutSubjects");
            @SuppressWarnings("unchecked")
            List<SubjectFactory> found = (List<SubjectFactory>) type.getMethod("all").invoke(null);
            return found;
        } catch (ReflectiveOperationException | LinkageError missing) {
            String why = "not built: offcut-core had no Allocator.binned/BinnedAllocator/Binning/OffcutArena when "
                    + "offcut-bench was compiled (" + Factory.describe(missing) + ")";
            List<SubjectFactory> placeholders = new ArrayList<>();
            for (String name : PENDING_NAMES) {
                placeholders.add(Factory.named(name, "Offcut subject awaiting its core API.")
                        .can(Capability.FREES).unavailable(why).build());
            }
            return placeholders;
        }
    }

    /** The names {@code PendingOffcutSubjects} provides, in order. */
    static final List<String> PENDING_NAMES = List.of(
            "offcut-binned", "offcut-binned-compact", "offcut-locked-binned", "offcut-arena");

    /**
     * Opens a subject over any Offcut allocator (for tests of this module).
     *
     * @param heapByteSize the heap size
     * @param allocatorOf  memory to allocator
     * @return the subject
     */
    public static Subject open(long heapByteSize, java.util.function.Function<dev.offcut.LinearMemory,
            Allocator> allocatorOf) {
        return OffcutSubject.open(heapByteSize, allocatorOf);
    }
}
