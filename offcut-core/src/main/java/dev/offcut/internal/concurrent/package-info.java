/**
 * Thread safety: how an allocator is shared between threads, or kept to one.
 *
 * <ul>
 *   <li>{@link dev.offcut.internal.concurrent.LockedAllocator}: one monitor around any allocator's
 *       {@code Allocator} methods ({@code Allocator.locked}); simple, and checked for linearizability by Lincheck,
 *       but every thread queues on it.</li>
 *   <li>{@link dev.offcut.internal.concurrent.ConcurrentSizeClassAllocator}: the allocator for many threads
 *       ({@code Allocator.concurrent}), thread-safe by itself: size classes up to 32 KiB in spans whose bitmaps live
 *       on the Java heap ({@code Span}, {@code SizeClasses}, {@code PageMap}), a heap per platform thread and shared
 *       stripe heaps for virtual threads ({@code Heap}, {@code HeapRegistry}), frees from any thread returned to the
 *       owning span, empty spans pooled and released ({@code SpanPool}), larger blocks in a binned back end
 *       ({@code BackEnd}). Its design header tells the algorithm, the invariants and the races. Arrows
 *       ({@code jdeps -verbose:class}) point one way: {@code ConcurrentSizeClassAllocator} to every file;
 *       {@code HeapRegistry} to {@code Heap} and {@code SpanPool}; {@code BackEnd} to {@code SpanPool},
 *       {@code PageMap} and {@code Span}; {@code Heap} to {@code SpanPool}, {@code Span} and {@code SizeClasses};
 *       {@code SpanPool} to {@code Span}, {@code PageMap} and {@code SizeClasses}; {@code PageMap} to {@code Span};
 *       {@code Span} to {@code SizeClasses}. Upward calls are callbacks ({@code Heap} asks the registry through a
 *       {@code Runnable}, the pool starts the back end through a {@code BooleanSupplier}) and a span names its heap
 *       as an {@code Object}.</li>
 *   <li>{@link dev.offcut.internal.concurrent.ConfinedAllocator}: binds any allocator to one thread and refuses
 *       others with {@link java.lang.WrongThreadException}, as {@code Arena.ofConfined()} does
 *       ({@code Allocator.confined}).</li>
 * </ul>
 *
 * <p>Wrappers cover the {@code Allocator} methods only: a bump allocator's marks and a binned allocator's heap
 * management stay on the unwrapped object.
 */
package dev.offcut.internal.concurrent;
