package dev.offcut.internal.memory;

import dev.offcut.internal.Checks;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Native linear memory: the address space for the maximum is reserved once and pages are committed as it grows.
 *
 * <pre>
 *   reservation (PROT_NONE, MAP_NORESERVE)                                  maxByteSize
 *   |&lt;-------------------------------------------------------------------------&gt;|
 *   | committed: PROT_READ|PROT_WRITE | reserved, not accessible               |
 *   |&lt;--------- byteSize ----------&gt;|                                          |
 *   ^ base, 64 KiB aligned          ^ grow() mprotects the next pages here
 * </pre>
 *
 * <p>Why reserve-and-commit: growing never moves the memory, so segments and raw addresses handed out stay valid, and
 * pages that were never touched cost no RAM. The kernel hands out anonymous pages zeroed, which gives WebAssembly's
 * "zero when first grown into" for free. The raw mapping is over-reserved by one page so that the base can be rounded
 * up to 64 KiB: then an offset aligned to any power of two up to a page is an address aligned to it too.
 *
 * <p>The reservation belongs to a shared {@link Arena}; {@link #close()} closes it, which unmaps the range and makes
 * every segment over it (slices handed out by allocators included) inaccessible. The view returned by
 * {@link #segment()} is a slice {@code [0, byteSize)} of the reservation, so no code can reach an uncommitted page
 * through it: a stray access past the committed end throws {@link IndexOutOfBoundsException} instead of crashing the
 * JVM with SIGSEGV.
 *
 * <p>On systems other than Linux and macOS the whole maximum is allocated and zeroed up front instead.
 *
 * <p>Thread-safe, as every {@code AbstractLinearMemory}.
 */
public final class NativeLinearMemory extends AbstractLinearMemory {

    /** The most a native memory may reserve: 2^47 bytes, the user half of a 48-bit address space. */
    public static final long MAX_NATIVE_BYTE_SIZE = 1L << 47;

    private final Arena arena;
    private final MemorySegment reservation;
    private final boolean commitOnGrow;

    private NativeLinearMemory(Arena arena, MemorySegment reservation, long maxPageCount, boolean commitOnGrow) {
        super(reservation.asSlice(0, 0), maxPageCount);
        this.arena = arena;
        this.reservation = reservation;
        this.commitOnGrow = commitOnGrow;
    }

    /**
     * Reserves the address space and commits the initial pages.
     *
     * @param maxByteSize     the maximum, rounded up to pages
     * @param initialByteSize the initial size, rounded up to pages
     * @return the memory
     */
    public static NativeLinearMemory reserve(long maxByteSize, long initialByteSize) {
        Checks.checkInRange("maxByteSize", maxByteSize, 1, MAX_NATIVE_BYTE_SIZE);
        Checks.checkInRange("initialByteSize", initialByteSize, 0, maxByteSize);
        long maxPages = Checks.alignUp(maxByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT;
        long initialPages = Checks.alignUp(initialByteSize, PAGE_BYTE_SIZE) >>> PAGE_SHIFT;
        long reserveBytes = maxPages << PAGE_SHIFT;

        Arena arena = Arena.ofShared();
        NativeLinearMemory memory;
        try {
            if (Posix.AVAILABLE) {
                MemorySegment reservation = Posix.reserve(reserveBytes, arena);
                memory = new NativeLinearMemory(arena, reservation, maxPages, true);
            } else {
                memory = new NativeLinearMemory(arena, arena.allocate(reserveBytes, PAGE_BYTE_SIZE), maxPages, false);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        if (initialPages > 0 && memory.grow(initialPages) < 0) {
            memory.close();
            throw new OutOfMemoryError("cannot commit " + (initialPages << PAGE_SHIFT) + " initial bytes");
        }
        return memory;
    }

    @Override
    MemorySegment tryGrow(MemorySegment old, long newByteSize) {
        long oldByteSize = old.byteSize();
        if (commitOnGrow && !Posix.commit(reservation.asSlice(oldByteSize, newByteSize - oldByteSize))) {
            return null;
        }
        return reservation.asSlice(0, newByteSize);
    }

    @Override
    public boolean growsInPlace() {
        return true;
    }

    @Override
    void release() {
        arena.close();
    }

    @Override
    String name() {
        return "LinearMemory.ofNative";
    }

    /**
     * The three POSIX calls this class needs, bound through the {@link Linker} on Linux and macOS.
     *
     * <p>Restricted methods are the point here: binding libc and giving the raw mapping a size are exactly what
     * {@code --enable-native-access=dev.offcut} grants. Nothing else in the module is restricted.
     */
    @SuppressWarnings("restricted")
    private static final class Posix {
        static final boolean AVAILABLE;
        private static final MethodHandle MMAP;
        private static final MethodHandle MPROTECT;
        private static final MethodHandle MUNMAP;
        private static final int PROT_NONE = 0;
        private static final int PROT_READ_WRITE = 1 | 2;
        private static final int MAP_PRIVATE = 0x02;
        private static final int MAP_ANONYMOUS;
        private static final int MAP_NORESERVE;

        static {
            String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
            boolean linux = os.startsWith("linux");
            boolean mac = os.startsWith("mac");
            MAP_ANONYMOUS = linux ? 0x20 : 0x1000;
            MAP_NORESERVE = linux ? 0x4000 : 0x40;
            MethodHandle mmap = null;
            MethodHandle mprotect = null;
            MethodHandle munmap = null;
            if (linux || mac) {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                ValueLayout size = ValueLayout.JAVA_LONG;
                mmap = libc.find("mmap").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG))).orElse(null);
                mprotect = libc.find("mprotect").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT))).orElse(null);
                munmap = libc.find("munmap").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size))).orElse(null);
            }
            MMAP = mmap;
            MPROTECT = mprotect;
            MUNMAP = munmap;
            AVAILABLE = mmap != null && mprotect != null && munmap != null;
        }

        private Posix() {
        }

        /** Maps {@code byteSize + PAGE} bytes inaccessible, returns the 64 KiB aligned part, unmapped on close. */
        static MemorySegment reserve(long byteSize, Arena arena) {
            long rawSize = byteSize + PAGE_BYTE_SIZE;
            MemorySegment raw;
            try {
                raw = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, rawSize, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed", t);
            }
            long rawAddress = raw.address();
            if (rawAddress == -1L || rawAddress == 0L) {
                throw new OutOfMemoryError("cannot reserve " + byteSize + " bytes of address space");
            }
            long base = Checks.alignUp(rawAddress, PAGE_BYTE_SIZE);
            return MemorySegment.ofAddress(base).reinterpret(byteSize, arena, ignored -> unmap(rawAddress, rawSize));
        }

        static boolean commit(MemorySegment range) {
            try {
                return (int) MPROTECT.invokeExact(range, range.byteSize(), PROT_READ_WRITE) == 0;
            } catch (Throwable t) {
                throw new IllegalStateException("mprotect failed", t);
            }
        }

        private static void unmap(long address, long byteSize) {
            try {
                int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), byteSize);
            } catch (Throwable t) {
                throw new IllegalStateException("munmap failed", t);
            }
        }
    }
}
