package dev.offcut.bench.subject;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Counts the resident bytes of a range of this process's memory with Linux's {@code mincore}: the RAM the range
 * really holds (pages never touched and pages given back with {@code madvise(MADV_DONTNEED)} do not count). A lower
 * bound beside a memory's grown bytes, its upper bound.
 */
public final class Resident {

    private static final long OS_PAGE = 4096;
    private static final MethodHandle MINCORE = link();

    private Resident() {
    }

    @SuppressWarnings("restricted") // Catalog.JVM_FLAGS grants native access.
    private static MethodHandle link() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().findOrThrow("mincore"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS));
        } catch (RuntimeException unavailable) {
            return null;
        }
    }

    /**
     * Returns the resident bytes of a page-aligned range.
     *
     * @param address  the range's start, a multiple of 4 KiB
     * @param byteSize its length
     * @return resident bytes, or -1 when {@code mincore} is not available or fails
     */
    public static long bytes(long address, long byteSize) {
        if (MINCORE == null || byteSize <= 0) {
            return byteSize <= 0 ? 0 : -1;
        }
        long pages = (byteSize + OS_PAGE - 1) / OS_PAGE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vector = arena.allocate(pages);
            int result = (int) MINCORE.invokeExact(address, pages * OS_PAGE, vector);
            if (result != 0) {
                return -1;
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                resident += vector.get(ValueLayout.JAVA_BYTE, i) & 1;
            }
            return resident * OS_PAGE;
        } catch (Throwable failed) {
            return -1;
        }
    }
}
