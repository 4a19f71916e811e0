package dev.offcut.internal.memory;

import dev.offcut.internal.Checks;
import dev.offcut.LinearMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What every backing of {@link LinearMemory} shares: the published view, WebAssembly's {@code grow} semantics and
 * closing. A backing supplies only how to grow ({@link #tryGrow}) and what closing releases ({@link #release}).
 *
 * <p>The view is a segment over {@code [0, byteSize)}; it is the single source of truth for the size, so the page
 * count, the byte size and "closed" ({@code view == null}) can never disagree. Writers hold the monitor; readers see
 * the latest view through a volatile read and need no lock.
 */
public abstract sealed class AbstractLinearMemory implements LinearMemory
        permits NativeLinearMemory, HeapLinearMemory, FixedLinearMemory {

    private final long maxPageCount;
    /** The current view, {@code [0, byteSize)}; {@code null} once closed. */
    private volatile MemorySegment view;

    AbstractLinearMemory(MemorySegment initialView, long maxPageCount) {
        this.view = initialView;
        this.maxPageCount = maxPageCount;
    }

    /**
     * Grows the backing to {@code newByteSize}, keeping the contents, with the new bytes zero. Called under the
     * monitor, only for a real grow within the maximum.
     *
     * @param old         the current view
     * @param newByteSize the new size, a whole number of pages larger than {@code old}'s
     * @return the new view, or {@code null} if the system refused (the memory is then unchanged)
     */
    abstract MemorySegment tryGrow(MemorySegment old, long newByteSize);

    /**
     * Gives the RAM behind {@code range} back to the system, if the backing can. Called with a checked range of
     * whole pages inside the current view.
     *
     * @param range whole pages of the current view
     * @return {@code true} if the pages were released and now read as zero; {@code false} if nothing changed
     */
    boolean tryRelease(MemorySegment range) {
        return false; // heap and fixed memories: a Java array or a caller's segment cannot give back part of itself
    }

    /**
     * Returns {@code view}'s bytes as a segment of {@code borrower}'s scope, keeping them mapped while that scope is
     * alive. Called under the monitor with the memory open.
     *
     * @param view     the current view
     * @param borrower the arena whose scope the segment gets
     * @return the lent segment, {@code view.byteSize()} bytes
     * @throws UnsupportedOperationException if the backing's bytes are not its own to lend (the default)
     */
    MemorySegment lend(MemorySegment view, Arena borrower) {
        throw new UnsupportedOperationException(name() + " cannot give its bytes another scope: only"
                + " LinearMemory.ofNative owns its bytes (heap memory moves when it grows, and a fixed segment lives as"
                + " long as its caller's scope)");
    }

    /** Releases what the backing holds; called once, under the monitor, when the memory is closed. */
    abstract void release();

    /**
     * Returns the backing's name for {@link #toString()}, e.g. {@code "LinearMemory.ofNative"}.
     *
     * @return the name
     */
    abstract String name();

    @Override
    public final long pageCount() {
        return segment().byteSize() >>> PAGE_SHIFT;
    }

    @Override
    public final long maxPageCount() {
        return maxPageCount;
    }

    @Override
    public final long byteSize() {
        return segment().byteSize();
    }

    @Override
    public long maxByteSize() {
        return maxPageCount << PAGE_SHIFT;
    }

    @Override
    public final synchronized long grow(long pageCount) {
        Checks.checkInRange("pageCount", pageCount, 0, Long.MAX_VALUE);
        MemorySegment old = view;
        if (old == null) {
            return -1;
        }
        long oldPages = old.byteSize() >>> PAGE_SHIFT;
        if (pageCount > maxPageCount - oldPages) {
            return -1; // past the maximum: refused, as memory.grow refuses, never thrown
        }
        if (pageCount == 0) {
            return oldPages;
        }
        MemorySegment grown = tryGrow(old, (oldPages + pageCount) << PAGE_SHIFT);
        if (grown == null) {
            return -1;
        }
        view = grown;
        return oldPages;
    }

    @Override
    public final boolean releasePages(long offset, long byteSize) {
        MemorySegment v = segment();
        checkPageRange(offset, byteSize, v.byteSize());
        return byteSize != 0 && tryRelease(v.asSlice(offset, byteSize));
    }

    /**
     * Checks the arguments of {@link #releasePages(long, long)}: whole pages inside the memory's first
     * {@code memoryByteSize} bytes.
     *
     * @param offset         the first byte, a multiple of {@link #PAGE_BYTE_SIZE}
     * @param byteSize       the length, a multiple of {@link #PAGE_BYTE_SIZE}
     * @param memoryByteSize the memory's size now
     * @throws IllegalArgumentException if the range is not whole pages inside the memory
     */
    static void checkPageRange(long offset, long byteSize, long memoryByteSize) {
        long pagesEnd = memoryByteSize & -PAGE_BYTE_SIZE;
        if (offset < 0 || offset > pagesEnd || (offset & (PAGE_BYTE_SIZE - 1)) != 0) {
            throw Checks.outOfRange("offset", offset, "a multiple of " + PAGE_BYTE_SIZE + " in [0, " + pagesEnd + "]");
        }
        if (byteSize < 0 || byteSize > pagesEnd - offset || (byteSize & (PAGE_BYTE_SIZE - 1)) != 0) {
            throw Checks.outOfRange("byteSize", byteSize,
                    "a multiple of " + PAGE_BYTE_SIZE + " in [0, " + (pagesEnd - offset) + "]");
        }
    }

    @Override
    public final MemorySegment segment() {
        MemorySegment v = view;
        if (v == null) {
            throw new IllegalStateException("the memory is closed");
        }
        return v;
    }

    @Override
    public final synchronized MemorySegment segment(Arena arena) {
        Objects.requireNonNull(arena, "arena");
        return lend(segment(), arena);
    }

    @Override
    public final synchronized void close() {
        if (view != null) {
            release(); // first: if it throws (a segment is in use by a downcall), the memory stays open and usable
            view = null;
        }
    }

    @Override
    public final String toString() {
        MemorySegment v = view;
        return name() + "[" + (v == null ? "closed" : v.byteSize() + " of " + maxByteSize() + " bytes") + "]";
    }
}
