/**
 * Offcut: allocators for linear memory on the Foreign Function and Memory API.
 *
 * <p>The module exports one package, {@link dev.offcut}, which holds the whole API: {@link dev.offcut.LinearMemory},
 * {@link dev.offcut.Allocator} and its factories, and the {@link dev.offcut.OffcutArena} facade. The implementations
 * live in packages that are not exported, one per part: {@code dev.offcut.internal} (shared checks and segment
 * helpers), {@code .memory} (the memory backings and the one class that makes restricted calls), {@code .simple}
 * (the seeds' small allocators), {@code .binned} (the binned allocator), {@code .concurrent} (thread safety) and
 * {@code .debug} (checked mode); each has a {@code package-info} with its map.
 *
 * <p>{@link dev.offcut.LinearMemory#ofNative(long)} reserves address space with {@code mmap}, a restricted
 * operation: run with {@code --enable-native-access=dev.offcut} (or {@code ALL-UNNAMED} on the class path) to
 * silence the JDK's warning.
 */
module dev.offcut {
    exports dev.offcut;
}
