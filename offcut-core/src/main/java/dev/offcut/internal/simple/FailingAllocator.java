package dev.offcut.internal.simple;

import dev.offcut.internal.Checks;
import dev.offcut.internal.memory.FixedLinearMemory;
import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;

/**
 * An allocator whose every allocation fails (lol_alloc's {@code FailAllocator}).
 *
 * <pre>
 *   memory: empty, fixed (0 bytes)         no state, no layout
 *   allocate: check arguments, return 0    free: 0 is a no-op, anything else is refused
 * </pre>
 *
 * <p>Invariants: {@code stats()} is all zero. Thread-safe: it has no mutable state.
 */
public final class FailingAllocator implements Allocator {

    /**
     * Its own empty memory: not shared between instances, so that closing one (through an {@code OffcutArena}, say)
     * cannot break another. Over the native zero-length {@link MemorySegment#NULL}, which closing leaves alone, so
     * that an {@code OffcutArena}, which needs native memory, accepts it.
     */
    private final LinearMemory memory = new FixedLinearMemory(MemorySegment.NULL);

    /** Creates a failing allocator over a new empty memory. */
    public FailingAllocator() {
    }

    @Override
    public LinearMemory memory() {
        return memory;
    }

    @Override
    public long tryAllocate(long byteSize, long byteAlignment) {
        Checks.checkByteSize(byteSize);
        Checks.checkByteAlignment(byteAlignment);
        return NULL;
    }

    @Override
    public long tryAllocateZeroed(long byteSize, long byteAlignment) {
        return tryAllocate(byteSize, byteAlignment);
    }

    @Override
    public void free(long offset) {
        if (offset != NULL) {
            throw Checks.notABlock(offset, "the failing allocator never hands out blocks");
        }
    }

    @Override
    public void free(long offset, long byteSize) {
        Checks.checkByteSize(byteSize);
        free(offset);
    }

    @Override
    public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
        Checks.checkByteSize("newByteSize", newByteSize);
        Checks.checkByteAlignment(byteAlignment);
        free(offset); // refuses any non-zero offset
        return NULL;
    }

    @Override
    public AllocatorStats stats() {
        return new AllocatorStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public void verify() {
        // No state, nothing can break.
    }

    @Override
    public String toString() {
        return "Allocator.failing()";
    }
}
