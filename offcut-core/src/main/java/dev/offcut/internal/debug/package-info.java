/**
 * Debug mode: {@link dev.offcut.internal.debug.UnsyncCheckedAllocator} ({@code Allocator.checked}) wraps any
 * allocator with an exact record of its live blocks, checks every call and every answer against it (overlaps,
 * alignment, bad frees, kept contents on reallocation) and runs the wrapped allocator's {@code verify()} after each
 * call. It costs a map entry per block and a copy per reallocation: a tool for tests, not for production.
 */
package dev.offcut.internal.debug;
