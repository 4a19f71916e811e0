package dev.offcut.internal.concurrent;

import dev.offcut.internal.concurrent.ConcurrentAllocatorLincheckTest.Freed;
import dev.offcut.internal.concurrent.ConcurrentAllocatorLincheckTest.Taken;
import dev.offcut.internal.concurrent.ConcurrentAllocatorLincheckTest.Verdict;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The sequential model of {@link ConcurrentAllocatorLincheckTest}: an allocator of abstract blocks that always has
 * room, whose live blocks never overlap (each is new, and keeps its stamp), and that refuses every free of a block
 * that is no longer live. Same operations as the test's subjects; no memory at all.
 *
 * <p>Public, with a public constructor: Lincheck creates it by reflection.
 */
public final class ConcurrentLincheckModel {

    private final List<ArrayDeque<Integer>> live = new ArrayList<>();
    private final int[] allocationCounts = new int[ConcurrentAllocatorLincheckTest.THREAD_IDS];
    private final ArrayDeque<Integer> mailbox = new ArrayDeque<>();
    private final boolean[] victimFreed = new boolean[ConcurrentAllocatorLincheckTest.VICTIMS];

    /** An empty model. */
    public ConcurrentLincheckModel() {
        for (int thread = 0; thread < ConcurrentAllocatorLincheckTest.THREAD_IDS; thread++) {
            live.add(new ArrayDeque<>());
        }
    }

    /** The handle of a thread's {@code count}-th block: distinct for every block of a scenario. */
    static int handle(int thread, int count) {
        return thread * 100 + count;
    }

    /** The stamp of a block: distinct between the blocks of a scenario (a few per thread). */
    static byte stamp(int handle) {
        return (byte) ((handle / 100) * 37 + handle % 100 + 1);
    }

    /**
     * A new block, always.
     *
     * @param thread    the thread's id
     * @param sizeIndex unused: the model has room for every size
     * @return its handle
     */
    public int allocate(int thread, int sizeIndex) {
        int handle = handle(thread, allocationCounts[thread]++);
        live.get(thread).addLast(handle);
        return handle;
    }

    /**
     * Frees the thread's oldest block, which is always intact.
     *
     * @param thread the thread's id
     * @param sized  unused
     * @return {@link Freed#INTACT}, or {@link Freed#NOTHING} without a block
     */
    public Freed free(int thread, boolean sized) {
        return live.get(thread).pollFirst() == null ? Freed.NOTHING : Freed.INTACT;
    }

    /**
     * Moves the thread's newest block to the mailbox.
     *
     * @param thread the thread's id
     * @return its handle, or -1
     */
    public int give(int thread) {
        Integer handle = live.get(thread).pollLast();
        if (handle == null) {
            return -1;
        }
        mailbox.addLast(handle);
        return handle;
    }

    /**
     * Frees the mailbox's oldest block, intact.
     *
     * @param thread unused
     * @param sized  unused
     * @return its handle and {@link Freed#INTACT}, or -1 and {@link Freed#NOTHING}
     */
    public Taken freeRemote(int thread, boolean sized) {
        Integer handle = mailbox.pollFirst();
        return handle == null ? new Taken(-1, Freed.NOTHING) : new Taken(handle, Freed.INTACT);
    }

    /**
     * The first free of a victim is accepted, every later one refused.
     *
     * @param victim the victim
     * @return the verdict
     */
    public Verdict freeVictim(int victim) {
        if (victimFreed[victim]) {
            return Verdict.REFUSED;
        }
        victimFreed[victim] = true;
        return Verdict.ACCEPTED;
    }
}
