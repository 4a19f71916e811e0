package dev.offcut;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The {@link OffcutArena} facade: bounds, zeroing, close, foreign frees, SegmentAllocator and Linker use. */
@ExtendWith(OutOfMemoryAsFailure.class)
class OffcutArenaTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;
    /** The alignment native memories serve: a huge page of x86-64 and arm64. */
    private static final long HUGE_PAGE = 2L << 20;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (IllegalStateException alreadyClosed) {
                // Arenas throw on a second close; the test closed it itself.
            }
        }
    }

    /** The allocators the arena is tried over; all of them refuse a sized free of the wrong size. */
    enum Kind {
        FREE_LIST, BINNED, CHECKED_BUMP
    }

    private OffcutArena arena(Kind kind, long maxByteSize) {
        return arena(kind, LinearMemory.ofNative(maxByteSize));
    }

    private OffcutArena arena(Kind kind, LinearMemory memory) {
        Allocator allocator = switch (kind) {
            case FREE_LIST -> Allocator.freeList(memory);
            case BINNED -> Allocator.binned(memory);
            case CHECKED_BUMP -> Allocator.checked(Allocator.bump(memory));
        };
        OffcutArena arena = OffcutArena.of(allocator);
        resources.add(arena);
        return arena;
    }

    private OffcutArena arena(Kind kind) {
        return arena(kind, 16L << 20);
    }

    private static boolean isZero(MemorySegment segment) {
        return segment.mismatch(MemorySegment.ofArray(new byte[(int) segment.byteSize()])) == -1;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void segmentsHaveTheExactSizeAndCannotReachTheirNeighbours(Kind kind) {
        OffcutArena arena = arena(kind);
        MemorySegment first = arena.allocate(24, 8);
        MemorySegment second = arena.allocate(24, 8);
        assertEquals(24, first.byteSize());
        assertEquals(24, second.byteSize());
        assertSame(arena.scope(), first.scope());
        assertEquals(arena.scope(), second.scope());
        assertThrows(IndexOutOfBoundsException.class, () -> first.get(ValueLayout.JAVA_BYTE, 24));
        assertThrows(IndexOutOfBoundsException.class, () -> first.get(ValueLayout.JAVA_BYTE, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> first.asSlice(0, 25));
        assertThrows(IndexOutOfBoundsException.class, () -> first.asSlice(-8, 8));
        second.fill((byte) 0x42);
        first.fill((byte) 0x17);
        assertTrue(second.elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 0x42),
                "filling one segment does not touch the other");
        MemorySegment empty = arena.allocate(0, 1);
        assertEquals(0, empty.byteSize());
        assertThrows(IndexOutOfBoundsException.class, () -> empty.get(ValueLayout.JAVA_BYTE, 0));
        arena.allocator().verify();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void allocateIsZeroedEvenOverReusedMemory(Kind kind) {
        OffcutArena arena = arena(kind);
        for (int round = 0; round < 5; round++) {
            List<MemorySegment> dirty = new ArrayList<>();
            for (long byteSize : new long[] {1, 8, 24, 100, 1000, 5000, 70_000}) {
                MemorySegment segment = arena.allocateUninitialized(byteSize, 8);
                assertEquals(byteSize, segment.byteSize());
                segment.fill((byte) 0xFF);
                dirty.add(segment);
            }
            dirty.forEach(arena::free);
            for (long byteSize : new long[] {1, 8, 24, 100, 1000, 5000, 70_000}) {
                MemorySegment segment = arena.allocate(byteSize, 8);
                assertTrue(isZero(segment), "allocate(" + byteSize + ") is zeroed");
                segment.fill((byte) 0xEE);
                dirty.add(segment);
            }
            for (MemorySegment segment : dirty.subList(7, dirty.size())) {
                arena.free(segment);
            }
            arena.allocator().verify();
        }
        if (kind != Kind.CHECKED_BUMP) {
            assertEquals(0, arena.allocator().stats().allocationCount(), "every segment was freed");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void addressesAreAlignedUpTo2MiB(Kind kind) {
        OffcutArena arena = arena(kind);
        for (long byteAlignment = 1; byteAlignment <= HUGE_PAGE; byteAlignment <<= 1) {
            MemorySegment segment = arena.allocate(3, byteAlignment);
            assertEquals(0, segment.address() % byteAlignment, "aligned to " + byteAlignment);
            MemorySegment raw = arena.allocateUninitialized(3, byteAlignment);
            assertEquals(0, raw.address() % byteAlignment, "aligned to " + byteAlignment);
        }
        arena.allocator().verify();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void badArgumentsAreRefused(Kind kind) {
        OffcutArena arena = arena(kind);
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 0));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 3));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, -8));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, Long.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> arena.allocateUninitialized(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> arena.allocateUninitialized(8, 6));
        MemorySegment segment = arena.allocate(16, 8);
        assertThrows(IllegalArgumentException.class, () -> arena.reallocate(segment, -1));
        assertEquals(1, arena.allocator().stats().allocationCount());
        arena.allocator().verify();
    }

    /**
     * {@link Arena#allocate(long, long)} throws {@link IllegalArgumentException} only for a negative size or a bad
     * alignment: a size no allocator can hand out is out of memory, through the arena's own forms and every
     * {@link SegmentAllocator} default built on them, and nothing changes.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSizeBeyondEveryAllocatorsLimitIsOutOfMemoryThroughEveryForm(Kind kind) {
        OffcutArena arena = arena(kind);
        MemorySegment kept = arena.allocate(16, 8);
        kept.fill((byte) 3);
        AllocatorStats before = arena.allocator().stats();
        for (long byteSize : new long[] {Allocator.MAX_BYTE_SIZE + 1, Long.MAX_VALUE}) {
            List<Executable> outOfMemory = List.of(
                    () -> arena.allocate(byteSize, 2),
                    () -> arena.allocate(byteSize),
                    () -> arena.allocateUninitialized(byteSize, 8),
                    () -> arena.reallocate(kept, byteSize),
                    () -> arena.reallocate(kept, byteSize, 16),
                    () -> arena.allocate(ValueLayout.JAVA_BYTE, byteSize),
                    () -> arena.allocate(MemoryLayout.sequenceLayout(byteSize / 8, ValueLayout.JAVA_LONG)),
                    () -> arena.allocate(ValueLayout.JAVA_LONG, byteSize / 8));
            for (Executable call : outOfMemory) {
                OutOfMemoryError e = assertThrows(OutOfMemoryError.class, call, () -> "size " + byteSize);
                assertTrue(e.getMessage().contains(Long.toString(Allocator.MAX_BYTE_SIZE)), "names the limit: " + e.getMessage());
            }
            assertEquals(MemorySegment.NULL, arena.tryAllocate(byteSize, 8));
        }
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(Long.MIN_VALUE, 8));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(Long.MAX_VALUE, 3), "the alignment is bad");
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(Long.MAX_VALUE, 0), "the alignment is bad");
        assertThrows(IllegalArgumentException.class, () -> arena.tryAllocate(Long.MAX_VALUE, -4));
        assertThrows(IllegalArgumentException.class, () -> arena.reallocate(kept, -1));
        assertEquals(before, arena.allocator().stats(), "nothing was allocated or freed");
        assertTrue(kept.elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 3));
        arena.free(kept);
        arena.allocator().verify();
    }

    @Test
    void anAlignmentAboveTheBaseAlignmentIsOutOfMemory() {
        // A fixed memory whose base address is 8 mod 4096: exactly 8-byte aligned. Arena.allocate keeps
        // IllegalArgumentException for alignments that are not powers of two: 16 is one, that cannot be served here.
        try (Arena confined = Arena.ofConfined()) {
            OffcutArena arena = OffcutArena.of(Allocator.freeList(
                    LinearMemory.of(confined.allocate(PAGE + 8, 4096).asSlice(8, PAGE))));
            MemorySegment segment = arena.allocate(8, 8);
            assertEquals(0, segment.address() % 8);
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> arena.allocate(8, 16));
            assertTrue(e.getMessage().contains("at most 8"), e.getMessage());
            assertThrows(OutOfMemoryError.class, () -> arena.allocateUninitialized(8, 4096));
            assertEquals(MemorySegment.NULL, arena.tryAllocate(8, 16));
            arena.free(segment);
            arena.allocator().verify();
        }
    }

    /**
     * Over native memory every alignment up to 2 MiB is served, whatever the base address mmap returned (a base that
     * happens to be more aligned must not make a larger alignment work on one run and fail on the next), and a larger
     * power of two is out of memory, as for the JDK's arenas, with nothing changed.
     */
    @Test
    void everyAlignmentUpTo2MiBIsServedOnEveryNativeMemoryAndALargerOneIsOutOfMemory() {
        Kind[] kinds = Kind.values();
        for (int i = 0; i < 12; i++) {
            // Reservations of different sizes, all kept open, so that their bases land at different addresses.
            LinearMemory memory = LinearMemory.ofNative((16 + i) * HUGE_PAGE);
            if (i % 3 == 2) {
                memory = LinearMemory.ofFaultInjecting(memory, call -> false);
            }
            Kind kind = kinds[i % kinds.length];
            OffcutArena arena = arena(kind, memory);
            MemorySegment hugeAligned = arena.allocate(8, HUGE_PAGE);
            assertEquals(0, hugeAligned.address() % HUGE_PAGE, "2 MiB is served and honoured");
            MemorySegment moved = arena.reallocate(arena.allocate(8, 8), 3 * HUGE_PAGE, HUGE_PAGE);
            assertEquals(0, moved.address() % HUGE_PAGE, "reallocate honours 2 MiB too");
            List<Executable> calls = List.of(
                    () -> arena.allocate(8, 2 * HUGE_PAGE),
                    () -> arena.allocateUninitialized(8, 2 * HUGE_PAGE),
                    () -> arena.allocate(8, 1L << 40),
                    () -> arena.reallocate(hugeAligned, 16, 2 * HUGE_PAGE));
            AllocatorStats before = arena.allocator().stats();
            for (Executable call : calls) {
                OutOfMemoryError e = assertThrows(OutOfMemoryError.class, call,
                        () -> kind + " over " + arena.allocator().memory() + " at base "
                                + Long.toHexString(arena.allocator().memory().segment().address()));
                assertTrue(e.getMessage().contains("at most " + HUGE_PAGE), e.getMessage());
            }
            assertEquals(MemorySegment.NULL, arena.tryAllocate(8, 2 * HUGE_PAGE));
            assertEquals(before, arena.allocator().stats(), "an alignment out of reach changes nothing");
            arena.free(hugeAligned);
            arena.free(moved);
            arena.allocator().verify();
        }
    }

    /** The concurrent allocator serves alignments above its size classes' from its binned back end. */
    @Test
    void theConcurrentAllocatorServes2MiBAlignments() throws Exception {
        OffcutArena arena = OffcutArena.of(Allocator.concurrent(LinearMemory.ofNative(64 * HUGE_PAGE)));
        resources.add(arena);
        List<MemorySegment> segments = new ArrayList<>();
        for (long byteAlignment = 16 * PAGE; byteAlignment <= HUGE_PAGE; byteAlignment <<= 1) {
            for (long byteSize : new long[] {8, 100_000}) {
                MemorySegment segment = arena.allocate(byteSize, byteAlignment);
                assertEquals(0, segment.address() % byteAlignment, byteSize + " aligned to " + byteAlignment);
                segments.add(segment);
            }
        }
        Thread other = Thread.ofPlatform().start(() -> {
            MemorySegment segment = arena.allocate(64, HUGE_PAGE);
            assertEquals(0, segment.address() % HUGE_PAGE);
            arena.free(segment);
        });
        other.join();
        segments.forEach(arena::free);
        arena.allocator().verify();
        assertEquals(0, arena.allocator().stats().allocationCount());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void reallocateKeepsTheContentsAndZeroesTheGrowth(Kind kind) {
        OffcutArena arena = arena(kind);
        MemorySegment segment = arena.allocate(100, 8);
        for (int i = 0; i < 100; i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, (byte) (i + 1));
        }
        arena.allocate(8, 8); // a neighbour, so that growth may have to move
        MemorySegment grown = arena.reallocate(segment, 5000);
        assertEquals(5000, grown.byteSize());
        for (int i = 0; i < 100; i++) {
            assertEquals((byte) (i + 1), grown.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " kept");
        }
        assertTrue(isZero(grown.asSlice(100)), "bytes past the old size are zero");
        MemorySegment shrunk = arena.reallocate(grown, 10);
        assertEquals(10, shrunk.byteSize());
        for (int i = 0; i < 10; i++) {
            assertEquals((byte) (i + 1), shrunk.get(ValueLayout.JAVA_BYTE, i));
        }
        arena.free(shrunk);
        arena.allocator().verify();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void closeMakesEverySegmentInaccessible(Kind kind) {
        OffcutArena arena = arena(kind);
        MemorySegment segment = arena.allocate(64, 8);
        MemorySegment text = arena.allocateFrom("bye");
        assertTrue(arena.scope().isAlive());
        arena.close();
        assertFalse(arena.scope().isAlive());
        assertFalse(segment.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> text.getString(0));
        assertThrows(IllegalStateException.class, () -> arena.allocate(8, 8));
        assertThrows(IllegalStateException.class, () -> arena.allocateUninitialized(8, 8));
        assertThrows(IllegalStateException.class, () -> arena.free(segment));
        assertThrows(IllegalStateException.class, () -> arena.reallocate(segment, 8));
    }

    @Test
    void closingTwiceThrowsAsArenaRequires() {
        // Arena.close(): "closing an already closed arena always results in an exception being thrown".
        OffcutArena arena = arena(Kind.FREE_LIST);
        arena.close();
        assertThrows(IllegalStateException.class, arena::close);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    @SuppressWarnings("restricted") // reinterpret: a segment at one of ours' address, but with no scope
    void foreignSegmentsAreRefusedAndNothingIsFreed(Kind kind) {
        OffcutArena arena = arena(kind);
        OffcutArena other = arena(kind);
        MemorySegment mine = arena.allocate(64, 16);
        mine.fill((byte) 0x5A);
        MemorySegment neighbour = arena.allocate(64, 16);
        neighbour.fill((byte) 0x6B);
        AllocatorStats before = arena.allocator().stats();
        try (Arena confined = Arena.ofConfined()) {
            List<MemorySegment> foreign = List.of(
                    confined.allocate(64, 16),
                    other.allocate(64, 16),
                    mine.asSlice(0, 32), // a sub-slice of the wrong size
                    mine.asSlice(16, 48), // an interior slice
                    MemorySegment.ofArray(new byte[64]),
                    MemorySegment.NULL,
                    MemorySegment.ofAddress(mine.address()).reinterpret(64)); // same address, no scope
            for (MemorySegment segment : foreign) {
                assertThrows(IllegalArgumentException.class, () -> arena.free(segment), () -> "free " + segment);
                arena.allocator().verify();
                assertEquals(before, arena.allocator().stats(), () -> "refusing " + segment + " freed nothing");
            }
            for (MemorySegment segment : List.of(confined.allocate(64, 16), MemorySegment.ofArray(new byte[64]))) {
                assertThrows(IllegalArgumentException.class, () -> arena.reallocate(segment, 128));
            }
        }
        assertTrue(mine.elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 0x5A));
        assertTrue(neighbour.elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 0x6B));
        arena.free(mine); // still live: the real free works
        arena.free(neighbour);
        arena.allocator().verify();
        if (kind != Kind.CHECKED_BUMP) {
            assertEquals(before.allocationCount() - 2, arena.allocator().stats().allocationCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void segmentAllocatorDefaultsWork(Kind kind) {
        OffcutArena arena = arena(kind);
        MemorySegment text = arena.allocateFrom("offcut");
        assertEquals("offcut", text.getString(0));
        assertEquals(7, text.byteSize(), "the string and its terminator");
        MemorySegment ints = arena.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3, -4);
        assertArrayEquals(new int[] {1, 2, 3, -4}, ints.toArray(ValueLayout.JAVA_INT));
        MemorySegment longs = arena.allocate(ValueLayout.JAVA_LONG, 5);
        assertEquals(40, longs.byteSize());
        assertTrue(isZero(longs));
        MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 2.5);
        assertEquals(2.5, one.get(ValueLayout.JAVA_DOUBLE, 0));
        SegmentAllocator slicing = SegmentAllocator.slicingAllocator(arena.allocate(256, 16));
        assertEquals("x", slicing.allocateFrom("x").getString(0));
        arena.allocator().verify();
        assertEquals(5, arena.allocator().stats().allocationCount());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    @SuppressWarnings("restricted") // downcallHandle
    void itServesALinkerDowncall(Kind kind) throws Throwable {
        OffcutArena arena = arena(kind);
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> strlenAddress = linker.defaultLookup().find("strlen");
        assumeTrue(strlenAddress.isPresent(), "no strlen in the default lookup");
        MethodHandle strlen = linker.downcallHandle(strlenAddress.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        MemorySegment text = arena.allocateFrom("linear memory");
        assertEquals(13L, (long) strlen.invokeExact(text));
        arena.free(text);
        arena.allocator().verify();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    @SuppressWarnings("restricted") // downcallHandle
    void itAllocatesAStructReturnedByValue(Kind kind) throws Throwable {
        // C's div() returns div_t { int quot; int rem; } by value: the linker allocates it with the allocator passed.
        OffcutArena arena = arena(kind);
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> divAddress = linker.defaultLookup().find("div");
        assumeTrue(divAddress.isPresent(), "no div in the default lookup");
        StructLayout divT = MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("quot"),
                ValueLayout.JAVA_INT.withName("rem"));
        MethodHandle div = linker.downcallHandle(divAddress.get(),
                FunctionDescriptor.of(divT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        long before = arena.allocator().stats().allocationCount();
        MemorySegment result = (MemorySegment) div.invokeExact((SegmentAllocator) arena, 47, 5);
        assertEquals(9, result.get(ValueLayout.JAVA_INT, 0));
        assertEquals(2, result.get(ValueLayout.JAVA_INT, 4));
        assertEquals(arena.scope(), result.scope(), "the struct lives in the arena");
        assertEquals(before + 1, arena.allocator().stats().allocationCount());
        arena.free(result);
        arena.allocator().verify();
    }

    @Test
    void exhaustionThrowsOutOfMemoryAndTheArenaGoesOn() {
        OffcutArena arena = arena(Kind.FREE_LIST, 4 * PAGE);
        MemorySegment kept = arena.allocate(1000, 8);
        kept.fill((byte) 9);
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> arena.allocate(8 * PAGE, 8));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        assertThrows(OutOfMemoryError.class, () -> arena.reallocate(kept, 8 * PAGE));
        assertTrue(kept.elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 9));
        arena.free(kept);
        arena.allocate(2 * PAGE, 8);
        arena.allocator().verify();
    }

    @Test
    void heapMemoryThatCanGrowIsRefused() {
        LinearMemory heap = LinearMemory.ofHeap(PAGE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OffcutArena.of(Allocator.freeList(heap)));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        assertThrows(NullPointerException.class, () -> OffcutArena.of(null));
    }

    @Test
    void anArenaOverTheFailingAllocatorFailsEveryAllocation() {
        OffcutArena arena = OffcutArena.of(Allocator.failing());
        assertThrows(OutOfMemoryError.class, () -> arena.allocate(8, 8));
        assertEquals(MemorySegment.NULL, arena.tryAllocate(8, 8));
        arena.close();
        // Each failing allocator has its own memory: closing one arena leaves another open (out of memory, not closed).
        OffcutArena other = OffcutArena.of(Allocator.failing());
        assertThrows(OutOfMemoryError.class, () -> other.allocate(8, 8));
        other.close();
    }

    @Test
    void aHeapSegmentIsRefused() {
        // Arena.allocate promises native segments: slices of a long[] could not be passed to native code.
        LinearMemory memory = LinearMemory.of(MemorySegment.ofArray(new long[4096]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OffcutArena.of(Allocator.freeList(memory)));
        assertTrue(e.getMessage().contains("native"), e.getMessage());
    }

    @Test
    void closingTheArenaClosesTheMemory() {
        LinearMemory memory = LinearMemory.ofNative(PAGE * 4);
        OffcutArena arena = OffcutArena.of(Allocator.freeList(memory));
        arena.allocate(8, 8);
        arena.close();
        assertThrows(IllegalStateException.class, memory::segment);
        assertNotEquals("", arena.toString());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void tryAllocateReturnsNullWhenExhaustedAndTheArenaStillServes(Kind kind) {
        OffcutArena arena = arena(kind, 4 * PAGE);
        assertEquals(MemorySegment.NULL, arena.tryAllocate(64 * PAGE, 8), "more than the memory can ever hold");
        MemorySegment segment = arena.tryAllocate(100, 8);
        assertEquals(100, segment.byteSize());
        assertTrue(isZero(segment));
        arena.allocator().verify();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void reallocateKeepsTheAlignmentAskedFor(Kind kind) {
        OffcutArena arena = arena(kind);
        MemorySegment segment = arena.allocate(64, 4096);
        segment.set(ValueLayout.JAVA_LONG, 0, 0x1234L);
        for (long newByteSize : new long[] {10_000, 100, 300_000}) {
            arena.allocate(24, 8); // something behind it, so that growing moves it
            segment = arena.reallocate(segment, newByteSize, 4096);
            assertEquals(0, segment.address() % 4096, "still 4096-aligned at " + newByteSize);
            assertEquals(0x1234L, segment.get(ValueLayout.JAVA_LONG, 0));
        }
        assertThrows(IllegalArgumentException.class, () -> arena.reallocate(arena.allocate(8, 8), 16, 3));
    }

    @Test
    @SuppressWarnings("restricted") // binding nanosleep is the point of the test
    void closeWhileASegmentIsInUseByANativeCallLeavesTheArenaOpen() throws Exception {
        // A downcall that takes a segment of this arena keeps its scope acquired; closing must fail cleanly and
        // leave everything usable, and a later close must succeed.
        OffcutArena arena = arena(Kind.FREE_LIST);
        MethodHandle nanosleep = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("nanosleep").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        MemorySegment timespec = arena.allocate(16, 8);
        timespec.set(ValueLayout.JAVA_LONG, 0, 2); // 2 s: ample time for the main thread's attempt
        Thread sleeper = Thread.ofPlatform().start(() -> {
            try {
                int ignored = (int) nanosleep.invokeExact(timespec, MemorySegment.NULL);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
        Thread.sleep(300); // let the sleeper enter the downcall (not a timing assertion: only a head start)
        assertThrows(IllegalStateException.class, arena::close, "the scope is acquired by the downcall");
        MemorySegment still = arena.allocate(8, 8);
        still.set(ValueLayout.JAVA_LONG, 0, 5L);
        assertEquals(5L, still.get(ValueLayout.JAVA_LONG, 0));
        sleeper.join();
        arena.close();
        assertFalse(arena.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> still.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void closingAnArenaOverAFixedNativeSegmentLeavesTheCallersScopeToTheCaller() {
        // Documented: the fixed segment is the caller's; its scope ends when the caller closes it.
        try (Arena caller = Arena.ofConfined()) {
            MemorySegment memory = caller.allocate(4 * PAGE, PAGE);
            OffcutArena arena = OffcutArena.of(Allocator.freeList(LinearMemory.of(memory)));
            MemorySegment block = arena.allocate(64, 8);
            arena.close();
            assertTrue(arena.scope().isAlive(), "the caller's scope");
            assertThrows(IllegalStateException.class, () -> arena.allocate(8, 8), "but the arena is closed");
            block.set(ValueLayout.JAVA_LONG, 0, 1L); // still the caller's memory
        }
    }

    @Test
    void aFixedSegmentAlignedBeyond64KiBAcceptsItsOwnAlignment() {
        // Over a fixed segment the address alignment is the caller's to choose: a 128 KiB aligned base accepts
        // 128 KiB, where native memory stops at the 64 KiB its mmap base guarantees.
        try (Arena caller = Arena.ofConfined()) {
            MemorySegment memory = caller.allocate(4 * PAGE, 2 * PAGE);
            OffcutArena arena = OffcutArena.of(Allocator.freeList(LinearMemory.of(memory)));
            MemorySegment segment = arena.allocate(64, 2 * PAGE);
            assertEquals(0, segment.address() % (2 * PAGE), "aligned to 128 KiB");
            arena.free(segment);
            arena.allocator().verify();
        }
    }

    @Test
    void aClosedArenaOverAFixedSegmentRefusesEveryAllocationBeforeTheAllocatorTouchesAByte() {
        // The caller's segment outlives the arena, and the allocator behind it still holds that segment: a call on a
        // closed arena must be refused before it reaches the allocator, or the allocator would write block headers
        // and zeros into memory that is the caller's again.
        try (Arena caller = Arena.ofConfined()) {
            MemorySegment memory = caller.allocate(4 * PAGE, PAGE);
            OffcutArena arena = OffcutArena.of(Allocator.freeList(LinearMemory.of(memory)));
            arena.allocate(64, 8).fill((byte) 0x3C);
            arena.close();
            memory.asSlice(64, PAGE).fill((byte) 0x5A); // the caller reuses its memory
            byte[] before = memory.toArray(ValueLayout.JAVA_BYTE);
            List<Executable> calls = List.of(
                    () -> arena.allocate(100, 8),
                    () -> arena.tryAllocate(100, 8),
                    () -> arena.allocateUninitialized(100, 8));
            for (Executable call : calls) {
                assertThrows(IllegalStateException.class, call);
                assertArrayEquals(before, memory.toArray(ValueLayout.JAVA_BYTE), "no byte of the caller's changed");
            }
        }
    }

    @Test
    void aSegmentAtTheMemorysFirstByteIsRefused() {
        // Offset 0 is NULL to every allocator: passing it on would make free a silent no-op and reallocate a fresh
        // allocation, both for a segment the arena never handed out.
        OffcutArena arena = arena(Kind.FREE_LIST);
        arena.allocate(64, 8); // the memory grows its first page
        MemorySegment atBase = arena.allocator().memory().segment().asSlice(0, 8);
        AllocatorStats before = arena.allocator().stats();
        assertThrows(IllegalArgumentException.class, () -> arena.free(atBase));
        assertThrows(IllegalArgumentException.class, () -> arena.reallocate(atBase, 16));
        assertEquals(before, arena.allocator().stats(), "nothing freed or allocated");
    }

    @Test
    void aSegmentEndingAtTheMemorysLastByteIsFreedAndReallocated() {
        // A bump allocator over a fixed segment can hand out a block that ends exactly at the memory's end.
        try (Arena caller = Arena.ofConfined()) {
            MemorySegment memory = caller.allocate(PAGE, PAGE);
            OffcutArena arena = OffcutArena.of(Allocator.bump(LinearMemory.of(memory)));
            MemorySegment last = arena.allocate(PAGE - 1, 1);
            assertEquals(memory.address() + PAGE, last.address() + last.byteSize(), "it ends at the memory's end");
            MemorySegment shrunk = arena.reallocate(last, 16, 1);
            assertEquals(16, shrunk.byteSize());
            arena.free(shrunk);
            arena.allocator().verify();
        }
    }

    @Test
    @SuppressWarnings("restricted") // reinterpret: one of our segments, stretched past the memory's end
    void aSegmentReachingPastTheMemorysEndIsRefusedEvenByAnAllocatorThatCannotCheckSizes() {
        // The page allocator ignores a sized free's size: the arena's own bounds check is all that stands between a
        // stretched segment and the allocator.
        OffcutArena arena = OffcutArena.of(Allocator.pages(LinearMemory.ofNative(16 * PAGE)));
        resources.add(arena);
        MemorySegment segment = arena.allocate(8, 8);
        MemorySegment stretched = segment.reinterpret(arena.allocator().memory().byteSize());
        assertEquals(arena.scope(), stretched.scope());
        assertThrows(IllegalArgumentException.class, () -> arena.free(stretched));
        assertThrows(IllegalArgumentException.class, () -> arena.reallocate(stretched, 16));
        arena.free(segment);
    }

    @Test
    void reallocateZeroesTheGrowthEvenOverDirtyMemory() {
        // A fixed segment is dirty, and the free-list allocator grows the block in place into that dirt: the arena
        // must zero the new bytes itself, as realloc-then-zero promises.
        try (Arena caller = Arena.ofConfined()) {
            MemorySegment memory = caller.allocate(4 * PAGE, PAGE);
            memory.fill((byte) 0x5A);
            OffcutArena arena = OffcutArena.of(Allocator.freeList(LinearMemory.of(memory)));
            MemorySegment segment = arena.allocate(16, 8);
            segment.fill((byte) 7);
            MemorySegment grown = arena.reallocate(segment, 4096);
            assertEquals(segment.address(), grown.address(), "grown in place, over the dirty free chunk");
            assertTrue(grown.asSlice(0, 16).elements(ValueLayout.JAVA_BYTE)
                    .allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 7), "the old bytes are kept");
            assertTrue(isZero(grown.asSlice(16)), "the growth is zero");
            arena.allocator().verify();
        }
    }
}
