package dev.offcut.bench.subject;

import dev.offcut.Allocator;
import dev.offcut.LinearMemory;
import dev.offcut.OffcutArena;
import dev.offcut.bench.Subject;

import java.lang.foreign.MemorySegment;

/**
 * The {@code offcut-arena} subject: {@link OffcutArena} over the default binned allocator, as a Java developer would
 * use it through {@code java.lang.foreign}. Segments live in a handle table; allocation is uninitialised, like
 * malloc. Its fixed heap comes pre-touched from {@link FixedHeaps}, like every fixed-heap subject's.
 */
final class OffcutArenaSubject implements Subject {
    private final FixedHeaps.Lease heap;
    private final OffcutArena arena;
    private final HandleTable<MemorySegment> table;

    OffcutArenaSubject(long heapByteSize) {
        this(heapByteSize, Allocator::binned, new HandleTable<>());
    }

    /**
     * Opens an arena over any allocator of a fresh fixed heap.
     *
     * @param heapByteSize the heap size
     * @param allocatorOf  memory to allocator
     * @param table        the segments' table ({@link HandleTable#locked()} when threads share the subject)
     */
    OffcutArenaSubject(long heapByteSize, java.util.function.Function<LinearMemory, Allocator> allocatorOf,
                       HandleTable<MemorySegment> table) {
        this.table = table;
        heap = FixedHeaps.lease(heapByteSize);
        LinearMemory memory = LinearMemory.of(heap.segment());
        try {
            this.arena = OffcutArena.of(allocatorOf.apply(memory));
        } catch (RuntimeException | Error failure) {
            memory.close();
            heap.close();
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
            moved = arena.reallocate(segment, newByteSize, byteAlignment); // in place when it can, as the others
        } catch (OutOfMemoryError full) {
            return 0;
        }
        table.replace(handle, moved, moved.address());
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
        arena.close();
        heap.close();
    }
}
