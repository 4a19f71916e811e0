package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import one.nio.mem.Malloc;
import one.nio.mem.OutOfMemoryException;

import java.util.List;

/**
 * one-nio's {@code one.nio.mem.Malloc}: a segregated-fit allocator over one fixed off-heap region, written with
 * {@code sun.misc.Unsafe} (so it needs {@code --sun-misc-unsafe-memory-access=allow} on JDK 24+ to run without a
 * warning). Its methods are {@code synchronized}, so it is thread-safe. Handles are addresses; blocks are 8-byte
 * aligned and there is no aligned allocation nor realloc (realloc here = malloc + copy + free).
 */
public final class OneNioSubjects {

    private OneNioSubjects() {
    }

    /**
     * Returns the one-nio subject.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        return List.of(Factory.named("one-nio Malloc", "one-nio's synchronized Malloc over a fixed, pre-touched "
                        + "segment (Unsafe-based); 8-byte alignment only, realloc emulated.")
                .can(Capability.FREES, Capability.THREAD_SAFE, Capability.FIXED_HEAP,
                        Capability.NATIVE_ADDRESS)
                .maxByteAlignment(8)
                .open(OneNioSubject::new)
                .build());
    }

    /** Malloc over a heap leased from {@link FixedHeaps}. */
    private static final class OneNioSubject implements Subject {
        private final FixedHeaps.Lease heap;
        private final Malloc malloc;

        OneNioSubject(long heapByteSize) {
            heap = FixedHeaps.lease(heapByteSize);
            // Malloc takes a non-zero header in its memory for an image to reopen ("Incompatible Malloc image"
            // after another trial's Malloc): a fresh one needs zeroed memory, as Arena.allocate would give it.
            heap.segment().asSlice(0, heapByteSize).fill((byte) 0);
            malloc = new Malloc(heap.segment().address(), heapByteSize);
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            if (byteSize > Integer.MAX_VALUE - 64) {
                return 0;
            }
            try {
                return malloc.malloc((int) byteSize);
            } catch (OutOfMemoryException full) {
                return 0;
            }
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            malloc.free(handle);
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            long moved = allocate(newByteSize, byteAlignment);
            if (moved != 0) {
                RawMemory.copy(handle, moved, Math.min(oldByteSize, newByteSize));
                malloc.free(handle);
            }
            return moved;
        }

        @Override
        public long address(long handle) {
            return handle;
        }

        @Override
        public void touch(long handle, long byteSize) {
            RawMemory.touch(handle, byteSize);
        }

        @Override
        public void close() {
            heap.close();
        }
    }
}
