package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

/**
 * cache-scratch, ported from its behaviour: passive false sharing. Each round the calling thread allocates one
 * 1-byte block per worker, back to back, writes each, and hands one to each worker of a {@link Crew}; a worker frees
 * the block it was handed (a remote free of the caller's block), then {@link #ITERATIONS} times allocates a 1-byte
 * block, writes and reads its byte {@code REPETITIONS / T} times (opaque accesses, so none is dropped) and frees it.
 * An allocator that gives a worker back the caller's freed block makes the workers' bytes share a cache line. One
 * round = {@link #OPS} writes, whatever T. Checking mode checks each read.
 */
public final class CacheScratchRounds implements Rounds {

    /** Allocations per worker per round. */
    public static final int ITERATIONS = 100;

    /** Writes per iteration, shared among the workers (cache-scratch: 2,000,000 over the whole run). */
    public static final int REPETITIONS = 10_000;

    /** Writes per round at full size. */
    public static final int OPS = ITERATIONS * REPETITIONS;

    private final Subject subject;
    private final Crew crew;
    private final long[] handedOver;
    private final int repetitions;
    private final int iterations;
    private volatile int sink;

    /**
     * Starts the workers.
     *
     * @param subject a thread-safe subject, entered by the calling thread
     * @param threads workers (a power of two)
     * @param shrink  divides the round's writes (1 for measurements)
     * @param check   whether each read is checked
     */
    public CacheScratchRounds(Subject subject, int threads, int shrink, boolean check) {
        this.subject = subject;
        this.handedOver = new long[threads];
        this.iterations = Math.max(1, ITERATIONS / shrink);
        this.repetitions = REPETITIONS / threads;
        crew = new Crew(subject, threads, "cache-scratch", index -> {
            subject.free(handedOver[index], 1, 8);
            int sum = 0;
            for (int i = 0; i < iterations; i++) {
                long handle = subject.allocate(1, 8);
                if (handle == 0) {
                    throw AbstractWorkload.outOfMemory(1, 8);
                }
                long address = subject.address(handle);
                for (int r = 0; r < repetitions; r++) {
                    RawMemory.setOpaque(address, (byte) r);
                    byte read = RawMemory.getOpaque(address);
                    if (check && read != (byte) r) {
                        throw new IllegalStateException("block " + handle + " changed under worker " + index);
                    }
                    sum += read;
                }
                subject.free(handle, 1, 8);
            }
            sink = sum;
        });
    }

    @Override
    public void round() {
        for (int i = 0; i < handedOver.length; i++) {
            long handle = subject.allocate(1, 8);
            if (handle == 0) {
                throw AbstractWorkload.outOfMemory(1, 8);
            }
            RawMemory.set(subject.address(handle), (byte) i);
            handedOver[i] = handle;
        }
        crew.run();
    }

    @Override
    public long opsPerRound() {
        return (long) iterations * repetitions * handedOver.length;
    }

    @Override
    public void close() {
        crew.close();
    }
}
