package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The cross-thread pair of threads: the caller allocates and touches blocks (log-uniform 8..1024 bytes, 8-byte
 * aligned, pre-generated) and hands their handles through a bounded SPSC queue to a consumer thread that frees
 * them. The consumer lives as long as this object. Shared by {@link CrossThreadWorkload} and the JMH benchmark.
 */
public final class Handoff implements AutoCloseable {

    /** Slots in the queue between the threads. */
    public static final int QUEUE_CAPACITY = 1024;

    private static final int RING = 1 << 12;
    private static final long END = -1;

    private final Subject subject;
    private final long[] byteSizes = new long[RING];
    private final SpscRing queue = new SpscRing(QUEUE_CAPACITY);
    private final AtomicLong freed = new AtomicLong();
    private final Thread consumer;
    private volatile Throwable consumerFailure;
    private long produced;

    /**
     * Starts the consumer.
     *
     * @param subject a thread-safe subject
     * @param seed    the seed of the sizes
     */
    public Handoff(Subject subject, long seed) {
        this(subject, seed, 0);
    }

    /**
     * Starts the consumer, with every block of one size.
     *
     * @param subject  a thread-safe subject
     * @param seed     the seed of the sizes
     * @param byteSize every block's size, or 0 for log-uniform sizes of 8..1024 bytes
     */
    public Handoff(Subject subject, long seed, long byteSize) {
        this.subject = subject;
        Gen gen = new Gen(seed);
        for (int i = 0; i < RING; i++) {
            byteSizes[i] = byteSize > 0 ? byteSize : gen.logUniform(8, 1024);
        }
        consumer = new Thread(this::consume, "handoff-consumer");
        consumer.setDaemon(true);
        consumer.start();
    }

    private void consume() {
        try {
            subject.enterThread();
            long sequence = 0;
            while (true) {
                for (int attempt = 0; queue.isEmpty(); attempt++) {
                    SpscRing.idle(attempt);
                }
                long handle = queue.take();
                if (handle == END) {
                    break;
                }
                subject.free(handle, byteSizes[(int) sequence & (RING - 1)], 8);
                sequence++;
                freed.lazySet(sequence);
            }
            subject.exitThread();
        } catch (Throwable failure) {
            consumerFailure = failure;
        }
    }

    /**
     * Hands {@code count} blocks over and waits until the consumer has freed them all: the timed operation.
     *
     * @param count how many blocks
     */
    public void handOver(int count) {
        for (int k = 0; k < count; k++) {
            long byteSize = byteSizes[(int) produced & (RING - 1)];
            long handle = subject.allocate(byteSize, 8);
            if (handle == 0) {
                throw AbstractWorkload.outOfMemory(byteSize, 8);
            }
            subject.touch(handle, byteSize);
            for (int attempt = 0; !queue.offer(handle); attempt++) {
                checkConsumer();
                SpscRing.idle(attempt);
            }
            produced++;
        }
        for (int attempt = 0; freed.get() != produced; attempt++) {
            checkConsumer();
            SpscRing.idle(attempt);
        }
    }

    private void checkConsumer() {
        if (!consumer.isAlive()) {
            throw new IllegalStateException("consumer stopped", consumerFailure);
        }
    }

    /** Stops the consumer (every block handed over has been freed by then). */
    @Override
    public void close() {
        for (int attempt = 0; consumer.isAlive() && !queue.offer(END); attempt++) {
            SpscRing.idle(attempt);
        }
        try {
            consumer.join();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        if (consumerFailure != null) {
            throw new IllegalStateException("consumer failed", consumerFailure);
        }
    }
}
