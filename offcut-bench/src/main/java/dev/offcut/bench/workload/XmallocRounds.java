package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

import java.util.ArrayDeque;

/**
 * xmalloc-test, ported from its behaviour (mimalloc-bench's run: {@code -w W -s 64}): W producer threads allocate
 * 64-byte blocks, fill each (byte {@code i % 256}), and push them in batches of {@link #BATCH} onto one global LIFO
 * stack guarded by a monitor, bounded to {@link #MAX_BATCHES} batches (a producer waits while it is full); W consumer
 * threads pop batches and free every block: every free is remote. One round = {@link #OPS} blocks. Batches are
 * recycled {@code long[]}s, not allocations of the subject (the original mallocs its batch records). Checking mode
 * checks every block's fill before freeing it.
 */
public final class XmallocRounds implements Rounds {

    /** Blocks per round at full size. */
    public static final int OPS = 1 << 16;

    /** Blocks per batch (the original: 4096). */
    public static final int BATCH = 256;

    /** Batches the stack holds at most (the original: 100). */
    public static final int MAX_BATCHES = 64;

    /** Every block's size. */
    public static final long BYTE_SIZE = 64;

    private final Subject subject;
    private final Crew crew;
    private final int producers;
    private final int batchesPerProducer;
    private final boolean check;
    private final ArrayDeque<long[]> stack = new ArrayDeque<>();
    private final ArrayDeque<long[]> spare = new ArrayDeque<>();
    private int batchesLeft; // guarded by stack

    /**
     * Starts the threads.
     *
     * @param subject   a thread-safe subject
     * @param producers producers, and as many consumers (a power of two)
     * @param shrink    divides the round's blocks (1 for measurements)
     * @param check     whether consumers check every block's fill
     */
    public XmallocRounds(Subject subject, int producers, int shrink, boolean check) {
        this.subject = subject;
        this.producers = producers;
        this.check = check;
        this.batchesPerProducer = Math.max(1, OPS / shrink / BATCH / producers);
        for (int i = 0; i < MAX_BATCHES + 2 * producers; i++) {
            spare.push(new long[BATCH]);
        }
        crew = new Crew(subject, 2 * producers, "xmalloc", index -> {
            if (index < producers) {
                produce();
            } else {
                consume();
            }
        });
    }

    private void produce() throws InterruptedException {
        for (int b = 0; b < batchesPerProducer; b++) {
            long[] batch;
            synchronized (stack) {
                batch = spare.pop();
            }
            for (int i = 0; i < BATCH; i++) {
                long handle = subject.allocate(BYTE_SIZE, 8);
                if (handle == 0) {
                    throw AbstractWorkload.outOfMemory(BYTE_SIZE, 8);
                }
                RawMemory.fill(subject.address(handle), BYTE_SIZE, (byte) i);
                batch[i] = handle;
            }
            synchronized (stack) {
                while (stack.size() >= MAX_BATCHES) {
                    waitOn();
                }
                stack.push(batch);
                stack.notifyAll();
            }
        }
    }

    private void consume() throws InterruptedException {
        while (true) {
            long[] batch;
            synchronized (stack) {
                while (stack.isEmpty() && batchesLeft > 0) {
                    waitOn();
                }
                if (batchesLeft == 0) {
                    return;
                }
                batch = stack.pop();
                batchesLeft--;
                stack.notifyAll();
            }
            for (int i = 0; i < BATCH; i++) {
                if (check && RawMemory.mismatches(subject.address(batch[i]), BYTE_SIZE, (byte) i) != 0) {
                    throw new IllegalStateException("block " + batch[i] + " lost its fill before its free");
                }
                subject.free(batch[i], BYTE_SIZE, 8);
            }
            synchronized (stack) {
                spare.push(batch);
            }
        }
    }

    /** Waits on the stack's monitor (held), giving up when another thread of the crew failed. */
    private void waitOn() throws InterruptedException {
        if (crew.failed()) {
            throw new IllegalStateException("another crew thread failed");
        }
        stack.wait(10);
    }

    @Override
    public void round() {
        synchronized (stack) {
            batchesLeft = batchesPerProducer * producers;
        }
        crew.run();
    }

    @Override
    public long opsPerRound() {
        return (long) batchesPerProducer * producers * BATCH;
    }

    @Override
    public void close() {
        crew.close();
    }
}
