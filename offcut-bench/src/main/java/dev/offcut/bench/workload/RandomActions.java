package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;

/**
 * talc's random-actions loop on one thread's live set, with every random number drawn before timing into a
 * ring of {@value #RING} pre-generated actions (cycled; see {@link #balancedActions} for why its allocations and
 * frees are balanced exactly).
 *
 * <pre>
 * action = U[0, 6] (U[0, 5] without realloc)
 * if action == 6:      if any live: realloc a random live block to U[1, 3 * max), keeping its alignment
 * elif action < 3 or live < 300: allocate generate_size(max), generate_align(), touch it
 * else:                free a random live block
 * a successful operation scores 1
 * </pre>
 * Shared by {@link RandomActionsWorkload} and the JMH benchmark.
 */
public final class RandomActions {

    /** talc's floor on the live set: below it every action allocates. */
    public static final int LIVE_FLOOR = 300;

    /** talc's realloc size multiplier: new sizes are {@code U[1, 3 * max)}. */
    public static final int REALLOC_MULTIPLIER = 3;

    /** The heap each subject gets (talc's 128 MiB arena). */
    public static final long HEAP_BYTE_SIZE = 128L << 20;

    static final int RING = 1 << 18;
    private static final int LIVE_CAPACITY = 1 << 17;

    private final Subject subject;
    private final byte[] actions = new byte[RING];
    private final int[] byteSizes = new int[RING];
    private final int[] byteAlignments = new int[RING];
    private final int[] picks = new int[RING];
    private final int[] reallocByteSizes = new int[RING];
    private final LiveSet live = new LiveSet(LIVE_CAPACITY);
    private int cursor;
    private long failures;

    /**
     * Generates the actions for a subject.
     *
     * @param subject     the subject, used by this thread only or thread-safe
     * @param maxByteSize talc's max size (200 ... 30000)
     * @param realloc     whether realloc is one of the actions
     * @param seed        the seed
     */
    public RandomActions(Subject subject, int maxByteSize, boolean realloc, long seed) {
        this.subject = subject;
        Gen gen = new Gen(seed);
        balancedActions(gen, realloc);
        for (int i = 0; i < RING; i++) {
            byteSizes[i] = (int) gen.talcSize(maxByteSize);
            byteAlignments[i] = (int) gen.talcAlign();
            picks[i] = (int) gen.nextLong();
            reallocByteSizes[i] = (int) gen.range(1, (long) maxByteSize * REALLOC_MULTIPLIER);
        }
    }

    /**
     * Fills the action ring with talc's proportions (3/7 allocate, 3/7 free, 1/7 realloc; 1/2 and 1/2 without
     * realloc), exactly balanced, in random order. Exactness matters because the ring is cycled: with talc's
     * independent draws a ring of 2^18 actions holds a few hundred more allocations than frees, or fewer, and
     * cycling it turns that into a steady drift -- the live set grew by 15,000 blocks a second before this. Balanced,
     * a cycle returns the live set to where it started; within a cycle it wanders like talc's (a random walk above
     * the floor of 300, here up to about sqrt(2^18) = 512 blocks away).
     */
    private void balancedActions(Gen gen, boolean realloc) {
        int reallocCount = realloc ? RING / 7 : 0;
        int allocateCount = (RING - reallocCount) / 2;
        int freeCount = RING - reallocCount - allocateCount;
        int at = 0;
        for (int i = 0; i < allocateCount; i++) {
            actions[at++] = (byte) gen.below(3);
        }
        for (int i = 0; i < freeCount; i++) {
            actions[at++] = (byte) (3 + gen.below(3));
        }
        while (at < RING) {
            actions[at++] = 6;
        }
        for (int i = RING - 1; i > 0; i--) {
            int j = gen.below(i + 1);
            byte swap = actions[i];
            actions[i] = actions[j];
            actions[j] = swap;
        }
    }

    /**
     * Performs actions: the timed operation.
     *
     * @param count how many actions
     * @return how many succeeded (talc's score)
     */
    public int act(int count) {
        Subject subject = this.subject;
        LiveSet live = this.live;
        int score = 0;
        for (int k = 0; k < count; k++) {
            int i = cursor++ & (RING - 1);
            int action = actions[i];
            if (action == 6) {
                if (live.count > 0) {
                    int index = Gen.pick(picks[i], live.count);
                    long newByteSize = reallocByteSizes[i];
                    long moved = subject.reallocate(live.handles[index], live.byteSizes[index], newByteSize,
                            live.byteAlignments[index]);
                    if (moved != 0) {
                        subject.touch(moved, newByteSize);
                        live.handles[index] = moved;
                        live.byteSizes[index] = newByteSize;
                        score++;
                    } else {
                        failures++;
                    }
                }
            } else if ((action < 3 || live.count < LIVE_FLOOR) && !live.full()) {
                long byteSize = byteSizes[i];
                long byteAlignment = byteAlignments[i];
                long handle = subject.allocate(byteSize, byteAlignment);
                if (handle != 0) {
                    subject.touch(handle, byteSize);
                    live.add(handle, byteSize, byteAlignment);
                    score++;
                } else {
                    failures++;
                }
            } else {
                int index = Gen.pick(picks[i], live.count);
                subject.free(live.handles[index], live.byteSizes[index], live.byteAlignments[index]);
                live.removeAt(index);
                score++;
            }
        }
        return score;
    }

    /**
     * Returns the failed allocations and reallocations so far (a fixed heap can fill up, as in talc).
     *
     * @return the count
     */
    public long failures() {
        return failures;
    }

    /** Frees every live block (untimed, at the end of a trial). */
    public void releaseAll() {
        live.releaseAll(subject, true);
    }

    /**
     * Starts over after a warm-up, as talc's measurement starts: frees every live block, so the measured phase
     * begins on an empty live set, rewinds to the first action and forgets the failures counted so far. The
     * allocator keeps whatever state the warm-up left in it (free lists, caches), as talc's does.
     */
    public void restart() {
        live.releaseAll(subject, true);
        cursor = 0;
        failures = 0;
    }

    /**
     * Returns the number of live blocks (for tests).
     *
     * @return the count
     */
    public int liveCount() {
        return live.count();
    }
}
