package dev.offcut.internal.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * The POSIX calls the native memories need, bound through the {@link Linker} on Linux and macOS: {@code mmap},
 * {@code mprotect}, {@code munmap} and {@code madvise}; and {@link #rescope}, which gives mapped bytes a scope.
 *
 * <p>This is the one class of the module that makes restricted calls. Binding libc and giving a raw mapping a size
 * are exactly what {@code --enable-native-access=dev.offcut} grants, so keeping them here keeps the grant's reach
 * visible: a mapped-file memory binds its extra calls here too, and {@link #rescope}, the module's one
 * {@code reinterpret}, lives here for the same reason. Every method takes or returns segments, never raw addresses,
 * except where a mapping is made, unmade or given a scope.
 *
 * <p>Failures of the calls themselves are answers ({@code false}, {@link OutOfMemoryError} for a reservation), not
 * exceptions; a {@link Throwable} from the method handle (impossible for these signatures) becomes
 * {@link IllegalStateException}.
 */
@SuppressWarnings("restricted")
final class Posix {

    /** Whether the calls are bound: Linux or macOS with the symbols found. */
    static final boolean AVAILABLE;
    /** Whether {@link #discard} leaves pages that read as zero: Linux's {@code MADV_DONTNEED} on private mappings. */
    static final boolean DISCARD_ZEROES;

    private static final MethodHandle MMAP;
    private static final MethodHandle MPROTECT;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final int PROT_NONE = 0;
    private static final int PROT_READ_WRITE = 1 | 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS;
    private static final int MAP_NORESERVE;
    /** Linux's value; macOS has the same number with weaker semantics, so it is only used on Linux. */
    private static final int MADV_DONTNEED = 4;

    static {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        boolean linux = os.startsWith("linux");
        boolean mac = os.startsWith("mac");
        MAP_ANONYMOUS = linux ? 0x20 : 0x1000;
        MAP_NORESERVE = linux ? 0x4000 : 0x40;
        MethodHandle mmap = null;
        MethodHandle mprotect = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        if (linux || mac) {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            ValueLayout size = ValueLayout.JAVA_LONG;
            mmap = bind(linker, libc, "mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, size,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            mprotect = bind(linker, libc, "mprotect",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT));
            munmap = bind(linker, libc, "munmap",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size));
            madvise = bind(linker, libc, "madvise",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT));
        }
        MMAP = mmap;
        MPROTECT = mprotect;
        MUNMAP = munmap;
        MADVISE = madvise;
        AVAILABLE = mmap != null && mprotect != null && munmap != null;
        DISCARD_ZEROES = AVAILABLE && linux && madvise != null;
    }

    private Posix() {
    }

    private static MethodHandle bind(Linker linker, SymbolLookup libc, String name, FunctionDescriptor descriptor) {
        return libc.find(name).map(address -> linker.downcallHandle(address, descriptor)).orElse(null);
    }

    /**
     * Maps {@code rawByteSize} bytes of address space, inaccessible ({@code PROT_NONE}) and with no swap reserved for
     * them ({@code MAP_NORESERVE}); pages become usable through {@link #commit}.
     *
     * @param rawByteSize the bytes to map
     * @return the mapping's address
     * @throws OutOfMemoryError if the address space cannot be reserved
     */
    static long map(long rawByteSize) {
        MemorySegment raw;
        try {
            raw = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, rawByteSize, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
        long rawAddress = raw.address();
        if (rawAddress == -1L || rawAddress == 0L) {
            throw new OutOfMemoryError("cannot reserve " + rawByteSize + " bytes of address space");
        }
        return rawAddress;
    }

    /**
     * Unmaps what {@link #map} mapped.
     *
     * @param address     the address {@link #map} returned
     * @param rawByteSize the size it was given
     */
    static void unmap(long address, long rawByteSize) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), rawByteSize);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }

    /**
     * Makes a segment of {@code byteSize} bytes at {@code address} in {@code arena}'s scope, running {@code onClose}
     * when that arena closes: the module's one re-scoping of raw memory ({@link MemorySegment#reinterpret(long, Arena,
     * java.util.function.Consumer)}, a restricted method). The caller guarantees that the bytes stay mapped and
     * accessible until {@code onClose} has run ({@link Mapping} counts the scopes that need them).
     *
     * @param address  the first byte, mapped
     * @param byteSize the segment's size, all of it mapped and committed as long as the segment is reachable through
     *                 a bounds check (a reservation's uncommitted tail is only ever reached through the memory's own
     *                 view, which never spans it)
     * @param arena    the arena whose scope the segment gets
     * @param onClose  run once when {@code arena} closes, or {@code null}
     * @return the segment
     * @throws IllegalStateException if {@code arena} is closed
     * @throws WrongThreadException  if {@code arena} is confined to another thread and {@code onClose} is not null
     */
    static MemorySegment rescope(long address, long byteSize, Arena arena, Runnable onClose) {
        return MemorySegment.ofAddress(address).reinterpret(byteSize, arena,
                onClose == null ? null : ignored -> onClose.run());
    }

    /**
     * Makes reserved pages readable and writable ({@code mprotect}).
     *
     * @param range whole pages of a reservation
     * @return {@code true} if committed, {@code false} if the system refused
     */
    static boolean commit(MemorySegment range) {
        try {
            return (int) MPROTECT.invokeExact(range, range.byteSize(), PROT_READ_WRITE) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("mprotect failed", t);
        }
    }

    /**
     * Gives committed pages' RAM back, keeping them mapped and accessible ({@code madvise(MADV_DONTNEED)}); on Linux
     * they then read as zero. Only called when {@link #DISCARD_ZEROES}.
     *
     * @param range whole pages of a reservation
     * @return {@code true} if the system did it
     */
    static boolean discard(MemorySegment range) {
        try {
            return (int) MADVISE.invokeExact(range, range.byteSize(), MADV_DONTNEED) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise failed", t);
        }
    }
}
