package dev.offcut.bench.subject;

import dev.offcut.LinearMemory;
import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.List;

/**
 * The no-op subject: every allocation returns the same scratch address of the calling thread's stripe and every
 * free does nothing. Run through a workload it measures the workload's own cost (its threads, queues, random
 * numbers, touches and content writes, which still hit memory), so the other subjects' figures can be read net of
 * the harness. Its blocks alias one another, so content checks mean nothing on it (the workloads only assert them
 * in their checking mode, which tests run on real allocators).
 */
public final class NoopSubjects {

    /** The no-op subject's name. */
    public static final String NAME = "no-op";

    /** Scratch bytes per stripe: the largest block a workload asks for must fit. */
    public static final long STRIPE_BYTE_SIZE = 1L << 20;

    private static final int STRIPES = 16;

    private NoopSubjects() {
    }

    /**
     * Returns the no-op subject.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        return List.of(Factory.named(NAME, "Allocates nothing: returns a per-thread scratch address (threads "
                                + "striped by id over " + STRIPES + " stripes of 1 MiB), frees nothing: each "
                                + "workload's own cost.")
                .can(Capability.FREES, Capability.REALLOCATES, Capability.THREAD_SAFE, Capability.NATIVE_ADDRESS)
                .maxByteAlignment(1L << 16) // the scratch is 64 KiB aligned, its stripes 1 MiB apart
                .open(heapByteSize -> new NoopSubject())
                .build());
    }

    /** Made on first use: 16 MiB reserved, pages committed as the workloads touch them. */
    private static final class Scratch {
        static final long BASE = LinearMemory.ofNative(STRIPES * STRIPE_BYTE_SIZE, STRIPES * STRIPE_BYTE_SIZE)
                .segment().address();
    }

    private static final class NoopSubject implements Subject {
        private final long base = Scratch.BASE;

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            if (byteSize > STRIPE_BYTE_SIZE) {
                return 0;
            }
            return base + (Thread.currentThread().threadId() & (STRIPES - 1)) * STRIPE_BYTE_SIZE;
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            // Nothing: the harness's cost is what is left.
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            return newByteSize > STRIPE_BYTE_SIZE ? 0 : handle;
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
            // The scratch stays for the JVM's life.
        }
    }
}
