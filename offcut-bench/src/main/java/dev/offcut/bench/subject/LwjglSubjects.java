package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import org.lwjgl.system.jemalloc.JEmalloc;
import org.lwjgl.system.rpmalloc.RPmalloc;

import java.util.List;

/**
 * jemalloc and rpmalloc as LWJGL 3 binds them (JNI; the native libraries come in LWJGL's natives-linux jars and
 * are extracted to a temporary folder on first use). Both are thread-safe with per-thread caches; rpmalloc needs
 * each thread initialised, which {@link Subject#enterThread()} does.
 */
public final class LwjglSubjects {

    private static final long MALLOC_BYTE_ALIGNMENT = 16;

    private LwjglSubjects() {
    }

    /**
     * Returns the LWJGL subjects.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        return List.of(
                Factory.named("jemalloc (LWJGL)", "jemalloc through LWJGL's JNI bindings (je_malloc, "
                                + "je_aligned_alloc, je_rallocx, je_free).")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.THREAD_SAFE,
                                Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> new JemallocSubject())
                        .build(),
                Factory.named("rpmalloc (LWJGL)", "rpmalloc through LWJGL's JNI bindings (rpmalloc, "
                                + "rpaligned_alloc, rpaligned_realloc, rpfree).")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.THREAD_SAFE,
                                Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> new RpmallocSubject())
                        .build());
    }

    /** jemalloc: realloc keeps a high alignment through rallocx's MALLOCX_ALIGN flag. */
    private static final class JemallocSubject implements Subject {
        @Override
        public long allocate(long byteSize, long byteAlignment) {
            return byteAlignment <= MALLOC_BYTE_ALIGNMENT ? JEmalloc.nje_malloc(byteSize)
                    : JEmalloc.nje_aligned_alloc(byteAlignment, byteSize);
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            JEmalloc.nje_free(handle);
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            if (byteAlignment <= MALLOC_BYTE_ALIGNMENT) {
                return JEmalloc.nje_realloc(handle, newByteSize);
            }
            return JEmalloc.nje_rallocx(handle, newByteSize,
                    JEmalloc.MALLOCX_ALIGN(Math.toIntExact(byteAlignment)));
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
            // The workloads free their live blocks before closing a subject.
        }
    }

    /** Initialises rpmalloc once per JVM, on first use. */
    private static final class RpmallocGlobal {
        static final Thread INITIALISING_THREAD = Thread.currentThread();

        static {
            // rpmalloc_initialize returns 0 on success, which LWJGL's boolean wrapper reports as false.
            if (RPmalloc.rpmalloc_initialize()) {
                throw new IllegalStateException("rpmalloc_initialize failed");
            }
        }

        static void touch() {
            // Loading this class is the initialisation.
        }
    }

    /** rpmalloc: each thread gets its own heap on enterThread and gives it back on exitThread. */
    private static final class RpmallocSubject implements Subject {
        RpmallocSubject() {
            RpmallocGlobal.touch();
        }

        @Override
        public void enterThread() {
            if (!RPmalloc.rpmalloc_is_thread_initialized()) {
                RPmalloc.rpmalloc_thread_initialize();
            }
        }

        @Override
        public void exitThread() {
            // The thread that initialised rpmalloc keeps its heap: it may use the library again without asking.
            if (Thread.currentThread() != RpmallocGlobal.INITIALISING_THREAD) {
                RPmalloc.rpmalloc_thread_finalize(true);
            }
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            return byteAlignment <= MALLOC_BYTE_ALIGNMENT ? RPmalloc.nrpmalloc(byteSize)
                    : RPmalloc.nrpaligned_alloc(byteAlignment, byteSize);
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            RPmalloc.nrpfree(handle);
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            if (byteAlignment <= MALLOC_BYTE_ALIGNMENT) {
                return RPmalloc.nrprealloc(handle, newByteSize);
            }
            return RPmalloc.nrpaligned_realloc(handle, byteAlignment, newByteSize, oldByteSize, 0);
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
            // The workloads free their live blocks before closing a subject.
        }
    }
}
