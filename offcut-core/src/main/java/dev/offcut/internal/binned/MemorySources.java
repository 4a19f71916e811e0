package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.MemorySource;

import java.util.Objects;

/**
 * The memory sources of the binned allocator: one record per kind, the permitted subtypes of the public sealed
 * {@link MemorySource} (whose static factories make them). A {@code switch} over them is exhaustive, so the compiler
 * names every place a new source must be handled. Records compare by value: two claim sources of the same region are
 * equal, and two parent sources of the same parent allocator.
 */
public final class MemorySources {

    private MemorySources() {
    }

    /** The shared manual source. */
    public static final Manual MANUAL = new Manual();
    /** The shared grow-and-extend source. */
    public static final GrowAndExtend GROW_AND_EXTEND = new GrowAndExtend();
    /** The shared grow-and-claim source. */
    public static final GrowAndClaim GROW_AND_CLAIM = new GrowAndClaim();

    /** Never adds memory. */
    public record Manual() implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.manual()";
        }
    }

    /**
     * Claims one region, once.
     *
     * @param offset   the first byte of the region
     * @param byteSize the region's size
     */
    public record Claim(long offset, long byteSize) implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.claim(" + offset + ", " + byteSize + ")";
        }
    }

    /** Grows the memory and extends the heap at its end. */
    public record GrowAndExtend() implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.growAndExtend()";
        }
    }

    /** Grows the memory and claims the new pages as a heap. */
    public record GrowAndClaim() implements MemorySource {
        @Override
        public String toString() {
            return "MemorySource.growAndClaim()";
        }
    }

    /**
     * Borrows blocks of a parent allocator over the same memory as heaps, and hands each back when it empties.
     *
     * @param parent the allocator to borrow from
     */
    public record FromParent(Allocator parent) implements MemorySource {
        /**
         * Checks the parent.
         *
         * @param parent the allocator to borrow from
         * @throws NullPointerException if {@code parent} is {@code null}
         */
        public FromParent {
            Objects.requireNonNull(parent, "parent");
        }

        @Override
        public String toString() {
            return "MemorySource.fromParent(" + parent + ")";
        }
    }

    /**
     * Returns whether a source grows the memory (and so makes the memory's bytes after a fresh superblock a heap).
     *
     * @param source a source
     * @return true for the grow-and-extend and grow-and-claim sources
     */
    public static boolean growing(MemorySource source) {
        return switch (source) {
            case GrowAndExtend _, GrowAndClaim _ -> true;
            case Manual _, Claim _, FromParent _ -> false;
        };
    }

    /**
     * Returns the parent of a parent source.
     *
     * @param source a source
     * @return its parent allocator, or {@code null} if it is not a parent source
     */
    public static Allocator parentOf(MemorySource source) {
        return source instanceof FromParent(Allocator parent) ? parent : null;
    }
}
