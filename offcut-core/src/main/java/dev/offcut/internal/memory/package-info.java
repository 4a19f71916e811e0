/**
 * The backings of {@link dev.offcut.LinearMemory}: where the bytes live and how they grow.
 *
 * <ul>
 *   <li>{@link dev.offcut.internal.memory.AbstractLinearMemory}: what the three real backings share: the published
 *       view (a segment over {@code [0, byteSize)}, the single source of truth for size and "closed"), WebAssembly's
 *       {@code grow} semantics, page release and close.</li>
 *   <li>{@link dev.offcut.internal.memory.NativeLinearMemory}: reserve address space once, on a 2 MiB boundary, commit
 *       pages as it grows (never moves), release pages with {@code madvise}, lend its bytes to another scope.</li>
 *   <li>{@code Mapping}: a native memory's address range and the scopes holding it (the memory's own and those it
 *       lent its bytes to); unmapped when the last one closes, so that no segment outlives its pages.</li>
 *   <li>{@link dev.offcut.internal.memory.HeapLinearMemory}: a {@code long[]} grown by copying.</li>
 *   <li>{@link dev.offcut.internal.memory.FixedLinearMemory}: a segment the caller owns; cannot grow.</li>
 *   <li>{@link dev.offcut.internal.memory.FaultInjectingLinearMemory}: refuses chosen grows, for tests.</li>
 *   <li>{@code Posix}: {@code mmap}, {@code mprotect}, {@code munmap}, {@code madvise} through the {@code Linker},
 *       and the one {@code reinterpret} that gives mapped bytes a scope: the only class of the module that makes
 *       restricted calls, so that the reach of {@code --enable-native-access=dev.offcut} stays in one file (a
 *       mapped-file memory binds its calls here too).</li>
 * </ul>
 *
 * <p>This package depends on {@link dev.offcut.LinearMemory} and {@link dev.offcut.internal.Checks} only: never on
 * the allocator API, so a memory can be reasoned about (and reused) without any allocator. Every memory is
 * thread-safe: writers of the view hold the memory's monitor, readers see it through one volatile read.
 */
package dev.offcut.internal.memory;
