package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorStats;
import dev.offcut.ConcurrentAllocator;
import dev.offcut.LinearMemory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour particular to the concurrent allocator: bad frees from any thread, heaps and threads, pages. */
class ConcurrentAllocatorTest {

    private static void inThread(Runnable body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    private static void refused(ConcurrentAllocator allocator, Executable call) {
        AllocatorStats before = allocator.stats();
        assertThrows(IllegalArgumentException.class, call);
        assertEquals(before, allocator.stats(), "a refused free changes no counter");
        allocator.verify();
    }

    @Test
    void badFreesAreRefusedFromTheOwnerAndFromOtherThreadsWithTheHeapUnchanged() throws Exception {
        try (LinearMemory memory = LinearMemory.ofNative(64L << 20)) {
            ConcurrentAllocator allocator = Allocator.concurrent(memory);
            long a = allocator.allocate(100, 8);
            long b = allocator.allocate(100, 8);
            long big = allocator.allocate(100_000, 8);
            long freed = allocator.allocate(48, 8);
            allocator.free(freed);
            for (boolean remote : new boolean[] {false, true}) {
                Runnable checks = () -> {
                    refused(allocator, () -> allocator.free(freed));              // double
                    refused(allocator, () -> allocator.free(freed, 48));
                    refused(allocator, () -> allocator.free(a + 16));             // interior, on a block boundary of 16
                    refused(allocator, () -> allocator.free(a + 1));              // misaligned
                    refused(allocator, () -> allocator.free(a + 8, 100));
                    refused(allocator, () -> allocator.free(a, 99));              // wrong size, same class
                    refused(allocator, () -> allocator.free(a, 112));             // the class's block size
                    refused(allocator, () -> allocator.free(a, 5000));            // another class
                    refused(allocator, () -> allocator.free(big + 64));           // interior of a back-end block
                    refused(allocator, () -> allocator.free(big, 99_999));
                    refused(allocator, () -> allocator.free(60L << 20));          // foreign: past the memory
                    refused(allocator, () -> allocator.free(-16));
                    refused(allocator, () -> allocator.tryReallocate(freed, 10, 8));
                };
                if (remote) {
                    inThread(checks);
                } else {
                    checks.run();
                }
            }
            // A remote free, not yet collected, is a double free for the owner and for everyone else.
            inThread(() -> allocator.free(b));
            refused(allocator, () -> allocator.free(b));
            inThread(() -> refused(allocator, () -> allocator.free(b)));
            allocator.free(a, 100);
            allocator.free(big, 100_000);
            assertEquals(0, allocator.stats().allocationCount());
            allocator.verify();
        }
    }

    @Test
    void aRacingDoubleFreeIsRefusedAtOnceOrReportedByVerify() throws Exception {
        try (LinearMemory memory = LinearMemory.ofNative(64L << 20)) {
            ConcurrentAllocator allocator = Allocator.concurrent(memory);
            CyclicBarrier barrier = new CyclicBarrier(2);
            int rounds = 2_000;
            long[] blocks = new long[rounds];
            AtomicInteger refusals = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread owner = Thread.currentThread();
            Runnable racer = () -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        barrier.await();
                        try {
                            allocator.free(blocks[r]);
                        } catch (IllegalArgumentException refused) {
                            refusals.incrementAndGet();
                        }
                        barrier.await();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            };
            Thread other = Thread.ofPlatform().start(racer);
            for (int r = 0; r < rounds; r++) {
                blocks[r] = allocator.allocate(64, 8);
            }
            assertTrue(owner.isAlive());
            racer.run(); // the owner races the other thread on each block
            other.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            // Collect every remote free (allocation drains the queue), then count: each block was freed once.
            long again = allocator.allocate(64, 8);
            allocator.free(again);
            int dropped = 0;
            try {
                allocator.verify();
            } catch (IllegalStateException reported) {
                assertTrue(reported.getMessage().contains("racing double free"), reported.getMessage());
                dropped = Integer.parseInt(reported.getMessage().split(" ")[0]);
            }
            assertEquals(rounds, refusals.get() + dropped, "each racing pair had exactly one refusal");
            allocator.verify();
            assertEquals(0, allocator.stats().allocationCount(), allocator.stats().toString());
        }
    }

