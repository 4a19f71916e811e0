package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;

/**
 * The live blocks of a workload in three parallel primitive arrays, removed by swap-remove in O(1): nothing is
 * allocated once made.
 */
public final class LiveSet {

    final long[] handles;
    final long[] byteSizes;
    final long[] byteAlignments;
    int count;

    /**
     * Creates an empty set.
     *
     * @param capacity the most blocks it holds
     */
    public LiveSet(int capacity) {
        handles = new long[capacity];
        byteSizes = new long[capacity];
        byteAlignments = new long[capacity];
    }

    /**
     * Returns the number of live blocks.
     *
     * @return the count
     */
    public int count() {
        return count;
    }

    /**
     * Tells whether another block fits.
     *
     * @return {@code true} when full
     */
    public boolean full() {
        return count == handles.length;
    }

    void add(long handle, long byteSize, long byteAlignment) {
        handles[count] = handle;
        byteSizes[count] = byteSize;
        byteAlignments[count] = byteAlignment;
        count++;
    }

    void removeAt(int index) {
        int last = --count;
        handles[index] = handles[last];
        byteSizes[index] = byteSizes[last];
        byteAlignments[index] = byteAlignments[last];
    }

    /**
     * Returns the sum of the live blocks' requested sizes.
     *
     * @return bytes
     */
    long requestedBytes() {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += byteSizes[i];
        }
        return sum;
    }

    /**
     * Frees every live block (or resets a subject that cannot free one by one) and empties the set.
     *
     * @param subject the subject that owns them
     * @param frees   whether the subject frees blocks individually
     */
    public void releaseAll(Subject subject, boolean frees) {
        if (frees) {
            for (int i = count - 1; i >= 0; i--) {
                subject.free(handles[i], byteSizes[i], byteAlignments[i]);
            }
        } else {
            subject.reset();
        }
        count = 0;
    }

    /**
     * Frees every live block after the first {@code keep} and forgets them.
     *
     * @param subject the subject
     * @param keep    how many to keep
     */
    void releaseAllBut(Subject subject, int keep) {
        for (int i = count - 1; i >= keep; i--) {
            subject.free(handles[i], byteSizes[i], byteAlignments[i]);
        }
        count = Math.min(count, keep);
    }
}
