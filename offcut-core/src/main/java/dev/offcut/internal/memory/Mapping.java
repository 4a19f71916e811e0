package dev.offcut.internal.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A native memory's address range and the scopes that still need it: the range is released (unmapped) when the last
 * of them closes, not when the memory closes.
 *
 * <pre>
 *   address                                                     address + byteSize
 *   |&lt;-------------------------- the reservation ----------------------------&gt;|
 *   held by: the memory's own shared arena (closed by LinearMemory.close)           holds = 1
 *          + each arena the memory lent its bytes to (LinearMemory.segment(Arena))   holds = 1 + lent arenas
 *   release (munmap) runs when holds drops to 0
 * </pre>
 *
 * <p>Why count: a segment's scope is what the JDK checks on every access, and a segment made by
 * {@link Posix#rescope} has the lending arena's scope, not the memory's. If closing the memory unmapped the range, a
 * confined {@code OffcutArena}'s segments, still alive in their own scope, would reach unmapped addresses and crash
 * the JVM instead of throwing. Holding the range for every scope that can reach it keeps a re-scoped segment exactly
 * as safe as any other: accessible while its scope is alive, refused once it is closed.
 *
 * <p>Thread-safe: scopes close on their owners' threads, automatic ones on a cleaner's.
 */
final class Mapping {

    private final long address;
    private final long byteSize;
    private final Runnable release;
    /** How many scopes still need the range; guarded by {@code this}. */
    private int holds;

    /**
     * Wraps a range that nothing holds yet: the first {@link #view} with {@code hold} set takes the first hold.
     *
     * @param address  the first byte
     * @param byteSize the bytes any view may span
     * @param release  gives the range back (unmaps it, or closes the arena that allocated it); run once
     */
    Mapping(long address, long byteSize, Runnable release) {
        this.address = address;
        this.byteSize = byteSize;
        this.release = release;
    }

    /**
     * Returns the first {@code viewByteSize} bytes of the range in {@code arena}'s scope.
     *
     * @param viewByteSize the view's size, at most the range's
     * @param arena        the arena whose scope the view gets
     * @param hold         whether {@code arena} takes a hold on the range, released when it closes; {@code false}
     *                     only for an arena that already holds one
     * @return the view
     * @throws IllegalStateException if {@code arena} is closed; nothing is held then
     */
    MemorySegment view(long viewByteSize, Arena arena, boolean hold) {
        assert viewByteSize >= 0 && viewByteSize <= byteSize : viewByteSize + " of " + byteSize;
        if (!hold) {
            return Posix.rescope(address, viewByteSize, arena, null);
        }
        synchronized (this) {
            holds++;
        }
        try {
            return Posix.rescope(address, viewByteSize, arena, this::letGo);
        } catch (RuntimeException | Error e) {
            letGo();
            throw e;
        }
    }

    /** Releases one hold, and the range with the last. */
    private void letGo() {
        boolean last;
        synchronized (this) {
            assert holds > 0 : "more releases than holds";
            last = --holds == 0;
        }
        if (last) {
            release.run();
        }
    }
}
