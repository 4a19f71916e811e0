package dev.offcut.bench.subject;

import dev.offcut.Allocator;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.List;
import java.util.function.Function;

/**
 * Offcut's own allocators as subjects, built directly on offcut-core's public API. Each opens over a fixed native
 * heap of the workload's heap size, pre-touched at open (see {@code OffcutSubject}), so all of them are
 * {@link Capability#FIXED_HEAP}. A broken allocator shows up as a failed probe or a failed measurement, never as
 * "unavailable": nothing here is optional.
 */
public final class OffcutSubjects {

    /** The free-list allocator's name. */
    public static final String FREE_LIST = "offcut-free-list";

    /** The concurrent allocator's name. */
    public static final String CONCURRENT = "offcut-concurrent";

    /** Every Offcut subject's name, in catalog order. */
    public static final List<String> NAMES = List.of("offcut-bump", FREE_LIST, "offcut-binned",
            "offcut-binned-compact", "offcut-locked-binned", CONCURRENT, "offcut-arena", "offcut-concurrent-arena");

    private OffcutSubjects() {
    }

    /**
     * Returns every Offcut subject, named as in {@link #NAMES}.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        return List.of(
                Factory.named("offcut-bump", "Offcut's bump allocator (Allocator.bump): frees only everything at "
                                + "once with reset(); the lower bound on allocation cost.")
                        .can(Capability.FIXED_HEAP, Capability.NATIVE_ADDRESS).resets()
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize, Allocator::bump))
                        .build(),
                Factory.named(FREE_LIST, "Offcut's first-fit free-list allocator (Allocator.freeList).")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize, Allocator::freeList))
                        .build(),
                Factory.named("offcut-binned", "Offcut's binned allocator, default binning (Allocator.binned).")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize, Allocator::binned))
                        .build(),
                Factory.named("offcut-binned-compact", "Offcut's binned allocator with Binning.COMPACT.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize,
                                memory -> BinnedAllocator.builder(memory).binning(Binning.COMPACT).build()))
                        .build(),
                Factory.named("offcut-locked-binned", "Allocator.locked over the default binned allocator: "
                                + "thread-safe through one lock.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.THREAD_SAFE, Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize,
                                memory -> Allocator.locked(Allocator.binned(memory))))
                        .openFootprint(maxByteSize -> OffcutSubject.openGrowable(maxByteSize,
                                memory -> Allocator.locked(Allocator.binned(memory))))
                        .build(),
                Factory.named(CONCURRENT, "Offcut's concurrent allocator (Allocator.concurrent): size classes, "
                                + "per-thread heaps, virtual-thread stripes, remote frees to the owning span; "
                                + "unsized free(offset), as for the other Offcut subjects.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.THREAD_SAFE, Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize, Allocator::concurrent))
                        .openFootprint(maxByteSize -> OffcutSubject.openGrowable(maxByteSize, Allocator::concurrent))
                        .build(),
                Factory.named("offcut-arena", "OffcutArena.of(binned): the java.lang.foreign.Arena facade "
                                + "(allocateUninitialized, free, reallocate); handle = slot in a table of "
                                + "MemorySegments.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.NATIVE_ADDRESS)
                        .open(OffcutArenaSubject::new)
                        .build(),
                Factory.named("offcut-concurrent-arena", "OffcutArena.of(concurrent): a shared Arena whose segments "
                                + "any thread can free one by one; handle = slot in a table of MemorySegments, "
                                + "locked when shared (as Netty's and Arena.ofShared's).")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.THREAD_SAFE, Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> new OffcutArenaSubject(heapByteSize, Allocator::concurrent,
                                new HandleTable<>()))
                        .openShared(heapByteSize -> new OffcutArenaSubject(heapByteSize, Allocator::concurrent,
                                HandleTable.locked()))
                        .build());
    }

    /**
     * Opens a subject over any Offcut allocator (for tests of this module).
     *
     * @param heapByteSize the heap size
     * @param allocatorOf  memory to allocator
     * @return the subject
     */
    public static Subject open(long heapByteSize, Function<LinearMemory, Allocator> allocatorOf) {
        return OffcutSubject.open(heapByteSize, allocatorOf);
    }
}