    @Test
    void aDeadThreadsHeapIsAdoptedByTheNextThreadWithTheGcIdle() throws Exception {
        try (LinearMemory memory = LinearMemory.ofNative(64L << 20)) {
            ConcurrentSizeClassAllocator allocator = (ConcurrentSizeClassAllocator) Allocator.concurrent(memory);
            long[] kept = new long[1];
            inThread(() -> {
                for (int i = 0; i < 1000; i++) {
                    long o = allocator.allocate(40, 8);
                    if (i == 500) {
                        kept[0] = o;
                    } else {
                        allocator.free(o);
                    }
                }
            });
            int heaps = allocator.heapCount();
            assertEquals(allocator.stripeCount() + 1, heaps);
            for (int t = 0; t < 20; t++) {
                inThread(() -> allocator.free(allocator.allocate(40, 8)));
                assertEquals(heaps, allocator.heapCount(), "each new thread adopts the dead thread's heap");
            }
            // The block outlived its thread: freed from here, into an adopted or abandoned heap.
            allocator.free(kept[0], 40);
            allocator.trim();
            assertEquals(1, allocator.abandonedHeapCount(), "the last thread's heap waits, lock-owned");
            allocator.verify();
            assertEquals(0, allocator.stats().allocationCount());
        }
    }

