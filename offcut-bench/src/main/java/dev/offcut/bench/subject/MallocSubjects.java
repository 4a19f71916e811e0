package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The C library's malloc, free, realloc and aligned_alloc (glibc here) called through {@link Linker}: the
 * baseline every ratio is relative to. Pointers travel as {@code long}s (size_t and pointers are both 64-bit on
 * the supported platforms), so no {@code MemorySegment} is made per call.
 *
 * <p>Alignments above 16 (what glibc's malloc gives) use aligned_alloc; realloc of such a block is
 * aligned_alloc + copy + free, because realloc does not keep an alignment above malloc's.
 */
public final class MallocSubjects {

    /** What glibc's malloc aligns every block to on x86-64 and AArch64. */
    static final long MALLOC_BYTE_ALIGNMENT = 16;

    private MallocSubjects() {
    }

    /**
     * Returns the baseline subject and its {@code critical} variant.
     *
     * @param baselineName the baseline's name
     * @return the factories
     */
    public static List<SubjectFactory> all(String baselineName) {
        return List.of(
                Factory.named(baselineName, "glibc malloc/free/realloc (aligned_alloc above 16-byte alignment) "
                                + "through ordinary Linker downcalls: the baseline.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.THREAD_SAFE,
                                Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> new MallocSubject(false))
                        .build(),
                Factory.named("malloc (Linker critical)", "The same calls as the baseline, linked with "
                                + "Linker.Option.critical(false): no thread-state transition per call.")
                        .can(Capability.FREES, Capability.REALLOCATES, Capability.THREAD_SAFE,
                                Capability.NATIVE_ADDRESS)
                        .open(heapByteSize -> new MallocSubject(true))
                        .build());
    }

    /**
     * The subject. The downcall handles are static finals, so the JIT treats them as constants and inlines the
     * downcall stubs; {@code critical} picks the set (a final field, so the branch is free).
     */
    private static final class MallocSubject implements Subject {
        private static final MethodHandle MALLOC = link("malloc", false, 1);
        private static final MethodHandle FREE = linkVoid("free", false);
        private static final MethodHandle REALLOC = link("realloc", false, 2);
        private static final MethodHandle ALIGNED_ALLOC = link("aligned_alloc", false, 2);
        private static final MethodHandle MALLOC_CRITICAL = link("malloc", true, 1);
        private static final MethodHandle FREE_CRITICAL = linkVoid("free", true);
        private static final MethodHandle REALLOC_CRITICAL = link("realloc", true, 2);
        private static final MethodHandle ALIGNED_ALLOC_CRITICAL = link("aligned_alloc", true, 2);

        private final boolean critical;

        MallocSubject(boolean critical) {
            this.critical = critical;
        }

        private static Linker.Option[] options(boolean critical) {
            return critical ? new Linker.Option[] {Linker.Option.critical(false)} : new Linker.Option[0];
        }

        @SuppressWarnings("restricted") // Linking is why this subject exists; Catalog.JVM_FLAGS grants the access.
        private static MethodHandle link(String name, boolean critical, int argumentCount) {
            Linker linker = Linker.nativeLinker();
            ValueLayout[] arguments = new ValueLayout[argumentCount];
            java.util.Arrays.fill(arguments, ValueLayout.JAVA_LONG);
            return linker.downcallHandle(linker.defaultLookup().findOrThrow(name),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, arguments), options(critical));
        }

        @SuppressWarnings("restricted")
        private static MethodHandle linkVoid(String name, boolean critical) {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().findOrThrow(name),
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG), options(critical));
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            try {
                if (byteAlignment <= MALLOC_BYTE_ALIGNMENT) {
                    return critical ? (long) MALLOC_CRITICAL.invokeExact(byteSize)
                            : (long) MALLOC.invokeExact(byteSize);
                }
                return critical ? (long) ALIGNED_ALLOC_CRITICAL.invokeExact(byteAlignment, byteSize)
                        : (long) ALIGNED_ALLOC.invokeExact(byteAlignment, byteSize);
            } catch (Throwable impossible) {
                throw new AssertionError(impossible);
            }
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            try {
                if (critical) {
                    FREE_CRITICAL.invokeExact(handle);
                } else {
                    FREE.invokeExact(handle);
                }
            } catch (Throwable impossible) {
                throw new AssertionError(impossible);
            }
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            try {
                if (byteAlignment <= MALLOC_BYTE_ALIGNMENT) {
                    return critical ? (long) REALLOC_CRITICAL.invokeExact(handle, newByteSize)
                            : (long) REALLOC.invokeExact(handle, newByteSize);
                }
                long moved = allocate(newByteSize, byteAlignment);
                if (moved != 0) {
                    RawMemory.copy(handle, moved, Math.min(oldByteSize, newByteSize));
                    free(handle, oldByteSize, byteAlignment);
                }
                return moved;
            } catch (Throwable impossible) {
                throw new AssertionError(impossible);
            }
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
            // Nothing of its own: the workloads free their live blocks before closing a subject.
        }
    }
}
