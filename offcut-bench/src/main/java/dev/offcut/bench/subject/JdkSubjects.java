package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the JDK alone offers: an {@link Arena} per block, {@link SegmentAllocator#slicingAllocator} (the bump
 * limit) and {@code new byte[n]} (the garbage collector as allocator).
 */
public final class JdkSubjects {

    private JdkSubjects() {
    }

    /**
     * Returns the JDK subjects.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        return List.of(
                Factory.named("Arena.ofConfined per block", "A new confined Arena per block, closed to free it "
                                + "(allocation zeroes the block).")
                        .can(Capability.FREES, Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> new ArenaPerBlockSubject(Arena::ofConfined, new HandleTable<>()))
                        .build(),
                Factory.named("Arena.ofShared per block", "A new shared Arena per block, closed to free it (closing "
                                + "a shared arena synchronises with every thread); handle table locked when shared.")
                        .can(Capability.FREES, Capability.THREAD_SAFE, Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> new ArenaPerBlockSubject(Arena::ofShared, new HandleTable<>()))
                        .openShared(heapByteSize -> new ArenaPerBlockSubject(Arena::ofShared, HandleTable.locked()))
                        .build(),
                Factory.named("slicingAllocator", "SegmentAllocator.slicingAllocator over one fixed, pre-touched "
                                + "segment: no free, reset = a new slicing allocator; the bump limit.")
                        .can(Capability.FIXED_HEAP).resets()
                        .open(SlicingSubject::new)
                        .build(),
                Factory.named("byte[] (GC)", "new byte[n], freed by dropping it for the garbage collector; handle "
                                + "= slot in an Object table (locked when shared); alignment beyond 8 ignored.")
                        .can(Capability.FREES, Capability.THREAD_SAFE)
                        .maxByteAlignment(8)
                        .open(heapByteSize -> new ByteArraySubject(new HandleTable<>()))
                        .openShared(heapByteSize -> new ByteArraySubject(HandleTable.locked()))
                        .build());
    }

    /** One arena per block: the only way to free a single segment with the JDK alone. */
    private static final class ArenaPerBlockSubject implements Subject {
        private final Supplier<Arena> arenas;
        private final HandleTable<Arena> table;

        ArenaPerBlockSubject(Supplier<Arena> arenas, HandleTable<Arena> table) {
            this.arenas = arenas;
            this.table = table;
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            Arena arena = arenas.get();
            long address = arena.allocate(byteSize, byteAlignment).address();
            return table.put(arena, address);
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            table.remove(handle).close();
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            Arena arena = arenas.get();
            long address = arena.allocate(newByteSize, byteAlignment).address();
            RawMemory.copy(table.address(handle), address, Math.min(oldByteSize, newByteSize));
            Arena old = table.get(handle);
            table.replace(handle, arena, address);
            old.close();
            return handle;
        }

        @Override
        public long address(long handle) {
            return table.address(handle);
        }

        @Override
        public void touch(long handle, long byteSize) {
            RawMemory.touch(table.address(handle), byteSize);
        }

        @Override
        public void close() {
            table.clear(Arena::close);
        }
    }

    /** A slicing allocator over one zeroed segment; running out is reported as 0, as the workloads expect. */
    private static final class SlicingSubject implements Subject {
        private final FixedHeaps.Lease lease;
        private final MemorySegment heap;
        private SegmentAllocator slices;

        SlicingSubject(long heapByteSize) {
            lease = FixedHeaps.lease(heapByteSize);
            heap = lease.segment().asSlice(0, heapByteSize);
            slices = SegmentAllocator.slicingAllocator(heap);
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            try {
                return slices.allocate(byteSize, byteAlignment).address();
            } catch (IndexOutOfBoundsException full) {
                return 0;
            }
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            // A slicing allocator never frees a single slice: the bytes stay used until reset().
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            long moved = allocate(newByteSize, byteAlignment);
            if (moved != 0) {
                RawMemory.copy(handle, moved, Math.min(oldByteSize, newByteSize));
            }
            return moved;
        }

        @Override
        public void touch(long handle, long byteSize) {
            RawMemory.touch(handle, byteSize);
        }

        @Override
        public boolean reset() {
            slices = SegmentAllocator.slicingAllocator(heap);
            return true;
        }

        @Override
        public void close() {
            lease.close();
        }
    }

    /** Java arrays: allocation is a TLAB bump, freeing is the collector's business. */
    private static final class ByteArraySubject implements Subject {
        private final HandleTable<byte[]> table;

        ByteArraySubject(HandleTable<byte[]> table) {
            this.table = table;
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            return table.put(new byte[Math.toIntExact(byteSize)], 0);
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            table.remove(handle);
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            table.replace(handle, java.util.Arrays.copyOf(table.get(handle), Math.toIntExact(newByteSize)), 0);
            return handle;
        }

        @Override
        public void touch(long handle, long byteSize) {
            byte[] block = table.get(handle);
            block[0] = 1;
            for (int at = (int) RawMemory.TOUCH_STRIDE; at < block.length; at += (int) RawMemory.TOUCH_STRIDE) {
                block[at] = 1;
            }
            block[block.length - 1] = 1;
        }

        @Override
        public void close() {
            table.clear(block -> { });
        }
    }
}
