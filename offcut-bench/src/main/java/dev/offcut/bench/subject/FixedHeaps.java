package dev.offcut.bench.subject;

import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The fixed heaps of the {@link dev.offcut.bench.Capability#FIXED_HEAP} subjects, as talc's benchmarks have them: one
 * native region per size, mapped and pre-touched (one byte in every {@value RawMemory#PRE_TOUCH_STRIDE}) the first
 * time a subject of that size opens, then handed to each later subject of that size, which builds a fresh allocator
 * over it. talc does the same: one static arena, touched once before any timing, a new allocator over it per trial.
 * So a trial never pays first-touch page faults, just as malloc, reusing the process's already-faulted heap, does
 * not; and opening a subject costs no fresh mapping of 128 MiB. Contents are dirty from the previous trial, which
 * the allocators must handle anyway ({@link LinearMemory#of(MemorySegment)}).
 *
 * <p>Heaps are 64 KiB aligned (so offsets and addresses agree on every alignment the workloads ask for), kept while
 * the JVM lives (a forked bench JVM runs one subject), and lent to one subject at a time.
 */
public final class FixedHeaps {

    private static final long PAGE_BYTE_SIZE = LinearMemory.PAGE_BYTE_SIZE;
    private static final Map<Long, ConcurrentLinkedDeque<LinearMemory>> IDLE = new ConcurrentHashMap<>();

    private FixedHeaps() {
    }

    /** A heap lent to one subject: its bytes, until {@link #close()} gives it back. */
    public static final class Lease implements AutoCloseable {
        private final long byteSize;
        private final LinearMemory mapping;
        private boolean closed;

        private Lease(long byteSize, LinearMemory mapping) {
            this.byteSize = byteSize;
            this.mapping = mapping;
        }

        /**
         * Returns the heap's bytes.
         *
         * @return a segment of the leased size, 64 KiB aligned
         */
        public MemorySegment segment() {
            return mapping.segment();
        }

        /** Gives the heap back for the next subject of its size. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                IDLE.computeIfAbsent(byteSize, size -> new ConcurrentLinkedDeque<>()).push(mapping);
            }
        }
    }

    /**
     * Lends a pre-touched heap of at least {@code byteSize} bytes (rounded up to 64 KiB), mapping a new one only when
     * none of that size is idle. Every lease pre-touches the heap again, untimed: on a heap already resident that
     * costs a fraction of a millisecond, and it keeps "pre-touched at open" true whatever the kernel did meanwhile.
     *
     * @param byteSize the size
     * @return the lease
     */
    public static Lease lease(long byteSize) {
        long pages = Math.max(1, (byteSize + PAGE_BYTE_SIZE - 1) / PAGE_BYTE_SIZE);
        long rounded = pages * PAGE_BYTE_SIZE;
        ConcurrentLinkedDeque<LinearMemory> idle = IDLE.computeIfAbsent(rounded, size -> new ConcurrentLinkedDeque<>());
        LinearMemory mapping = idle.poll();
        if (mapping == null) {
            mapping = LinearMemory.ofNative(rounded, rounded);
        }
        RawMemory.preTouch(mapping.segment().address(), rounded);
        return new Lease(rounded, mapping);
    }
}
