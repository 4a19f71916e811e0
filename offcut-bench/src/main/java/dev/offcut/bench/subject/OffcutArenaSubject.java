package dev.offcut.bench.subject;

import dev.offcut.Allocator;
import dev.offcut.BinnedAllocator;
import dev.offcut.Binning;
import dev.offcut.LinearMemory;
import dev.offcut.OffcutArena;
import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The Offcut subjects that need {@code Allocator.binned}, {@code BinnedAllocator.builder}, {@code Binning} and
 * {@code OffcutArena}, which other engineers were adding to offcut-core while this module was written. All four are
 * in core now and this file compiles normally; it stays apart, loaded by reflection from
 * {@link OffcutSubjects#all()}, so that if one of those names changes the build can leave this file out
 * ({@code <excludes>} in the compiler configuration) and the subjects report themselves unavailable, instead of
 * the whole bench module failing.
 */
public final class PendingOffcutSubjects {

    private PendingOffcutSubjects() {
    }

    /**
     * Returns the binned family and the arena facade, named as in {@link OffcutSubjects#PENDING_NAMES}.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        return List.of(
                Factory.named("offcut-binned", "Offcut's binned allocator, default binning (Allocator.binned).")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize, Allocator::binned))
                        .build(),
                Factory.named("offcut-binned-compact", "Offcut's binned allocator with Binning.COMPACT.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize,
                                memory -> BinnedAllocator.builder(memory).binning(Binning.COMPACT).build()))
                        .build(),
                Factory.named("offcut-locked-binned", "Allocator.locked over the default binned allocator: "
                                + "thread-safe through one lock.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP,
                                Capability.THREAD_SAFE)
                        .open(heapByteSize -> OffcutSubject.open(heapByteSize,
                                memory -> Allocator.locked(Allocator.binned(memory))))
                        .build(),
                Factory.named("offcut-arena", "OffcutArena.of(binned): the java.lang.foreign.Arena facade "
                                + "(allocateUninitialized, free, reallocate); handle = slot in a table of "
                                + "MemorySegments.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.FIXED_HEAP)
                        .open(ArenaFacadeSubject::new)
                        .build());
    }

    /** OffcutArena over the binned allocator: segments in a handle table, uninitialised allocation like malloc. */
    private static final class ArenaFacadeSubject implements Subject {
        private final OffcutArena arena;
        private final HandleTable<MemorySegment> table = new HandleTable<>();

        ArenaFacadeSubject(long heapByteSize) {
            LinearMemory memory = OffcutSubject.fixedNativeHeap(heapByteSize);
            try {
                this.arena = OffcutArena.of(Allocator.binned(memory));
            } catch (RuntimeException | Error failure) {
                memory.close();
                throw failure;
            }
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            MemorySegment segment;
            try {
                segment = arena.allocateUninitialized(byteSize, byteAlignment);
            } catch (OutOfMemoryError full) {
                return 0;
            }
            return table.put(segment, segment.address());
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            arena.free(table.remove(handle));
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            MemorySegment segment = table.get(handle);
            MemorySegment moved;
            try {
                if (byteAlignment <= Allocator.DEFAULT_BYTE_ALIGNMENT) {
                    moved = arena.reallocate(segment, newByteSize);
                } else {
                    // OffcutArena.reallocate keeps only the default alignment: move by hand to keep a higher one.
                    moved = arena.allocateUninitialized(newByteSize, byteAlignment);
                    MemorySegment.copy(segment, 0, moved, 0, Math.min(oldByteSize, newByteSize));
                    arena.free(segment);
                }
            } catch (OutOfMemoryError full) {
                return 0;
            }
            table.replace(handle, moved, moved.address());
            return handle;
        }

        @Override
        public void touch(long handle, long byteSize) {
            RawMemory.touch(table.address(handle), byteSize);
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
