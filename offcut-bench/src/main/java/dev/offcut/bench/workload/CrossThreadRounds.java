package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;

/**
 * cross-thread(64): {@link Handoff} with every block 64 bytes; one round = {@link #OPS} blocks allocated and touched
 * on the calling thread and freed on the consumer thread.
 */
public final class CrossThreadRounds implements Rounds {

    /** Blocks per round at full size. */
    public static final int OPS = CrossThreadWorkload.ROUND;

    private final Handoff handoff;
    private final int count;

    /**
     * Starts the consumer.
     *
     * @param subject  a thread-safe subject, entered by the calling thread
     * @param byteSize every block's size
     * @param shrink   divides the round's blocks (1 for measurements)
     */
    public CrossThreadRounds(Subject subject, long byteSize, int shrink) {
        handoff = new Handoff(subject, 42, byteSize);
        count = OPS / shrink;
    }

    @Override
    public void round() {
        handoff.handOver(count);
    }

    @Override
    public long opsPerRound() {
        return count;
    }

    @Override
    public void close() {
        handoff.close();
    }
}
