/**
 * Offcut's implementations, one package per part, none exported. This package holds only what every part shares:
 * {@link dev.offcut.internal.Checks} (argument checks and the wording of every exception, and the size and alignment
 * bounds the API's constants refer to) and {@link dev.offcut.internal.MemorySegments} (zeroing and copying).
 *
 * <h2>Map</h2>
 * <pre>
 *   dev.offcut                      the API (exported): LinearMemory, Allocator and factories, OffcutArena
 *     |
 *     +-- internal.debug            checked mode: an exact record of live blocks around any allocator
 *     +-- internal.concurrent       thread safety: locked and confined wrappers (and the concurrent allocator)
 *     +-- internal.binned           the binned boundary-tag allocator (talc, dlmalloc, TLSF), in parts
 *     +-- internal.simple           the seeds' small allocators: failing, pages, bump, free list
 *     +-- internal.memory           LinearMemory backings; Posix, the one class making restricted calls
 *     +-- internal                  Checks, MemorySegments: used by all of the above
 * </pre>
 * Dependencies point down the list: an allocator package uses the memory API and {@code internal}; the memory
 * package uses only {@code dev.offcut.LinearMemory} and {@code internal}, never the allocator API; {@code internal}
 * uses nothing of Offcut's.
 *
 * <h2>Conventions in every internal package</h2>
 * <ul>
 *   <li>Offsets and sizes are {@code long}s; {@code 0} is {@code NULL}, never a block. Units are in names:
 *       {@code byteSize}, {@code byteAlignment}, {@code pageCount}.</li>
 *   <li>{@code try*} returns a sentinel ({@code NULL}, {@code -1}, {@code false}) instead of throwing;
 *       {@code check*} throws {@link java.lang.IllegalArgumentException} naming the argument and its range;
 *       {@code verify*} throws {@link java.lang.IllegalStateException} naming the broken invariant.</li>
 *   <li>A class name states its thread-safety contract: {@code Unsync*} is for one thread at a time,
 *       {@code Locked*}, {@code Confined*} and {@code Concurrent*} say how they are shared; memories are
 *       thread-safe.</li>
 *   <li>Each allocator opens with a design header: a picture of its layout, the steps of allocate and free, its
 *       invariants as expressions a test can check, and the algorithm's origin.</li>
 *   <li>Hot paths (allocate, free, reallocate) allocate no Java objects and stay small enough for the JIT to
 *       inline; cold work lives in separate methods or classes.</li>
 * </ul>
 */
package dev.offcut.internal;
