package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.MemorySource;

/**
 * The one implementation of {@link MemorySource}: a kind and its parameters. The binned allocator switches on the kind
 * on its out-of-memory path ({@link UnsyncBinnedAllocator}), so the callback never leaves this package and the
 * allocator's internals stay private.
 */
public final class BinnedSource implements MemorySource {

    /** What the source does. */
    public enum Kind {
        /** Never adds memory. */
        MANUAL,
        /** Claims {@link #offset()}, {@link #byteSize()} once. */
        CLAIM,
        /** Grows the memory and extends the heap at its end. */
        GROW_AND_EXTEND,
        /** Grows the memory and claims the new pages as a heap. */
        GROW_AND_CLAIM,
        /** Borrows blocks from {@link #parent()}. */
        PARENT
    }

    /** The shared manual source. */
    public static final BinnedSource MANUAL = new BinnedSource(Kind.MANUAL, 0, 0, null);
    /** The shared grow-and-extend source. */
    public static final BinnedSource GROW_AND_EXTEND = new BinnedSource(Kind.GROW_AND_EXTEND, 0, 0, null);
    /** The shared grow-and-claim source. */
    public static final BinnedSource GROW_AND_CLAIM = new BinnedSource(Kind.GROW_AND_CLAIM, 0, 0, null);

    private final Kind kind;
    private final long offset;
    private final long byteSize;
    private final Allocator parent;

    /**
     * Creates a source; use the factories of {@link MemorySource}.
     *
     * @param kind     what it does
     * @param offset   the region to claim (claim sources)
     * @param byteSize the region's size (claim sources)
     * @param parent   the parent allocator (parent sources), else {@code null}
     */
    public BinnedSource(Kind kind, long offset, long byteSize, Allocator parent) {
        this.kind = kind;
        this.offset = offset;
        this.byteSize = byteSize;
        this.parent = parent;
    }

    /**
     * Returns what the source does.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Returns the first byte of the region a claim source claims.
     *
     * @return the offset, 0 for other kinds
     */
    public long offset() {
        return offset;
    }

    /**
     * Returns the size of the region a claim source claims.
     *
     * @return the byte size, 0 for other kinds
     */
    public long byteSize() {
        return byteSize;
    }

    /**
     * Returns the allocator a parent source borrows from.
     *
     * @return the parent, or {@code null} for other kinds
     */
    public Allocator parent() {
        return parent;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case MANUAL -> "MemorySource.manual()";
            case CLAIM -> "MemorySource.claim(" + offset + ", " + byteSize + ")";
            case GROW_AND_EXTEND -> "MemorySource.growAndExtend()";
            case GROW_AND_CLAIM -> "MemorySource.growAndClaim()";
            case PARENT -> "MemorySource.fromParent(" + parent + ")";
        };
    }
}
