/**
 * The seeds' small allocators, each a model of one idea in one file:
 *
 * <ul>
 *   <li>{@link dev.offcut.internal.simple.FailingAllocator}: refuses everything (lol_alloc's {@code FailAllocator}).</li>
 *   <li>{@link dev.offcut.internal.simple.UnsyncPageAllocator}: whole 64 KiB pages, never freed (lol_alloc's
 *       leaking page allocator).</li>
 *   <li>{@link dev.offcut.internal.simple.UnsyncBumpAllocator}: a bump pointer with mark and reset, and free zeroing
 *       of fresh pages (mini-alloc).</li>
 *   <li>{@link dev.offcut.internal.simple.UnsyncFreeListAllocator}: an address-ordered first-fit free list that
 *       merges neighbours (lol_alloc's {@code FreeListAllocator}), with its chunk format in
 *       {@link dev.offcut.internal.simple.FreeListLayout}.</li>
 * </ul>
 *
 * <p>None is thread-safe ({@code Unsync*}); share one through {@code Allocator.locked}. Each keeps the argument
 * prologue of {@code tryReallocate} and sized {@code free} in its own body on purpose: a shared template method would
 * put a polymorphic call on every allocator's hot path.
 */
package dev.offcut.internal.simple;
