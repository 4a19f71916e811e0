package dev.offcut;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The confined and automatic {@link OffcutArena}s: the JDK's exception types from the wrong thread, close semantics,
 * segments that outlive a memory closed behind the arena's back, release by the garbage collector, and memory that
 * no kind counts as direct memory.
 */
@ExtendWith(OutOfMemoryAsFailure.class)
class OffcutArenaKindsTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (IllegalStateException alreadyClosed) {
                // The test closed it itself.
            }
        }
    }

    private OffcutArena confined(long maxByteSize) {
        OffcutArena arena = OffcutArena.ofConfined(Allocator.binned(LinearMemory.ofNative(maxByteSize)));
        resources.add(arena);
        return arena;
    }

    /** Runs {@code call} on a new platform thread and returns what it threw, or {@code null}. */
    private static Throwable thrownOnAnotherThread(Executable call) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                call.execute();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        other.join();
        return thrown.get();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Confined

    @Test
    void aConfinedArenasSegmentsAreTheOwnersOnly() throws Exception {
        OffcutArena arena = confined(16 * PAGE);
        MemorySegment segment = arena.allocate(64, 8);
        segment.set(ValueLayout.JAVA_LONG, 0, 11L);
        assertEquals(arena.scope(), segment.scope());
        assertTrue(segment.isAccessibleBy(Thread.currentThread()));
        assertInstanceOf(WrongThreadException.class,
                thrownOnAnotherThread(() -> segment.get(ValueLayout.JAVA_LONG, 0)), "read from another thread");
        assertInstanceOf(WrongThreadException.class,
                thrownOnAnotherThread(() -> segment.set(ValueLayout.JAVA_LONG, 0, 1L)), "write from another thread");
        assertInstanceOf(WrongThreadException.class, thrownOnAnotherThread(() -> segment.fill((byte) 1)));
        assertEquals(11L, segment.get(ValueLayout.JAVA_LONG, 0));
        MemorySegment text = arena.allocateFrom("confined");
        assertInstanceOf(WrongThreadException.class, thrownOnAnotherThread(() -> text.getString(0)));
        assertEquals("confined", text.getString(0));
        arena.allocator().verify();
    }

    @Test
    void aConfinedArenaRefusesEveryCallFromAnotherThreadAndChangesNothing() throws Exception {
        OffcutArena arena = confined(16 * PAGE);
        MemorySegment segment = arena.allocate(64, 8);
        AllocatorStats before = arena.allocator().stats();
        List<Executable> calls = List.of(
                () -> arena.allocate(8, 8),
                () -> arena.allocate(ValueLayout.JAVA_INT),
                () -> arena.allocateFrom("x"),
                () -> arena.tryAllocate(8, 8),
                () -> arena.allocateUninitialized(8, 8),
                () -> arena.free(segment),
                () -> arena.reallocate(segment, 128),
                arena::close);
        for (Executable call : calls) {
            assertInstanceOf(WrongThreadException.class, thrownOnAnotherThread(call));
        }
        assertEquals(before, arena.allocator().stats(), "nothing allocated or freed");
        assertTrue(arena.scope().isAlive(), "not closed");
        arena.free(segment);
        arena.allocator().verify();
    }

    @Test
    void closingAConfinedArenaEndsItsSegmentsAndItsMemory() {
        LinearMemory memory = LinearMemory.ofNative(16 * PAGE);
        OffcutArena arena = OffcutArena.ofConfined(Allocator.binned(memory));
        MemorySegment segment = arena.allocate(64, 8);
        arena.close();
        assertFalse(arena.scope().isAlive());
        assertFalse(segment.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, memory::segment, "the memory is closed too");
        assertThrows(IllegalStateException.class, () -> arena.allocate(8, 8));
        assertThrows(IllegalStateException.class, () -> arena.free(segment));
        assertThrows(IllegalStateException.class, arena::close, "closing twice throws, as Arena requires");
        assertTrue(arena.toString().contains("confined"), arena.toString());
    }

    @Test
    void aConfinedArenasSegmentsFollowTheMemoryAsItGrows() {
        OffcutArena arena = confined(1L << 30);
        List<MemorySegment> segments = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            MemorySegment segment = arena.allocate(3 * PAGE + i * 1000L, 16);
            segment.set(ValueLayout.JAVA_INT, segment.byteSize() - 4, i);
            segments.add(segment);
        }
        assertTrue(arena.allocator().memory().pageCount() > 100, "the memory grew many times");
        for (int i = 0; i < segments.size(); i++) {
            MemorySegment segment = segments.get(i);
            assertEquals(i, segment.get(ValueLayout.JAVA_INT, segment.byteSize() - 4));
            assertEquals(arena.scope(), segment.scope());
        }
        MemorySegment grown = arena.reallocate(segments.getFirst(), 64 * PAGE);
        assertEquals(arena.scope(), grown.scope());
        grown.set(ValueLayout.JAVA_BYTE, 64 * PAGE - 1, (byte) 1);
        segments.subList(1, segments.size()).forEach(arena::free);
        arena.free(grown);
        arena.allocator().verify();
        assertEquals(0, arena.allocator().stats().allocationCount());
    }

    @Test
    void closingTheMemoryBehindAConfinedArenasBackNeverLeavesASegmentOverUnmappedPages() {
        // The segments' scope is the arena's own, not the memory's: the memory keeps its pages mapped until the arena
        // closes, so a segment is accessible until then and refused after, never a crash.
        LinearMemory memory = LinearMemory.ofNative(16 * PAGE);
        OffcutArena arena = OffcutArena.ofConfined(Allocator.binned(memory));
        MemorySegment segment = arena.allocate(64, 8);
        segment.set(ValueLayout.JAVA_LONG, 0, 5L);
        memory.close();
        assertEquals(5L, segment.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> arena.allocate(8, 8), "the allocator ended with its memory");
        arena.close();
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void aConfinedArenaNeedsNativeMemoryOfItsOwn() {
        assertThrows(IllegalArgumentException.class,
                () -> OffcutArena.ofConfined(Allocator.freeList(LinearMemory.ofHeap(PAGE))));
        try (Arena callers = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OffcutArena.ofConfined(Allocator.freeList(LinearMemory.of(callers.allocate(4 * PAGE)))));
            assertTrue(e.getMessage().contains("OffcutArena.of"), "says what to use instead: " + e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> OffcutArena.ofConfined(null));
    }

    @Test
    @ExtendWith(OutOfMemoryAsFailure.class) // a refused reservation is this test failing, not a dead fork
    void closingConfinedArenasGivesTheirAddressSpaceBack() {
        // 300 arenas over 1 TiB each need 300 TiB of address space unless each close unmaps: more than 128 TiB.
        for (int i = 0; i < 300; i++) {
            OffcutArena arena = OffcutArena.ofConfined(Allocator.binned(LinearMemory.ofNative(1L << 40)));
            arena.allocate(100, 8).set(ValueLayout.JAVA_LONG, 0, i);
            arena.close();
        }
    }

    @Test
    @SuppressWarnings("restricted") // downcallHandle
    void aConfinedArenasSegmentsGoToNativeCallsOnTheOwnerThread() throws Throwable {
        OffcutArena arena = confined(16 * PAGE);
        Linker linker = Linker.nativeLinker();
        MemorySegment strlenAddress = linker.defaultLookup().find("strlen").orElse(null);
        assumeTrue(strlenAddress != null, "no strlen in the default lookup");
        MethodHandle strlen = linker.downcallHandle(strlenAddress,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        MemorySegment text = arena.allocateFrom("owner thread");
        assertEquals(12L, (long) strlen.invokeExact(text));
        assertInstanceOf(WrongThreadException.class, thrownOnAnotherThread(() -> {
            long ignored = (long) strlen.invokeExact(text);
        }));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Automatic

    @Test
    void anAutomaticArenaCannotBeClosedAndServesEveryThread() throws Exception {
        OffcutArena arena = OffcutArena.ofAuto(Allocator.locked(Allocator.binned(LinearMemory.ofNative(1L << 28))));
        assertThrows(UnsupportedOperationException.class, arena::close);
        MemorySegment segment = arena.allocate(64, 8);
        assertEquals(arena.scope(), segment.scope());
        assertNothingThrown(thrownOnAnotherThread(() -> {
            segment.set(ValueLayout.JAVA_LONG, 0, 9L);
            for (int i = 0; i < 200; i++) {
                arena.free(arena.allocate(3 * PAGE, 16)); // grows the memory from this thread
            }
        }));
        assertEquals(9L, segment.get(ValueLayout.JAVA_LONG, 0));
        MemorySegment large = arena.allocate(40 * PAGE, 8);
        large.set(ValueLayout.JAVA_BYTE, 40 * PAGE - 1, (byte) 2);
        assertTrue(arena.scope().isAlive());
        assertTrue(arena.toString().contains("automatic"), arena.toString());
        arena.free(large);
        arena.free(segment);
        assertThrows(IllegalArgumentException.class,
                () -> OffcutArena.ofAuto(Allocator.freeList(LinearMemory.ofHeap(PAGE))));
    }

    private static void assertNothingThrown(Throwable thrown) {
        if (thrown != null) {
            throw new AssertionError("the other thread threw", thrown);
        }
    }

    @Test
    void theGarbageCollectorReleasesAnAutomaticArenasMemoryOnlyOnceNoSegmentIsReachable() throws Exception {
        LinearMemory memory = LinearMemory.ofNative(1L << 30);
        MemorySegment kept = allocateAndDropTheArena(memory);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(isOpen(memory), "a reachable segment keeps the arena's scope, and so the memory, alive");
        assertEquals(77L, kept.get(ValueLayout.JAVA_LONG, 0));
        kept = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (isOpen(memory) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertFalse(isOpen(memory), "the memory was closed once the arena and its segments were unreachable");
        assertNotNull(memory.toString());
    }

    /** Allocates in an automatic arena over {@code memory} and returns one segment; the arena is dropped here. */
    private static MemorySegment allocateAndDropTheArena(LinearMemory memory) {
        OffcutArena arena = OffcutArena.ofAuto(Allocator.binned(memory));
        for (int i = 0; i < 10; i++) {
            arena.allocate(1000, 8);
        }
        MemorySegment kept = arena.allocate(64, 8);
        kept.set(ValueLayout.JAVA_LONG, 0, 77L);
        return kept;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Every kind

    @Test
    void noKindCountsAgainstTheDirectMemoryLimit() {
        // Documented: the memory maps its own address space, so the direct buffer pool, which -XX:MaxDirectMemorySize
        // limits, does not see it (a memory built on direct buffers would).
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        long byteSize = 8L << 20;
        long before = direct.getMemoryUsed();
        List<OffcutArena> arenas = List.of(
                OffcutArena.of(Allocator.binned(LinearMemory.ofNative(64L << 20))),
                OffcutArena.ofConfined(Allocator.binned(LinearMemory.ofNative(64L << 20))),
                OffcutArena.ofAuto(Allocator.binned(LinearMemory.ofNative(64L << 20))));
        for (OffcutArena arena : arenas) {
            arena.allocate(byteSize).fill((byte) 1);
        }
        assertEquals(before, direct.getMemoryUsed(), "no OffcutArena counts as direct memory");
        arenas.get(0).close();
        arenas.get(1).close();
    }

    private static boolean isOpen(LinearMemory memory) {
        try {
            memory.segment();
            return true;
        } catch (IllegalStateException closed) {
            return false;
        }
    }
}
