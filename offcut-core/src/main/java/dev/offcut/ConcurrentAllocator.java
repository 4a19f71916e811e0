package dev.offcut;

import dev.offcut.internal.concurrent.ConcurrentSizeClassAllocator;

import java.util.Objects;

/**
 * Offcut's allocator for multi-threaded programs: thread-safe by itself, with size classes, a heap per platform
 * thread, shared stripe heaps for virtual threads, and frees from any thread that go back to the span that owns the
 * block (the designs of mimalloc, rpmalloc and snmalloc, on the Java heap). Built by
 * {@link Allocator#concurrent(LinearMemory)} or {@link #builder(LinearMemory)}.
 *
 * <h2>What it promises</h2>
 * <ul>
 *   <li>Every {@link Allocator} method may be called from any thread at any time. Blocks up to 32 KiB (aligned up
 *       to 32 KiB) come from size classes; a block above 128 bytes gets at most 1.25 times its size. Larger or more
 *       aligned blocks come from a binned allocator over the same memory, under one lock that the small blocks never
 *       take.</li>
 *   <li>Bad frees are refused with {@link IllegalArgumentException} and nothing changes: double frees, interior,
 *       misaligned and foreign offsets, and a sized free whose size is not the exact size the block was allocated
 *       or last reallocated with, whichever thread makes them, for every free ordered by happens-before with the
 *       block's allocation and earlier frees. Two frees of one block that race (no happens-before between them)
 *       never corrupt the allocator's own state: at least one is refused at once, or dropped when the owner
 *       collects remote frees (then the next {@link #verify()} throws {@link IllegalStateException} naming it).
 *       One case cannot be told apart from a correct program: if the owner frees the block and hands the same
 *       offset out again before the racing free from another thread arrives, that free is accepted as a free of
 *       the new block (the history allocate, free, allocate, free is legal), and the new block's holder then holds
 *       a freed block. No allocator can refuse it without a per-allocation tag in the offset;
 *       {@link Allocator#locked(Allocator) a locked allocator} behaves the same.</li>
 *   <li>{@link #stats()} is cheap at any time (linear in the heaps, not the blocks) and exact when quiescent: no
 *       call in progress, and every thread's calls happened-before the call to {@code stats}. Byte counts of
 *       blocks are the sizes asked for. For size-class pages: {@code heapCount} counts spans (runs of 1, 2 or 4
 *       pages) and the back end's heaps; {@code claimedBytes} is their bytes and the back end's;
 *       {@code availableBytes} is the free blocks' block sizes in spans that heaps own, whole pooled spans and the
 *       back end's free chunks; {@code fragmentCount} counts spans and the back end's free chunks. A block freed by
 *       another thread counts as overhead until its owner collects it.</li>
 *   <li>{@link #tryAllocate} returns {@link Allocator#NULL} only when the memory cannot grow and no empty span is
 *       left in the pool, in the caller's heap, in a dead thread's heap or in a stripe heap not in use; a live
 *       platform thread's heap keeps its current span of each class even when it is empty.</li>
 *   <li>Memory goes back: empty spans return to a pool shared by every heap; dirty pooled pages above the retention
 *       cap are released with {@link LinearMemory#releasePages} as they arrive, and {@link #trim()} releases them
 *       all. Where the backing says released pages read as zero, zeroed allocation skips the zeroing there.</li>
 *   <li>Closing the memory ends the allocator as {@link Allocator} says; a small-block call may still answer from
 *       the allocator's own state.</li>
 * </ul>
 * It cannot be reopened from its memory (its state is on the Java heap); only the binned allocator can.
 */
public sealed interface ConcurrentAllocator extends Allocator permits ConcurrentSizeClassAllocator {

    /**
     * Starts configuring a concurrent allocator over {@code memory}.
     *
     * @param memory the memory to allocate from; the allocator owns its bytes from then on
     * @return a builder with the default settings
     * @throws NullPointerException if {@code memory} is {@code null}
     */
    static Builder builder(LinearMemory memory) {
        return new Builder(memory);
    }