    @Test
    void tenThousandVirtualThreadsShareTheStripes() throws Exception {
        try (LinearMemory memory = LinearMemory.ofNative(256L << 20)) {
            ConcurrentSizeClassAllocator allocator = (ConcurrentSizeClassAllocator) Allocator.concurrent(memory);
            int threads = 10_000;
            CountDownLatch done = new CountDownLatch(threads);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int i = 0; i < threads; i++) {
                int me = i;
                Thread.ofVirtual().start(() -> {
                    try {
                        for (int k = 0; k < 20; k++) {
                            long o = allocator.allocate(16 + (me + k) % 200, 8);
                            memory.segment().set(ValueLayout.JAVA_INT, o, me);
                            Thread.yield();
                            assertEquals(me, memory.segment().get(ValueLayout.JAVA_INT, o));
                            allocator.free(o);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(allocator.stripeCount(), allocator.heapCount(), "virtual threads get no heap of their own");
            allocator.verify();
            assertEquals(0, allocator.stats().allocationCount());
            // Pages in use are bounded by the stripes, not the threads: at most a span per class and stripe.
            long inSpans = allocator.stats().claimedBytes();
            assertTrue(inSpans <= (long) allocator.stripeCount() * 13 * LinearMemory.PAGE_BYTE_SIZE
                    + (2L << 20), "claimed " + inSpans);
        }
    }

    @Test
    void anOffcutArenaOverItIsASharedArenaWhoseSegmentsAnyThreadFrees() throws Exception {
        try (LinearMemory memory = LinearMemory.ofNative(64L << 20)) {
            dev.offcut.OffcutArena arena = dev.offcut.OffcutArena.of(Allocator.concurrent(memory));
            List<java.lang.foreign.MemorySegment> segments = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                java.lang.foreign.MemorySegment segment = arena.allocate(8 + i % 300, 8);
                segment.set(ValueLayout.JAVA_BYTE, 0, (byte) i);
                segments.add(segment);
            }
            inThread(() -> {
                for (int i = 0; i < segments.size(); i++) {
                    assertEquals((byte) i, segments.get(i).get(ValueLayout.JAVA_BYTE, 0));
                    arena.free(segments.get(i));
                }
            });
            assertEquals(0, arena.allocator().stats().allocationCount());
            arena.allocator().verify();
        }
    }

    @Test
    void trimReleasesPooledPagesAndZeroedAllocationThenSkipsNothingItNeeds() {
        try (LinearMemory memory = LinearMemory.ofNative(256L << 20)) {
            ConcurrentSizeClassAllocator allocator = (ConcurrentSizeClassAllocator)
                    ConcurrentAllocator.builder(memory).retainedByteSize(64L << 20).build();
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                long o = allocator.allocate(200 + i % 3000, 8);
                memory.segment().asSlice(o, 200).fill((byte) 0x77);
                blocks.add(o);
            }
            for (long o : blocks) {
                allocator.free(o);
            }
            long pooled = allocator.pooledByteSize();
            assertTrue(pooled > (16L << 20), "empty spans went to the pool: " + pooled);
            long released = allocator.trim();
            assertTrue(released >= pooled - (4L << 20), "released " + released + " of " + pooled);
            allocator.verify();
            for (int i = 0; i < 2_000; i++) {
                long o = allocator.allocateZeroed(200 + i % 3000, 8);
                assertEquals(-1, memory.segment().asSlice(o, 200 + i % 3000)
                        .mismatch(java.lang.foreign.MemorySegment.ofArray(new byte[200 + i % 3000])), "zeroed");
                assertNotEquals(Allocator.NULL, o);
            }
            allocator.verify();
        }
    }

    @Test
    void theMemoryDoesNotGrowWhileThePoolHoldsPagesOfAnotherKind() {
        try (LinearMemory memory = LinearMemory.ofNative(256L << 20)) {
            ConcurrentAllocator allocator = ConcurrentAllocator.builder(memory).retainedByteSize(64L << 20).build();
            // 8 MiB of 48-byte blocks: one-page spans, laid out in page order as the memory grows.
            List<Long> small = new ArrayList<>();
            for (int i = 0; i < (8 << 20) / 48; i++) {
                small.add(allocator.allocate(48, 8));
            }
            for (long o : small) {
                allocator.free(o);
            }
            long grown = memory.byteSize();
            // 6 MiB of 20 KiB blocks: four-page spans. The pool holds about 8 MiB of one-page spans, adjacent, so
            // every four-page span must be cut from them (before: each one grew the memory, 16 pages at a time).
            List<Long> large = new ArrayList<>();
            for (int i = 0; i < (6 << 20) / (20 << 10); i++) {
                large.add(allocator.allocate(20 << 10, 8));
            }
            assertEquals(grown, memory.byteSize(), "no growth while pooled pages can be joined");
            allocator.verify();
            for (long o : large) {
                allocator.free(o);
            }
            // And back: the four-page spans are split for one-page requests.
            for (int i = 0; i < (4 << 20) / 48; i++) {
                allocator.allocate(48, 8);
            }
            assertEquals(grown, memory.byteSize(), "no growth while pooled pages can be split");
            allocator.verify();
        }
    }

    @Test
    void committedBytesAreGrownLessReleasedPlusMetadata() {
        try (LinearMemory memory = LinearMemory.ofNative(256L << 20)) {
            ConcurrentAllocator allocator = ConcurrentAllocator.builder(memory).retainedByteSize(0).build();
            assertEquals(0, allocator.releasedByteSize());
            long emptyMetadata = allocator.metadataByteSize();
            assertTrue(emptyMetadata > 0, "the binding table and the stripes are metadata");
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 50_000; i++) {
                long o = allocator.allocate(16 + i % 1000, 8);
                memory.segment().set(ValueLayout.JAVA_BYTE, o, (byte) 1); // dirty: a release must do something
                blocks.add(o);
            }
            long metadata = allocator.metadataByteSize();
            assertTrue(metadata > emptyMetadata, "spans add metadata: " + emptyMetadata + " -> " + metadata);
            assertTrue(metadata < memory.byteSize() / 8, "metadata " + metadata + " of " + memory.byteSize());
            assertEquals(memory.byteSize() + metadata, allocator.committedByteSize(), "nothing released yet");
            for (long o : blocks) {
                allocator.free(o);
            }
            allocator.trim();
            long released = allocator.releasedByteSize();
            assertTrue(released > memory.byteSize() / 2, "released " + released + " of " + memory.byteSize());
            assertEquals(memory.byteSize() - released + allocator.metadataByteSize(), allocator.committedByteSize());
            allocator.verify();
            // Taking released spans again makes them committed again.
            for (int i = 0; i < 50_000; i++) {
                allocator.allocate(16 + i % 1000, 8);
            }
            assertTrue(allocator.releasedByteSize() < released, "reused released pages count as committed again");
            allocator.verify();
        }
    }

    @Test
    void spanMetadataIsSizedForTheSpansClassNotForItsKindsSmallest() {
        try (LinearMemory memory = LinearMemory.ofNative(256L << 20)) {
            ConcurrentAllocator allocator = Allocator.concurrent(memory);
            long empty = allocator.metadataByteSize();
            for (int i = 0; i < (32 << 20) / 1000; i++) {
                allocator.allocate(1000, 8); // 1 KiB blocks: 64 per one-page span
            }
            long perSpan = (allocator.metadataByteSize() - empty) / (memory.byteSize() >>> 16);
            // Object, two one-word bitmaps and 64 slack bytes: about 0.25 KiB (sized for 16-byte blocks: 5.3 KiB).
            assertTrue(perSpan < 512, "metadata per 64 KiB span: " + perSpan + " bytes");
            allocator.verify();
        }
    }
}
