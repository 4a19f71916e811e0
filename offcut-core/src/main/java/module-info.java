/**
 * Offcut: allocators for linear memory on the Foreign Function and Memory API.
 *
 * <p>The module exports one package, {@link dev.offcut}, which holds the whole API: {@link dev.offcut.LinearMemory},
 * {@link dev.offcut.Allocator} and its factories, and the {@link dev.offcut.OffcutArena} facade. Every implementation
 * lives in {@code dev.offcut.internal}, which is not exported.
 *
 * <p>{@link dev.offcut.LinearMemory#ofNative(long)} reserves address space with {@code mmap}, a restricted
 * operation: run with {@code --enable-native-access=dev.offcut} (or {@code ALL-UNNAMED} on the class path) to
 * silence the JDK's warning.
 */
module dev.offcut {
    exports dev.offcut;
}
