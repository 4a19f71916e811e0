package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.RawMemory;

/**
 * sh8bench-style bulk foreign frees, ported from the behaviour described for it. T worker threads each cycle sizes
 * drawn from sh8bench's histogram (8 B x 1000, 16 x 5000, 48 x 1000, 72, 148 and 200 x 100, 520 x 10, 1056 x 5, 4096 x
 * 3, 9162, 34562 and 168524 x 1) through a ring of {@link #RING} slots: a cycle frees and reallocates every slot in
 * order, touches each block's first and last byte, then frees all but a moving fifth of the ring, the first half of
 * those in FIFO order and the second half in LIFO order (the kept fifth is freed by the next cycle). Meanwhile one
 * more thread allocates {@link #FOREIGN} 8-byte blocks per round and hands them round-robin to the workers, which
 * free them between cycles: bulk frees by threads that did not allocate. One round = {@link #CYCLES} cycles over all
 * workers plus the foreign blocks: {@link #OPS} allocations. Checking mode writes each foreign block's sequence
 * number and checks it on free.
 */
public final class Sh8Rounds implements Rounds {

    /** Slots per worker's ring. */
    public static final int RING = 500;

    /** Cycles per round at full size, shared among the workers. */
    public static final int CYCLES = 64;

    /** Foreign 8-byte blocks per round at full size. */
    public static final int FOREIGN = 8192;

    /** Allocations per round at full size. */
    public static final int OPS = CYCLES * RING + FOREIGN;

    private static final int[] HISTOGRAM = {8, 1000, 16, 5000, 48, 1000, 72, 100, 148, 100, 200, 100, 520, 10,
        1056, 5, 4096, 3, 9162, 1, 34562, 1, 168524, 1};
    private static final int[] SIZES = sizes();
    private static final int QUEUE_CAPACITY = 1024;

    private final Subject subject;
    private final int workers;
    private final int cyclesPerWorker;
    private final int foreignPerWorker;
    private final boolean check;
    private final long[][] rings;
    private final int[][] ringSizes;
    private final int[] cursors;
    private final long[] cycles;
    private final SpscRing[] queues;
    private final Crew crew;

    /**
     * Starts the threads: {@code workers} workers and one foreign producer.
     *
     * @param subject a thread-safe subject
     * @param workers worker threads (a power of two)
     * @param shrink  divides the round's work (1 for measurements)
     * @param check   whether to check the foreign blocks' content
     */
    public Sh8Rounds(Subject subject, int workers, int shrink, boolean check) {
        this.subject = subject;
        this.workers = workers;
        this.check = check;
        this.cyclesPerWorker = Math.max(1, CYCLES / shrink / workers);
        this.foreignPerWorker = FOREIGN / shrink / workers;
        rings = new long[workers][RING];
        ringSizes = new int[workers][RING];
        cursors = new int[workers];
        cycles = new long[workers];
        queues = new SpscRing[workers];
        for (int w = 0; w < workers; w++) {
            queues[w] = new SpscRing(QUEUE_CAPACITY);
            cursors[w] = w * (SIZES.length / workers);
        }
        crew = new Crew(subject, workers + 1, "sh8", index -> {
            if (index == workers) {
                produceForeign();
            } else {
                work(index);
            }
        });
    }

    private static int[] sizes() {
        int count = 0;
        for (int i = 1; i < HISTOGRAM.length; i += 2) {
            count += HISTOGRAM[i];
        }
        int[] sizes = new int[count];
        int at = 0;
        for (int i = 0; i < HISTOGRAM.length; i += 2) {
            for (int k = 0; k < HISTOGRAM[i + 1]; k++) {
                sizes[at++] = HISTOGRAM[i];
            }
        }
        new Gen(8).shuffle(sizes);
        return sizes;
    }

    private void produceForeign() {
        long total = (long) foreignPerWorker * workers;
        for (long k = 0; k < total; k++) {
            long handle = subject.allocate(8, 8);
            if (handle == 0) {
                throw AbstractWorkload.outOfMemory(8, 8);
            }
            RawMemory.setLong(subject.address(handle), k);
            SpscRing queue = queues[(int) (k % workers)];
            for (int attempt = 0; !queue.offer(handle); attempt++) {
                crew.idle(attempt);
            }
        }
    }

    private void work(int w) {
        long[] ring = rings[w];
        int[] ringSize = ringSizes[w];
        int received = 0;
        for (int c = 0; c < cyclesPerWorker; c++) {
            cycle(w, ring, ringSize);
            received += drain(w, Integer.MAX_VALUE);
        }
        for (int attempt = 0; received < foreignPerWorker; ) {
            int got = drain(w, foreignPerWorker - received);
            received += got;
            attempt = got > 0 ? 0 : attempt + 1;
            if (received < foreignPerWorker) {
                crew.idle(attempt);
            }
        }
    }

    /** Frees up to {@code max} foreign blocks waiting for worker {@code w}; returns how many. */
    private int drain(int w, int max) {
        SpscRing queue = queues[w];
        int freed = 0;
        while (freed < max && !queue.isEmpty()) {
            long handle = queue.take();
            if (check && RawMemory.getLong(subject.address(handle)) % workers != w) {
                throw new IllegalStateException("foreign block " + handle + " lost its number before its free");
            }
            subject.free(handle, 8, 8);
            freed++;
        }
        return freed;
    }

    private void cycle(int w, long[] ring, int[] ringSize) {
        int cursor = cursors[w];
        for (int i = 0; i < RING; i++) {
            if (ring[i] != 0) {
                subject.free(ring[i], ringSize[i], 8);
            }
            int byteSize = SIZES[cursor];
            cursor = cursor + 1 == SIZES.length ? 0 : cursor + 1;
            long handle = subject.allocate(byteSize, 8);
            if (handle == 0) {
                throw AbstractWorkload.outOfMemory(byteSize, 8);
            }
            subject.touch(handle, byteSize);
            ring[i] = handle;
            ringSize[i] = byteSize;
        }
        cursors[w] = cursor;
        int fifth = RING / 5;
        int keptFrom = (int) (cycles[w]++ % 5) * fifth;
        int freedCount = RING - fifth;
        int half = freedCount / 2;
        // The freed slots in ring order, skipping the kept fifth: the first half FIFO, the second LIFO.
        for (int k = 0; k < half; k++) {
            freeSlot(ring, ringSize, k < keptFrom ? k : k + fifth);
        }
        for (int k = freedCount - 1; k >= half; k--) {
            freeSlot(ring, ringSize, k < keptFrom ? k : k + fifth);
        }
    }

    private void freeSlot(long[] ring, int[] ringSize, int slot) {
        subject.free(ring[slot], ringSize[slot], 8);
        ring[slot] = 0;
    }

    @Override
    public void round() {
        crew.run();
    }

    @Override
    public long opsPerRound() {
        return (long) cyclesPerWorker * workers * RING + (long) foreignPerWorker * workers;
    }

    /** Stops the threads, then frees the kept fifth of every ring from the calling thread. */
    @Override
    public void close() {
        crew.close();
        for (int w = 0; w < workers; w++) {
            for (int i = 0; i < RING; i++) {
                if (rings[w][i] != 0) {
                    subject.free(rings[w][i], ringSizes[w][i], 8);
                    rings[w][i] = 0;
                }
            }
            while (!queues[w].isEmpty()) {
                subject.free(queues[w].take(), 8, 8);
            }
        }
    }
}
