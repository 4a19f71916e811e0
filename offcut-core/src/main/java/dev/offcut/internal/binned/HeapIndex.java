package dev.offcut.internal.binned;

import java.util.Arrays;

import static dev.offcut.internal.binned.BinnedLayout.NULL;

/**
 * An ordered set of heap offsets in the Java object, beside the heap list in the memory, so that a heap change finds
 * its neighbours, and a lookup its heap, in O(log heaps) instead of walking the list (issue 13, defect 9: with a
 * parent source, 64,000 heaps took 37 s to fill and 15 s to free). The list in the memory stays as it was (ordered,
 * singly linked, what {@code open} checks); this index is a cache of it that the walk in {@link ChunkStore#heapIndex()}
 * rebuilds, like the object's other caches (one object owns a superblock at a time).
 *
 * <p>A treap: a binary search tree by offset that is also a heap by a priority, here a mix of the offset and a seed
 * (the allocator's random salt), so its depth is O(log heaps) expected whatever the order of the offsets, with no
 * rebalancing state stored. Nodes live in primitive arrays indexed from 1 (0 is no node), freed nodes on a list, so
 * that a change allocates nothing but a doubling of the arrays now and then.
 *
 * <pre>
 *   invariants (BinnedCheck.verify checks the set against the list):
 *     in-order keys ascending; for every node n and child m: priority(key[n]) >= priority(key[m]); size == nodes
 * </pre>
 */
final class HeapIndex {

    private final long seed;
    private long[] keys = new long[16];
    private int[] left = new int[16];
    private int[] right = new int[16];
    private int root;
    private int size;
    /** The first free node (linked through {@code left}), or 0; nodes above {@code used} were never handed out. */
    private int freeNodes;
    private int used;
    /** The two halves of the last {@link #split}: keys below the split key, and the rest. */
    private int splitLow;
    private int splitHigh;

    HeapIndex(long seed) {
        this.seed = seed;
    }

    int size() {
        return size;
    }

    /** A node's priority: its key mixed with the seed (SplitMix64's finalizer), so that no order of keys is bad. */
    private long priority(int node) {
        long z = keys[node] ^ seed;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** Adds a heap offset that is not in the set. */
    void add(long heap) {
        int node = newNode(heap);
        root = insert(root, node);
        size++;
    }

    /** Removes a heap offset that is in the set. */
    void remove(long heap) {
        root = remove(root, heap);
        size--;
    }

    boolean contains(long heap) {
        int t = root;
        while (t != 0 && keys[t] != heap) {
            t = heap < keys[t] ? left[t] : right[t];
        }
        return t != 0;
    }

    /** Returns the greatest heap offset {@code <= offset}, or NULL. */
    long floor(long offset) {
        long best = NULL;
        for (int t = root; t != 0; ) {
            if (keys[t] <= offset) {
                best = keys[t];
                t = right[t];
            } else {
                t = left[t];
            }
        }
        return best;
    }

    /** Returns the greatest heap offset {@code < offset}, or NULL. */
    long lower(long offset) {
        return offset == Long.MIN_VALUE ? NULL : floor(offset - 1);
    }

    /** Returns the highest heap offset, or NULL if there is none. */
    long last() {
        long best = NULL;
        for (int t = root; t != 0; t = right[t]) {
            best = keys[t];
        }
        return best;
    }

    private int newNode(long key) {
        int node = freeNodes;
        if (node != 0) {
            freeNodes = left[node];
        } else {
            node = ++used;
            if (node == keys.length) {
                int capacity = keys.length * 2;
                keys = Arrays.copyOf(keys, capacity);
                left = Arrays.copyOf(left, capacity);
                right = Arrays.copyOf(right, capacity);
            }
        }
        keys[node] = key;
        left[node] = 0;
        right[node] = 0;
        return node;
    }

    private int insert(int t, int node) {
        if (t == 0) {
            return node;
        }
        if (priority(node) > priority(t)) {
            split(t, keys[node]);
            left[node] = splitLow;
            right[node] = splitHigh;
            return node;
        }
        if (keys[node] < keys[t]) {
            left[t] = insert(left[t], node);
        } else {
            right[t] = insert(right[t], node);
        }
        return t;
    }

    /** Splits the subtree at {@code t} into the keys below {@code key} (splitLow) and the rest (splitHigh). */
    private void split(int t, long key) {
        if (t == 0) {
            splitLow = 0;
            splitHigh = 0;
        } else if (keys[t] < key) {
            split(right[t], key);
            right[t] = splitLow;
            splitLow = t;
        } else {
            split(left[t], key);
            left[t] = splitHigh;
            splitHigh = t;
        }
    }

    private int remove(int t, long key) {
        if (t == 0) {
            throw new IllegalStateException("heap " + key + " is not in the heap index");
        }
        if (keys[t] == key) {
            int merged = merge(left[t], right[t]);
            left[t] = freeNodes;
            freeNodes = t;
            return merged;
        }
        if (key < keys[t]) {
            left[t] = remove(left[t], key);
        } else {
            right[t] = remove(right[t], key);
        }
        return t;
    }

    /** Joins two subtrees, every key of {@code low} below every key of {@code high}. */
    private int merge(int low, int high) {
        if (low == 0) {
            return high;
        }
        if (high == 0) {
            return low;
        }
        if (priority(low) > priority(high)) {
            right[low] = merge(right[low], high);
            return low;
        }
        left[high] = merge(low, left[high]);
        return high;
    }
}