    /**
     * Gives back to the operating system the pages of every empty span in the pool (and first, the empty spans of
     * the calling thread's own heap, of heaps whose thread died and of stripe heaps not in use, and the back end's
     * heaps that hold no live block). Other live threads' heaps keep their current spans.
     * What happens to the pages is the memory's {@link LinearMemory#releasePages} answer: heap and fixed memories
     * keep them.
     *
     * <p>It also collects the frees other threads made into the calling thread's spans. Only a heap's owner
     * collects them (on its allocation slow path, or here), so a thread that hands its blocks to other threads and
     * then stops allocating keeps their memory until it calls this.
     *
     * @return the bytes released
     * @throws IllegalStateException if the memory is closed
     */
    long trim();

    /**
     * Returns the bytes of the memory's pages this allocator has released to the operating system
     * ({@link LinearMemory#releasePages} answered {@code true}) and not handed to a heap since. Such pages hold no RAM
     * until they are written again. Takes the pool's lock briefly; exact when no other thread is in a call.
     *
     * @return bytes, a multiple of the page size; 0 on memories that keep their pages (heap, fixed)
     */
    long releasedByteSize();

    /**
     * Returns an estimate of the Java-heap bytes of this allocator's metadata: its spans' state (bitmaps and
     * per-block sizes), the page map, the heaps and the binding table, computed from their field and array sizes with
     * HotSpot's default 64-bit layout (12-byte headers, compressed references). The back end's metadata is in the
     * memory itself and is not included. Takes the pool's lock briefly.
     *
     * @return bytes
     */
    long metadataByteSize();

    /**
     * Returns what this allocator holds in all: the memory's grown bytes, less {@link #releasedByteSize()}, plus
     * {@link #metadataByteSize()}. This is the footprint to compare with the live bytes of
     * {@link AllocatorStats#allocatedBytes()}; it counts grown pages that were never touched as committed.
     *
     * @return bytes
     * @throws IllegalStateException if the memory is closed
     */
    default long committedByteSize() {
        return memory().byteSize() - releasedByteSize() + metadataByteSize();
    }

    /**
     * Settings of a {@link ConcurrentAllocator}. Not thread-safe; use once.
     */
    final class Builder {

        private final LinearMemory memory;
        private long retainedByteSize = 4L << 20;
        private int stripes = Math.max(2, Integer.highestOneBit(Runtime.getRuntime().availableProcessors() * 2 - 1) << 1);

        private Builder(LinearMemory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
        }

        /**
         * Sets how many bytes of dirty empty spans the pool keeps before it releases pages to the operating system.
         *
         * @param retainedByteSize bytes, {@code >= 0}; 4 MiB unless set
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder retainedByteSize(long retainedByteSize) {
            if (retainedByteSize < 0) {
                throw new IllegalArgumentException("retainedByteSize must be >= 0, was " + retainedByteSize);
            }
            this.retainedByteSize = retainedByteSize;
            return this;
        }

        /**
         * Sets the number of stripe heaps virtual threads share.
         *
         * @param stripes a power of two in {@code [1, 1024]}; twice the processors, rounded up, unless set
         * @return this builder
         * @throws IllegalArgumentException if not a power of two in range
         */
        public Builder stripes(int stripes) {
            if (stripes < 1 || stripes > 1024 || (stripes & (stripes - 1)) != 0) {
                throw new IllegalArgumentException("stripes must be a power of two in [1, 1024], was " + stripes);
            }
            this.stripes = stripes;
            return this;
        }

        /**
         * Builds the allocator. Nothing is written to the memory until the first allocation.
         *
         * @return a new concurrent allocator
         * @throws IllegalStateException if the memory is closed
         */
        public ConcurrentAllocator build() {
            return new ConcurrentSizeClassAllocator(memory, retainedByteSize, stripes);
        }
    }
}
