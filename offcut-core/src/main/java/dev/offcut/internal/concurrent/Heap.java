package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.internal.Checks;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * A heap: the spans one owner allocates from, per size class a current span and a list of partial spans, and the
 * queue of its spans that other threads freed blocks into.
 *
 * <p>The owner is the platform thread in {@link #owner}, which uses the heap with no lock at all; when
 * {@link #owner} is {@code null} (a stripe heap of virtual threads, or a heap whose thread died) the owner is
 * whoever holds {@link #lock}, and a lock holder re-reads {@link #owner} after acquiring. Every method but
 * {@link #remoteFreed}, {@link #enqueue} and the statistics readers is the owner's.
 *
 * <p>Counters: the owner counts its allocations and its local frees in plain fields; frees by other threads are
 * counted by the freeing thread in {@link #remote} with atomic adds. Live blocks of the heap are
 * {@code allocCount - freeCount - remote.count()}, exact when quiescent (see
 * the allocator's design header).
 */
final class Heap {

    /**
     * Estimated Java-heap bytes of a heap: the object (12-byte header, 8 compressed references, 7 longs, an int, a
     * boolean: at most 128 bytes), its two span tables ({@code 16 + 4 * COUNT} bytes each), its lock (about 48) and
     * its {@link RemoteInbox}.
     */
    static final long FOOTPRINT = 128 + 2 * (16 + 4L * SizeClasses.COUNT) + 48 + RemoteInbox.FOOTPRINT;

    /** How many spans a heap takes from the pool between two looks for dead threads' heaps. */
    private static final int SCAN_EVERY = 64;

    final SpanPool pool;
    /** The registry's look for dead threads' heaps (a callback, so that heaps do not name the registry). */
    private final Runnable scanForDeadOwners;
    /** The registry's record of a dropped racing double free, given the block's offset. */
    private final LongConsumer droppedDoubleFree;
    /** A stripe heap: shared by virtual threads, never bound to one thread. */
    final boolean stripe;
    /** Taken by whoever uses the heap while {@link #owner} is {@code null}. */
    final ReentrantLock lock = new ReentrantLock();
    /** The platform thread that owns the heap, or {@code null}: lock-owned. Written under the registry's lock. */
    volatile Thread owner;

    /** Per class, the span allocation takes blocks from; {@link Span#NONE} if none. */
    final Span[] current = new Span[SizeClasses.COUNT];
    /** Per class, the head of a doubly linked list of other spans with a free block. */
    final Span[] partial = new Span[SizeClasses.COUNT];

    // Owner's counters (plain).
    long allocCount;
    long allocBytes;
    long freeCount;
    long freeBytes;
    /** Bytes of free blocks in the owner's bitmaps of this heap's spans. */
    long freeBlockBytes;
    /** Spans this heap owns. */
    long spanCount;
    /** Blocks handed out that had never been handed out since their pages were zero; lets zeroed allocation skip. */
    long freshCount;
    private int takesSinceScan;

    /** Other threads' frees: their counters and the queue of spans that hold them, off the owner's cache lines. */
    final RemoteInbox remote = new RemoteInbox();

    /**
     * Creates an empty heap.
     *
     * @param pool              the span pool
     * @param scanForDeadOwners looks for dead threads' heaps, if no one else is looking
     * @param droppedDoubleFree records a dropped racing double free
     * @param stripe            whether it is a virtual threads' stripe
     * @param owner             its platform thread, or {@code null}
     */
    Heap(SpanPool pool, Runnable scanForDeadOwners, LongConsumer droppedDoubleFree, boolean stripe, Thread owner) {
        this.pool = pool;
        this.scanForDeadOwners = scanForDeadOwners;
        this.droppedDoubleFree = droppedDoubleFree;
        this.stripe = stripe;
        this.owner = owner;
        java.util.Arrays.fill(current, Span.NONE);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Allocation

    /**
     * Allocates a block of class {@code c}: the lowest free bit of the current span's cursor word.
     *
     * @param c        the class
     * @param byteSize the requested size, {@code <=} the class's block size
     * @return the offset, or {@link Allocator#NULL} if no span can be had
     */
    long allocate(int c, long byteSize) {
        Span s = current[c];
        int w = s.cursor;
        long word = s.free[w];
        if (word != 0) {
            long bit = word & -word;
            if ((s.remote[w] & bit) == 0) {
                s.free[w] = word ^ bit;
                int i = (w << 6) + Long.numberOfTrailingZeros(word);
                return handOut(s, i, byteSize);
            }
        }
        return allocateSlow(c, byteSize);
    }

    private long handOut(Span s, int i, long byteSize) {
        s.used++;
        if (i >= s.freshFrom) {
            s.freshFrom = i + 1;
            freshCount++;
        }
        s.setRequestedSize(i, byteSize);
        allocCount++;
        allocBytes += byteSize;
        freeBlockBytes -= s.blockSize;
        return s.base + (long) i * s.blockSize;
    }

    private long allocateSlow(int c, long byteSize) {
        while (true) {
            Span s = current[c];
            if (s != Span.NONE) {
                int w = findFreeWord(s);
                if (w >= 0) {
                    s.cursor = w;
                    long word = s.free[w];
                    long bit = word & -word;
                    int i = (w << 6) + Long.numberOfTrailingZeros(word);
                    if (dropIfDuplicate(s, i)) {
                        continue; // a racing double free left a remote bit on a free block: dropped, try again
                    }
                    s.free[w] = word ^ bit;
                    return handOut(s, i, byteSize);
                }
                s.listed = false; // full: it leaves the lists until a free or a collection gives it a free block
                current[c] = Span.NONE;
            }
            if (!remote.isEmpty()) {
                drainRemote();
                if (current[c] != Span.NONE || partial[c] != null) {
                    continue;
                }
            }
            Span p = partial[c];
            if (p != null) {
                unlink(p);
                p.listed = true;
                p.cursor = 0;
                current[c] = p;
                continue;
            }
            if (++takesSinceScan >= SCAN_EVERY) {
                takesSinceScan = 0;
                scanForDeadOwners.run();
            }
            Span n = pool.take(c);
            if (n == null) {
                return Allocator.NULL;
            }
            n.format(c, this, owner);
            spanCount++;
            freeBlockBytes += (long) n.blockCount * n.blockSize;
            current[c] = n;
        }
    }

    /** The first bitmap word with a free block, from the cursor on and then from 0; -1 if the span is full. */
    private static int findFreeWord(Span s) {
        long[] free = s.free;
        for (int w = s.cursor; w < s.words; w++) {
            if (free[w] != 0) {
                return w;
            }
        }
        for (int w = 0; w < s.cursor; w++) {
            if (free[w] != 0) {
                return w;
            }
        }
        return -1;
    }

    /**
     * Drops the remote bit of a free block, left by a double free that raced with the owner's own free.
     *
     * @return {@code true} if there was one
     */
    private boolean dropIfDuplicate(Span s, int i) {
        long bit = 1L << i;
        if (((long) Span.REMOTE.getVolatile(s.remote, i >>> 6) & bit) == 0) {
            return false;
        }
        long old = (long) Span.REMOTE.getAndBitwiseAnd(s.remote, i >>> 6, ~bit);
        if ((old & bit) != 0) {
            dropped(s, i);
        }
        return true;
    }

    /** Undoes the counting of a remote free that found its block already free. */
    private void dropped(Span s, int i) {
        remote.add(-1L, -s.requestedSize(i));
        droppedDoubleFree.accept(s.base + (long) i * s.blockSize);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Free

    /**
     * Frees a block of one of this heap's spans, by the owner.
     *
     * @param s        the span, owned by this heap
     * @param i        the block index
     * @param byteSize the size a sized free passed, or -1
     * @throws IllegalArgumentException if the block is free (or freed remotely and not yet collected), or the size
     *                                  is not the block's
     */
    void free(Span s, int i, long byteSize) {
        int w = i >>> 6;
        long bit = 1L << i;
        long f = s.free[w];
        if (((f | s.remote[w]) & bit) != 0) {
            throw notLive(s, i);
        }
        int size = s.requestedSize(i);
        if (byteSize >= 0 && byteSize != size) {
            throw Checks.wrongBlockSize(s.base + (long) i * s.blockSize, byteSize, size);
        }
        s.free[w] = f | bit;
        freeCount++;
        freeBytes += size;
        freeBlockBytes += s.blockSize;
        if (--s.used == 0 || !s.listed) {
            afterFree(s);
        }
    }

    static IllegalArgumentException notLive(Span s, int i) {
        return Checks.notABlock(s.base + (long) i * s.blockSize, "already free (a double free)");
    }

    /** A free emptied the span or gave a full one a free block. */
    private void afterFree(Span s) {
        if (!s.listed) {
            s.listed = true;
            pushPartial(s);
        }
        if (s.used == 0 && current[s.cls] != s) {
            release(s);
        }
    }

    /**
     * Gives an empty span, not current, back to the pool, unless it waits in this heap's remote queue (then the
     * drain gives it back).
     */
    private void release(Span s) {
        if (s.queued != 0) {
            return;
        }
        collect(s); // drops bits of racing double frees, so that the pool holds clean spans
        if (s.used != 0) {
            return;
        }
        unlink(s);
        spanCount--;
        freeBlockBytes -= (long) s.blockCount * s.blockSize;
        pool.give(s);
    }

    /**
     * Records a free by another thread into one of this heap's spans. Any thread.
     *
     * @param byteSize the block's requested size
     */
    void remoteFreed(int byteSize) {
        remote.add(1L, byteSize);
    }

    /**
     * Pushes a span on the remote queue. Any thread, after {@link Span#claimQueued()} succeeded.
     *
     * @param s a span of this heap
     */
    void enqueue(Span s) {
        remote.push(s);
    }

    /** Takes the whole remote queue and collects each span's remote frees. Owner. */
    void drainRemote() {
        Span s = remote.takeAll();
        while (s != null) {
            Span next = s.nextQueued;
            s.nextQueued = null;
            // Clear the flag before collecting: a free that sets a bit after the collection read its word sees the
            // flag clear and queues the span again, so no free is left unnoticed.
            s.queued = 0;
            if (s.heap == this) {
                collect(s);
                if (s.used < s.blockCount && !s.listed) {
                    s.listed = true;
                    pushPartial(s);
                }
                if (s.used == 0 && current[s.cls] != s) {
                    release(s);
                }
            }
            s = next;
        }
    }

    /** Moves a span's remote bits into its free bitmap. Owner. */
    private void collect(Span s) {
        for (int w = 0; w < s.words; w++) {
            if ((long) Span.REMOTE.getVolatile(s.remote, w) == 0) {
                continue;
            }
            long bits = (long) Span.REMOTE.getAndSet(s.remote, w, 0L);
            long duplicates = bits & s.free[w];
            long real = bits & ~duplicates;
            while (duplicates != 0) {
                dropped(s, (w << 6) + Long.numberOfTrailingZeros(duplicates));
                duplicates &= duplicates - 1;
            }
            if (real != 0) {
                s.free[w] |= real;
                int n = Long.bitCount(real);
                s.used -= n;
                freeBlockBytes += (long) n * s.blockSize;
            }
        }
    }

    /**
     * Gives back every empty span, after collecting remote frees: what a heap whose thread died keeps is only its
     * live blocks' spans. Owner (the lock holder).
     */
    void releaseEmptySpans() {
        drainRemote();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span s = current[c];
            if (s != Span.NONE && s.queued == 0) {
                collect(s);
                if (s.used == 0) {
                    current[c] = Span.NONE;
                    s.listed = true;
                    pushPartial(s);
                }
            }
            Span p = partial[c];
            while (p != null) {
                Span next = p.next;
                if (p.used == 0) {
                    release(p);
                }
                p = next;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Partial lists

    private void pushPartial(Span s) {
        Span head = partial[s.cls];
        s.prev = null;
        s.next = head;
        if (head != null) {
            head.prev = s;
        }
        partial[s.cls] = s;
    }

    /** Unlinks a span from its partial list if it is in it (a current span is not). */
    private void unlink(Span s) {
        if (partial[s.cls] == s) {
            partial[s.cls] = s.next;
        } else if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            return; // not in the list
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = null;
        s.next = null;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // In-place resize, statistics, verification

    /**
     * Changes a live block's recorded size within its block. Owner.
     *
     * @param s           the span
     * @param i           the block
     * @param oldByteSize its size now
     * @param newByteSize its new size, {@code <= blockSize}
     */
    void resize(Span s, int i, int oldByteSize, long newByteSize) {
        s.setRequestedSize(i, newByteSize);
        long growth = newByteSize - oldByteSize;
        if (growth > 0) {
            allocBytes += growth;
        } else {
            freeBytes -= growth;
        }
    }

    /** Live blocks of the heap: exact when quiescent. */
    long liveCount() {
        return allocCount - freeCount - remote.count();
    }

    /** Live bytes of the heap, as requested: exact when quiescent. */
    long liveBytes() {
        return allocBytes - freeBytes - remote.bytes();
    }

    /**
     * Checks the heap's lists and counters against its spans. When quiescent. {@code spans} are this heap's spans
     * found through the page map.
     *
     * @param spans the spans whose {@link Span#heap} is this heap
     * @param n     how many
     * @throws IllegalStateException naming the broken invariant
     */
    void verify(Span[] spans, int n) {
        long freeBytesWalked = 0;
        long live = 0;
        long liveBytes = 0;
        int listed = 0;
        for (int k = 0; k < n; k++) {
            Span s = spans[k];
            int freeBits = 0;
            for (int w = 0; w < s.free.length; w++) {
                long valid = w < s.words ? (w == s.words - 1 && (s.blockCount & 63) != 0
                        ? (1L << (s.blockCount & 63)) - 1 : -1L) : 0L;
                if ((s.free[w] & ~valid) != 0) {
                    throw broken("free bits past the last block", s);
                }
                long remote = (long) Span.REMOTE.getVolatile(s.remote, w);
                if ((remote & ~valid) != 0) {
                    throw broken("remote bits past the last block", s);
                }
                if ((remote & s.free[w]) != 0) {
                    throw broken("a block freed twice (a racing double free, dropped at collection)", s);
                }
                freeBits += Long.bitCount(s.free[w]);
                long liveWord = ~s.free[w] & ~remote & valid;
                live += Long.bitCount(liveWord);
                while (liveWord != 0) {
                    liveBytes += s.requestedSize((w << 6) + Long.numberOfTrailingZeros(liveWord));
                    liveWord &= liveWord - 1;
                }
            }
            if (s.used != s.blockCount - freeBits) {
                throw broken("used " + s.used + " != blocks - bitCount(free) = " + (s.blockCount - freeBits), s);
            }
            if (!s.listed && freeBits != 0) {
                throw broken("a span with a free block is in no list", s);
            }
            if (s.listed) {
                listed++;
            }
            if (s.cursor < 0 || s.cursor >= s.words) {
                throw broken("cursor " + s.cursor + " outside the bitmap", s);
            }
            freeBytesWalked += (long) freeBits * s.blockSize;
        }
        int inLists = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            if (current[c] != Span.NONE) {
                if (current[c].heap != this || current[c].cls != c || !current[c].listed) {
                    throw broken("current span of class " + c + " is not this heap's listed span of the class",
                            current[c]);
                }
                inLists++;
            }
            Span prev = null;
            for (Span s = partial[c]; s != null; prev = s, s = s.next) {
                if (s.heap != this || s.cls != c || !s.listed || s.prev != prev || s == current[c]) {
                    throw broken("partial list of class " + c + " is broken", s);
                }
                if (++inLists > n) {
                    throw broken("partial list of class " + c + " loops", s);
                }
            }
        }
        if (inLists != listed) {
            throw new IllegalStateException("heap lists hold " + inLists + " spans, " + listed + " are marked listed");
        }
        if (n != spanCount) {
            throw new IllegalStateException("heap counts " + spanCount + " spans, the page map shows " + n);
        }
        if (freeBytesWalked != freeBlockBytes) {
            throw new IllegalStateException("heap counts " + freeBlockBytes + " free block bytes, its bitmaps hold "
                    + freeBytesWalked);
        }
        if (live != liveCount() || liveBytes != liveBytes()) {
            throw new IllegalStateException("heap counts " + liveCount() + " live blocks of " + liveBytes()
                    + " bytes, its bitmaps hold " + live + " of " + liveBytes);
        }
    }

    private static IllegalStateException broken(String invariant, Span s) {
        return new IllegalStateException(invariant + " at offset " + s.base + ": " + s);
    }
}
