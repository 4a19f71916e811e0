package dev.offcut.jcstress;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One jcstress state's allocator: a fresh subject over a fresh native memory, with a few live background blocks
 * that no actor touches, and the arbiter's checks.
 *
 * <p>Every block holds a stamp (one byte value in every byte), so a block handed out twice, or written by a free,
 * shows. The test records each block that must be live at the arbiter ({@link #expectLive}); {@link #settle()} then
 * checks the whole heap and closes the memory (jcstress makes a state per round, and a native memory's reservation
 * goes back only on close).
 *
 * <p>Not thread-safe itself: the constructor and the arbiter use it; the actors use only {@link #allocator} and the
 * static helpers on blocks they own or were handed.
 */
final class Heap {

    /** The size the tests use unless they say otherwise: one small size class. */
    static final long SMALL = 64;

    /** The reservation of each memory; the tests use a few pages of it. */
    private static final long MAX_MEMORY_BYTE_SIZE = 64L << 20;

    private static final int BACKGROUND_BLOCKS = 3;
    private static final byte BACKGROUND_STAMP = 0x10;
    /** Fresh blocks the arbiter allocates per size to look for a block handed out twice. */
    private static final int FRESH_BLOCKS = 6;
    private static final byte FRESH_STAMP = 0x70;
    private static final int MAX_LIVE = 64;

    /** How many failures each test VM prints in full: the first ones explain the rest. */
    private static final AtomicInteger REPORTS_LEFT = new AtomicInteger(5);

    final LinearMemory memory;
    final Allocator allocator;
    private final long blockSize;

    private final long[] liveOffsets = new long[MAX_LIVE];
    private final long[] liveSizes = new long[MAX_LIVE];
    private final byte[] liveStamps = new byte[MAX_LIVE];
    private int liveCount;

    /**
     * A heap whose background blocks are of the given size, on the constructing thread (a third thread for the
     * actors: jcstress builds states ahead of the actors).
     */
    Heap(Subject subject, long blockSize) {
        this.memory = LinearMemory.ofNative(MAX_MEMORY_BYTE_SIZE);
        this.allocator = subject.create(memory);
        this.blockSize = blockSize;
        for (int i = 0; i < BACKGROUND_BLOCKS; i++) {
            byte stamp = (byte) (BACKGROUND_STAMP + i);
            long offset = allocator.allocate(blockSize);
            fill(offset, blockSize, stamp);
            expectLive(offset, blockSize, stamp);
        }
    }

    Heap(Subject subject) {
        this(subject, SMALL);
    }

    /** Records a block that must be live, holding its stamp, when the arbiter runs. */
    void expectLive(long offset, long byteSize, byte stamp) {
        liveOffsets[liveCount] = offset;
        liveSizes[liveCount] = byteSize;
        liveStamps[liveCount] = stamp;
        liveCount++;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Blocks

    /** Fills a block with its stamp. */
    void fill(long offset, long byteSize, byte stamp) {
        memory.segment().asSlice(offset, byteSize).fill(stamp);
    }

    /** Whether every byte of a block holds its stamp. Sizes are multiples of 8 (and offsets too). */
    boolean holds(long offset, long byteSize, byte stamp) {
        MemorySegment segment = memory.segment();
        long word = (stamp & 0xFFL) * 0x0101_0101_0101_0101L;
        for (long i = 0; i < byteSize; i += 8) {
            if (segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + i) != word) {
                return false;
            }
        }
        return true;
    }

    /** A free accepted by the allocator, after the block was seen to hold its stamp. */
    static final int FREED = 0;
    /** A free refused with {@link IllegalArgumentException}. */
    static final int REFUSED = 1;
    /** The block no longer held its stamp before it was freed (then freed all the same). */
    static final int TORN = 2;
    /** A free that threw anything else. */
    static final int THREW = 3;

    /** Frees a block by the sized free and says how: {@link #FREED} or {@link #REFUSED}, or {@link #THREW}. */
    int free(long offset, long byteSize) {
        try {
            allocator.free(offset, byteSize);
            return FREED;
        } catch (IllegalArgumentException e) {
            return REFUSED;
        } catch (RuntimeException | Error e) {
            report("free(" + offset + ", " + byteSize + ") threw", e);
            return THREW;
        }
    }

    /** Checks that the block holds its stamp, then frees it; {@link #TORN} if it did not hold it. */
    int checkAndFree(long offset, long byteSize, byte stamp) {
        boolean intact = holds(offset, byteSize, stamp);
        int freed = free(offset, byteSize);
        if (!intact) {
            report("block " + offset + " (" + byteSize + " B) lost its stamp " + stamp + " before it was freed", null);
            return TORN;
        }
        return freed;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The arbiter's checks

    /** The heap is consistent. */
    static final int OK = 0;
    /** {@code verify()} found a broken invariant. */
    static final int VERIFY_FAILED = 1;
    /** {@code stats()} disagrees with the blocks the test holds. */
    static final int STATS_WRONG = 2;
    /** Two live blocks overlap, or a fresh allocation overlaps a live block or another fresh one. */
    static final int OVERLAP = 3;
    /** A live block's contents changed without a write to it. */
    static final int CONTENTS_CHANGED = 4;
    /** An allocator call threw, or refused a free of a live block, or an allocation failed. */
    static final int EXCEPTION = 5;
    /**
     * Two racing frees of one block were both accepted, {@code verify()} reported the double free (before or after
     * the owner dropped it), and the heap is otherwise consistent: the deferred detection the concurrent allocator
     * documents.
     */
    static final int DOUBLE_FREE_REPORTED = 6;
    /** Two racing frees of one block were both accepted, and {@code verify()} never reported it. */
    static final int DOUBLE_FREE_UNREPORTED = 7;

    /** Set once a double free was reported: {@code verify()} may report it again, and stats may count it. */
    private boolean doubleFreeReported;

    /**
     * Checks the heap at quiescence and closes the memory. In order: every expected live block holds its stamp and
     * none overlaps another; {@code verify()}; {@code stats()} counts exactly the expected blocks; fresh allocations
     * (of the test's size and of a larger class) overlap neither a live block nor each other, and writing them
     * changes no live block; then every block, live and fresh, is freed (each free accepted) and the heap must be
     * empty by {@code stats()} and pass {@code verify()}.
     *
     * @return {@link #OK} or the first failure's code
     */
    int settle() {
        try {
            return check();
        } catch (RuntimeException | Error e) {
            report("the arbiter's check threw", e);
            return EXCEPTION;
        } finally {
            memory.close();
        }
    }

    /**
     * The arbiter of two racing frees of one block: {@link #settle()} if at most one was accepted. If both were, the
     * allocator must report the double free: {@code verify()} is called, then the arbiter allocates and frees one
     * block of the class (the arbiter runs on the thread that built the state, so for a block the constructor
     * allocated it is the owner, which drops the duplicate when about to hand the block out again), and
     * {@code verify()} is called again; at least one of the two must throw {@link IllegalStateException} naming a
     * double free. Then the heap is checked as by {@link #settle()}, except that {@code verify()} may keep
     * reporting the double free (the owner may be another thread, which has not collected it), in which case the
     * exact statistics are not checked.
     *
     * @param bothAccepted whether both frees were accepted
     * @return the verdict: {@link #OK} if at most one was accepted and the heap is consistent,
     *         {@link #DOUBLE_FREE_REPORTED} if both were, the allocator reported it and the heap is otherwise
     *         consistent, else the failure's code
     */
    int settleRacingFrees(boolean bothAccepted) {
        if (!bothAccepted) {
            return settle();
        }
        try {
            boolean reported = verifyReportsDoubleFree();
            long probe = allocator.allocate(blockSize);
            allocator.free(probe, blockSize);
            reported |= verifyReportsDoubleFree();
            if (!reported) {
                return fail(DOUBLE_FREE_UNREPORTED, "both racing frees were accepted, verify() did not report it");
            }
            doubleFreeReported = true;
            int verdict = check();
            return verdict == OK ? DOUBLE_FREE_REPORTED : verdict;
        } catch (RuntimeException | Error e) {
            report("the arbiter's check threw", e);
            return EXCEPTION;
        } finally {
            memory.close();
        }
    }

    private boolean verifyReportsDoubleFree() {
        try {
            allocator.verify();
            return false;
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().contains("double free")) {
                return true;
            }
            throw e;
        }
    }

    private int check() {
        for (int i = 0; i < liveCount; i++) {
            if (!holds(liveOffsets[i], liveSizes[i], liveStamps[i])) {
                return fail(CONTENTS_CHANGED, "live block " + liveOffsets[i] + " lost its stamp " + liveStamps[i]);
            }
            for (int j = 0; j < i; j++) {
                if (overlap(liveOffsets[i], liveSizes[i], liveOffsets[j], liveSizes[j])) {
                    return fail(OVERLAP, "live blocks " + liveOffsets[j] + " and " + liveOffsets[i] + " overlap");
                }
            }
        }
        int verdict = verifyAndCount(liveCount, sumLiveSizes());
        if (verdict != OK) {
            return verdict;
        }

        // Fresh blocks: a block on a free list twice, or a live block on a free list, is handed out here.
        int liveBefore = liveCount;
        long[] sizes = {blockSize, 4 * blockSize};
        for (long size : sizes) {
            for (int k = 0; k < FRESH_BLOCKS; k++) {
                long offset = allocator.tryAllocate(size, Allocator.DEFAULT_BYTE_ALIGNMENT);
                if (offset == Allocator.NULL) {
                    return fail(EXCEPTION, "a fresh allocation of " + size + " B failed");
                }
                for (int j = 0; j < liveCount; j++) {
                    if (overlap(offset, size, liveOffsets[j], liveSizes[j])) {
                        return fail(OVERLAP, "fresh block " + offset + " (" + size + " B) overlaps "
                                + (j < liveBefore ? "live" : "fresh") + " block " + liveOffsets[j]);
                    }
                }
                byte stamp = (byte) (FRESH_STAMP + liveCount);
                fill(offset, size, stamp);
                expectLive(offset, size, stamp);
            }
        }
        for (int i = 0; i < liveCount; i++) {
            if (!holds(liveOffsets[i], liveSizes[i], liveStamps[i])) {
                return fail(CONTENTS_CHANGED, "block " + liveOffsets[i] + " lost its stamp after fresh allocations");
            }
        }
        verdict = verifyAndCount(liveCount, sumLiveSizes());
        if (verdict != OK) {
            return verdict;
        }

        for (int i = 0; i < liveCount; i++) {
            int freed = free(liveOffsets[i], liveSizes[i]);
            if (freed != FREED) {
                return fail(EXCEPTION, "freeing live block " + liveOffsets[i] + " was " + describeFree(freed));
            }
        }
        liveCount = 0;
        return verifyAndCount(0, 0);
    }

    private int verifyAndCount(long count, long byteSize) {
        try {
            allocator.verify();
        } catch (IllegalStateException e) {
            if (doubleFreeReported && e.getMessage() != null && e.getMessage().contains("double free")) {
                return OK; // reported again, not yet collected by its owner: the counts include it
            }
            report("verify() failed", e);
            return VERIFY_FAILED;
        }
        AllocatorStats stats = allocator.stats();
        if (stats.allocationCount() != count || stats.allocatedBytes() != byteSize) {
            return fail(STATS_WRONG, "the test holds " + count + " blocks of " + byteSize + " B, stats() says "
                    + stats.allocationCount() + " of " + stats.allocatedBytes() + " B");
        }
        return OK;
    }

    private long sumLiveSizes() {
        long sum = 0;
        for (int i = 0; i < liveCount; i++) {
            sum += liveSizes[i];
        }
        return sum;
    }

    private static boolean overlap(long a, long aSize, long b, long bSize) {
        // A block of size 0 still owns its offset.
        return a < b + Math.max(bSize, 1) && b < a + Math.max(aSize, 1);
    }

    private int fail(int code, String message) {
        report(message, null);
        return code;
    }

    static String describeFree(int code) {
        return switch (code) {
            case FREED -> "accepted";
            case REFUSED -> "refused";
            case TORN -> "of a torn block";
            default -> "an exception";
        };
    }

    /** Prints the first few failures of this VM to stderr, which jcstress keeps with the test's result. */
    static void report(String message, Throwable cause) {
        if (REPORTS_LEFT.getAndDecrement() > 0) {
            System.err.println("[offcut] " + message + (cause == null ? "" : ": " + cause));
            if (cause != null) {
                cause.printStackTrace();
            }
        }
    }
}
