/**
 * Offcut's API: allocators for linear memory, on the Foreign Function and Memory API.
 *
 * <ul>
 *   <li>{@link dev.offcut.LinearMemory}: one byte range addressed by {@code long} offsets that grows in 64 KiB
 *       pages, as a WebAssembly memory does; native ({@code mmap}-reserved), heap, or a segment you own.</li>
 *   <li>{@link dev.offcut.Allocator}: the contract every allocator keeps, and the factories of the family
 *       ({@code failing}, {@code pages}, {@code bump}, {@code freeList}, {@code binned}) and of the wrappers
 *       ({@code locked}, {@code confined}, {@code checked}); {@link dev.offcut.BumpAllocator} and
 *       {@link dev.offcut.BinnedAllocator} add what those two can do beyond it ({@link dev.offcut.MemorySource} and
 *       {@link dev.offcut.Binning} configure the binned one).</li>
 *   <li>{@link dev.offcut.AllocatorStats}: an immutable snapshot of an allocator's counters.</li>
 *   <li>{@link dev.offcut.OffcutArena}: any allocator over native memory as a standard
 *       {@link java.lang.foreign.Arena}, whose segments can also be freed one by one.</li>
 * </ul>
 *
 * <p>Everything else of the module is in unexported {@code dev.offcut.internal} packages.
 */
package dev.offcut;
