package dev.offcut;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Jazzer target: the argument space of every public method, checked for documented exception types only.
 *
 * <p>Each run calls one public method of {@link LinearMemory} (factories and methods, open or closed), of an
 * allocator from every factory and wrapper ({@link Allocator}, {@link BumpAllocator}, {@link BinnedAllocator} and its
 * builder, {@link ConcurrentAllocator}'s builder, {@link MemorySource}) or of {@link OffcutArena}, with arguments the
 * fuzzer picks from the whole {@code long} range, the edges of the documented ranges and the memory's own edges. The
 * call may only throw what its javadoc names; where a refusal is documented to change nothing, {@code stats()} and
 * {@code verify()} must say so; and arguments inside the documented ranges must never be refused with
 * {@link IllegalArgumentException} by the allocation methods (running out of memory is {@code NULL} or
 * {@link OutOfMemoryError}).
 *
 * <p>One known defect of issue 13 is left out so that the target finds new things: {@code ofHeap} with an initial
 * size of gigabytes (defect 10: the Java heap runs out) is capped at 16 MiB here.
 */
// Memories are closed inside their try-with-resources on purpose: calls after close are part of the argument space.
@SuppressWarnings("try")
class PublicApiArgumentsFuzzTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;
    private static final long SMALL_MAX_BYTE_SIZE = 8 * PAGE;
    /** Heap memories allocate their initial size on the Java heap at once; larger is issue 13's defect 10. */
    private static final long MAX_HEAP_INITIAL_BYTE_SIZE = 16L << 20;

    private static final List<Function<LinearMemory, Allocator>> ALLOCATORS = List.of(
            memory -> Allocator.failing(), Allocator::pages, Allocator::bump, Allocator::freeList, Allocator::binned,
            memory -> BinnedAllocator.builder(memory).binning(Binning.COMPACT).build(),
            memory -> Allocator.locked(Allocator.binned(memory)), memory -> Allocator.confined(Allocator.bump(memory)),
            memory -> Allocator.checked(Allocator.freeList(memory)), Allocator::concurrent);

    @FuzzTest(maxDuration = "10m")
    void everyPublicMethodThrowsOnlyWhatItDocuments(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 4)) {
            case 0 -> memoryFactory(data);
            case 1 -> memoryMethod(data);
            case 2 -> allocatorMethod(data);
            case 3 -> binnedMethod(data);
            default -> arenaMethod(data);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // LinearMemory

    private void memoryFactory(FuzzedDataProvider data) {
        long maxByteSize = FuzzArguments.anyLong(data, null);
        long initialByteSize = FuzzArguments.anyLong(data, null);
        switch (data.consumeInt(0, 6)) {
            case 0 -> closeIfMade(expect(() -> LinearMemory.ofNative(maxByteSize), IllegalArgumentException.class,
                    OutOfMemoryError.class));
            case 1 -> {
                // Committing gigabytes up front is allowed but slow for nothing: in-range initial sizes stay small.
                long initial = initialByteSize >= 0 && initialByteSize <= maxByteSize
                        ? Math.min(initialByteSize, MAX_HEAP_INITIAL_BYTE_SIZE) : initialByteSize;
                closeIfMade(expect(() -> LinearMemory.ofNative(maxByteSize, initial), IllegalArgumentException.class,
                        OutOfMemoryError.class));
            }
            case 2 -> closeIfMade(expect(() -> LinearMemory.ofHeap(maxByteSize), IllegalArgumentException.class));
            case 3 -> {
                long initial = initialByteSize >= 0 && initialByteSize <= maxByteSize
                        ? Math.min(initialByteSize, MAX_HEAP_INITIAL_BYTE_SIZE) : initialByteSize;
                closeIfMade(expect(() -> LinearMemory.ofHeap(maxByteSize, initial), IllegalArgumentException.class));
            }
            case 4 -> {
                int segmentByteSize = data.consumeInt(0, (int) (3 * PAGE));
                MemorySegment segment = switch (data.consumeInt(0, 3)) {
                    case 0 -> MemorySegment.ofArray(new byte[segmentByteSize]);
                    case 1 -> MemorySegment.ofArray(new byte[segmentByteSize]).asReadOnly();
                    case 2 -> null;
                    default -> Arena.ofAuto().allocate(segmentByteSize, 1L << data.consumeInt(0, 16));
                };
                LinearMemory memory = expect(() -> LinearMemory.of(segment), NullPointerException.class,
                        IllegalArgumentException.class);
                if (memory != null) {
                    Allocator allocator = Allocator.binned(memory);
                    expect(() -> allocator.tryAllocate(data.consumeLong(0, 4096), 8));
                    allocator.verify();
                    memory.close();
                }
            }
            case 5 -> expect(() -> LinearMemory.ofFaultInjecting(null, call -> false), NullPointerException.class);
            default -> {
                try (LinearMemory memory = LinearMemory.ofHeap(SMALL_MAX_BYTE_SIZE)) {
                    expect(() -> LinearMemory.ofFaultInjecting(memory, null), NullPointerException.class);
                }
            }
        }
    }

    private void closeIfMade(LinearMemory memory) {
        if (memory != null) {
            memory.close();
        }
    }

    private LinearMemory newMemory(FuzzedDataProvider data, Arena arena) {
        long initialByteSize = data.consumeLong(0, 3) * PAGE;
        // Native memories an eighth of the runs each way: closing one is a handshake with every thread, slow.
        return switch (data.consumeInt(0, 7)) {
            case 0 -> LinearMemory.ofNative(SMALL_MAX_BYTE_SIZE, initialByteSize);
            case 1, 2, 3 -> LinearMemory.ofHeap(SMALL_MAX_BYTE_SIZE, initialByteSize);
            case 4, 5, 6 -> LinearMemory.of(arena.allocate(data.consumeLong(0, 3 * PAGE), PAGE));
            default -> LinearMemory.ofFaultInjecting(LinearMemory.ofNative(SMALL_MAX_BYTE_SIZE, initialByteSize),
                    call -> call % 2 == 1);
        };
    }

    private void memoryMethod(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined(); LinearMemory memory = newMemory(data, arena)) {
            if (data.consumeInt(0, 3) == 0) {
                memory.close();
            }
            long first = FuzzArguments.anyLong(data, null);
            long second = FuzzArguments.anyLong(data, null);
            switch (data.consumeInt(0, 5)) {
                case 0 -> {
                    Long before = expect(memory::pageCount, IllegalStateException.class);
                    Long grown = expect(() -> memory.grow(first), IllegalArgumentException.class);
                    if (grown != null && grown >= 0 && before != null) {
                        assertEquals(before, grown, "grow returns the page count before it");
                    }
                    assertTrue(grown == null || grown >= -1, "grow returns -1 or a page count");
                    if (grown == null) {
                        assertTrue(first < 0, "grow refused a non-negative page count");
                    }
                }
                case 1 -> expect(() -> memory.releasePages(first, second), IllegalArgumentException.class,
                        IllegalStateException.class);
                case 2 -> expect(memory::segment, IllegalStateException.class);
                case 3 -> expect(memory::byteSize, IllegalStateException.class);
                case 4 -> {
                    memory.maxByteSize();
                    memory.maxPageCount();
                    memory.growsInPlace();
                    long alignment = memory.addressAlignment();
                    assertTrue(alignment > 0 && Long.bitCount(alignment) == 1, "addressAlignment is a power of two");
                }
                default -> {
                    memory.close();
                    memory.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Allocators

    private boolean inRange(long byteSize, long byteAlignment) {
        return byteSize >= 0 && byteSize <= Allocator.MAX_BYTE_SIZE && byteAlignment > 0
                && Long.bitCount(byteAlignment) == 1 && byteAlignment <= Allocator.MAX_BYTE_ALIGNMENT;
    }

    private long size(FuzzedDataProvider data, LinearMemory memory) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> FuzzArguments.byteSize(data, 3 * PAGE);
            case 1 -> FuzzArguments.badByteSize(data);
            default -> FuzzArguments.anyLong(data, memory);
        };
    }

    private long alignment(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 3)) {
            case 0, 1 -> FuzzArguments.byteAlignment(data);
            case 2 -> FuzzArguments.badByteAlignment(data);
            default -> FuzzArguments.anyLong(data, null);
        };
    }

    private void allocatorMethod(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined(); LinearMemory memory = newMemory(data, arena)) {
            int factory = data.consumeInt(0, ALLOCATORS.size() - 1);
            Allocator allocator = ALLOCATORS.get(factory).apply(memory);
            // A few live blocks, so that offsets near real blocks exist.
            long[] live = new long[data.consumeInt(0, 4)];
            for (int i = 0; i < live.length; i++) {
                live[i] = allocator.tryAllocate(data.consumeLong(0, 300), 8);
            }
            if (data.consumeInt(0, 7) == 0) {
                memory.close();
                closedAllocatorMethod(allocator, factory == 0, data);
                return;
            }
            long offset = switch (data.consumeInt(0, 2)) {
                case 0 -> live.length == 0 ? Allocator.NULL : live[data.consumeInt(0, live.length - 1)];
                case 1 -> live.length == 0 ? 0 : live[data.consumeInt(0, live.length - 1)] + data.consumeLong(-64, 64);
                default -> FuzzArguments.anyLong(data, memory);
            };
            boolean isLive = false;
            for (long block : live) {
                isLive |= block != Allocator.NULL && block == offset;
            }
            long byteSize = size(data, memory);
            long byteAlignment = alignment(data);
            boolean inRange = inRange(byteSize, byteAlignment);
            AllocatorStats before = allocator.stats();
            int method = data.consumeInt(0, 11);
            switch (method) {
                case 0 -> expect(() -> allocator.tryAllocate(byteSize, byteAlignment), IllegalArgumentException.class);
                case 1 -> expect(() -> allocator.allocate(byteSize, byteAlignment), IllegalArgumentException.class,
                        OutOfMemoryError.class);
                case 2 -> expect(() -> allocator.tryAllocateZeroed(byteSize, byteAlignment),
                        IllegalArgumentException.class);
                case 3 -> expect(() -> allocator.allocateZeroed(byteSize, byteAlignment),
                        IllegalArgumentException.class, OutOfMemoryError.class);
                case 4 -> expect(() -> allocator.allocate(byteSize), IllegalArgumentException.class,
                        OutOfMemoryError.class);
                case 5 -> expect(() -> allocator.tryReallocate(offset, byteSize, byteAlignment),
                        IllegalArgumentException.class);
                case 6 -> expect(() -> allocator.reallocate(offset, byteSize, byteAlignment),
                        IllegalArgumentException.class, OutOfMemoryError.class);
                case 7 -> expect(() -> allocator.reallocate(offset, byteSize), IllegalArgumentException.class,
                        OutOfMemoryError.class);
                case 8 -> expect(() -> run(() -> allocator.free(offset)), IllegalArgumentException.class);
                case 9 -> expect(() -> run(() -> allocator.free(offset, byteSize)), IllegalArgumentException.class);
                case 10 -> {
                    if (allocator instanceof BumpAllocator bump) {
                        long mark = data.consumeBoolean() ? bump.mark() + data.consumeLong(-64, 64) : offset;
                        expect(() -> run(() -> bump.reset(mark)), IllegalArgumentException.class);
                    }
                }
                default -> expect(() -> run(allocator::verify));
            };
            // Running out of memory is an answer, not a refusal: only IllegalArgumentException refuses arguments.
            boolean refused = thrown instanceof IllegalArgumentException;
            boolean allocation = method <= 4;
            boolean namesABlock = method >= 5 && method <= 9;
            if (allocation && inRange && refused) {
                fail("in-range arguments byteSize " + byteSize + ", byteAlignment " + byteAlignment + " refused");
            }
            if (allocation && !inRange && !refused && !(method == 4 && byteSize >= 0
                    && byteSize <= Allocator.MAX_BYTE_SIZE)) {
                fail("out-of-range arguments byteSize " + byteSize + ", byteAlignment " + byteAlignment + " accepted");
            }
            if (refused) {
                assertEquals(before, allocator.stats(), "a refused call changes no counter");
            }
            // After an accepted free of a bad offset (documented as possible for some allocators) the heap is the
            // caller's problem; after anything else it must still verify.
            if (refused || !namesABlock || isLive || offset == Allocator.NULL) {
                allocator.verify();
            }
        }
    }

    /**
     * A call on an allocator whose memory is closed: {@link IllegalStateException} where it reaches the memory, never
     * {@link OutOfMemoryError} (the allocator says the memory is closed, not exhausted), except from the failing
     * allocator, which never reaches its memory.
     */
    private void closedAllocatorMethod(Allocator allocator, boolean failing, FuzzedDataProvider data) {
        long byteSize = FuzzArguments.byteSize(data, 3 * PAGE);
        long byteAlignment = FuzzArguments.byteAlignment(data);
        switch (data.consumeInt(0, 3)) {
            case 0 -> expect(() -> allocator.tryAllocate(byteSize, byteAlignment), IllegalStateException.class);
            case 1 -> expect(() -> allocator.allocate(byteSize, byteAlignment), IllegalStateException.class,
                    failing ? OutOfMemoryError.class : IllegalStateException.class);
            case 2 -> expect(allocator::stats, IllegalStateException.class);
            default -> expect(() -> run(allocator::verify), IllegalStateException.class);
        }
    }

    private void binnedMethod(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined(); LinearMemory memory = newMemory(data, arena)) {
            BinnedAllocator allocator;
            switch (data.consumeInt(0, 3)) {
                case 0 -> {
                    long metadataOffset = FuzzArguments.anyLong(data, memory);
                    BinnedAllocator.Builder builder = expect(
                            () -> BinnedAllocator.builder(memory).metadataOffset(metadataOffset),
                            IllegalArgumentException.class);
                    if (builder == null) {
                        return;
                    }
                    allocator = data.consumeBoolean() ? expect(builder::build, IllegalArgumentException.class,
                            IllegalStateException.class) : expect(builder::open, IllegalArgumentException.class);
                }
                case 1 -> {
                    long offset = FuzzArguments.anyLong(data, memory);
                    long byteSize = FuzzArguments.anyLong(data, memory);
                    MemorySource source = expect(() -> MemorySource.claim(offset, byteSize),
                            IllegalArgumentException.class);
                    if (source == null) {
                        return;
                    }
                    allocator = expect(() -> BinnedAllocator.builder(memory).source(source).build(),
                            IllegalArgumentException.class, IllegalStateException.class);
                    if (allocator != null) {
                        expect(() -> allocator.tryAllocate(data.consumeLong(0, 4096), 8));
                    }
                }
                case 2 -> {
                    expect(() -> MemorySource.fromParent(null), NullPointerException.class);
                    expect(() -> ConcurrentAllocator.builder(memory).retainedByteSize(data.consumeLong()),
                            IllegalArgumentException.class);
                    expect(() -> ConcurrentAllocator.builder(memory).stripes(data.consumeInt()),
                            IllegalArgumentException.class);
                    return;
                }
                default -> allocator = Allocator.binned(memory);
            }
            if (allocator == null) {
                return;
            }
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                allocator.tryAllocate(data.consumeLong(0, 2000), 8);
            }
            long[] heaps = allocator.heaps();
            long heap = heaps.length > 0 && data.consumeBoolean()
                    ? heaps[data.consumeInt(0, heaps.length - 1)] + (data.consumeBoolean() ? 0 : data.consumeLong(-64, 64))
                    : FuzzArguments.anyLong(data, memory);
            long byteSize = data.consumeBoolean() ? FuzzArguments.anyLong(data, memory) : data.consumeLong(0, 4 * PAGE);
            AllocatorStats before = allocator.stats();
            switch (data.consumeInt(0, 6)) {
                case 0 -> expect(() -> allocator.claim(heap, byteSize), IllegalArgumentException.class,
                        UnsupportedOperationException.class);
                case 1 -> expect(() -> allocator.extend(heap, byteSize), IllegalArgumentException.class,
                        UnsupportedOperationException.class);
                case 2 -> expect(() -> allocator.truncate(heap, byteSize), IllegalArgumentException.class);
                case 3 -> expect(() -> allocator.resize(heap, byteSize), IllegalArgumentException.class,
                        UnsupportedOperationException.class);
                case 4 -> expect(() -> allocator.reserved(heap), IllegalArgumentException.class);
                case 5 -> expect(() -> allocator.heapByteSize(heap), IllegalArgumentException.class);
                default -> expect(() -> BinnedAllocator.open(memory), IllegalArgumentException.class);
            };
            if (thrown instanceof IllegalArgumentException || thrown instanceof UnsupportedOperationException) {
                assertEquals(before, allocator.stats(), "a refused heap call changes no counter");
            }
            allocator.verify();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // OffcutArena

    private void arenaMethod(FuzzedDataProvider data) {
        // Mostly a native segment of a confined arena, which an arena accepts as ofNative memory: closing an ofNative
        // memory is a handshake with every thread, which would take most of a run's time.
        int backing = data.consumeInt(0, 7);
        Arena confined = Arena.ofConfined();
        LinearMemory memory = switch (backing) {
            case 0 -> LinearMemory.ofHeap(SMALL_MAX_BYTE_SIZE);
            case 1 -> LinearMemory.ofNative(SMALL_MAX_BYTE_SIZE);
            default -> LinearMemory.of(confined.allocate(SMALL_MAX_BYTE_SIZE, PAGE));
        };
        try (confined) {
            Allocator allocator = data.pickValue(ALLOCATORS).apply(memory);
            OffcutArena arena = expect(() -> OffcutArena.of(allocator), IllegalArgumentException.class);
            // The failing allocator brings its own empty memory, which is not native.
            LinearMemory own = allocator.memory();
            boolean refusable = !own.segment().isNative() || !own.growsInPlace();
            assertEquals(refusable, arena == null, "OffcutArena.of refuses non-native and heap memory only");
            if (arena == null) {
                return;
            }
            MemorySegment live = arena.tryAllocate(data.consumeLong(0, 300), 8);
            long byteSize = size(data, memory);
            long byteAlignment = alignment(data);
            if (data.consumeInt(0, 5) == 0) {
                arena.close();
            }
            MemorySegment segment = switch (data.consumeInt(0, 4)) {
                case 0 -> live;
                case 1 -> live.byteSize() > 0 ? live.asSlice(data.consumeLong(0, live.byteSize() - 1)) : live;
                case 2 -> MemorySegment.ofArray(new byte[data.consumeInt(0, 64)]);
                case 3 -> MemorySegment.NULL;
                default -> Arena.ofAuto().allocate(data.consumeInt(0, 64));
            };
            switch (data.consumeInt(0, 7)) {
                case 0 -> expect(() -> arena.allocate(byteSize, byteAlignment), IllegalArgumentException.class,
                        IllegalStateException.class, OutOfMemoryError.class);
                case 1 -> expect(() -> arena.tryAllocate(byteSize, byteAlignment), IllegalArgumentException.class,
                        IllegalStateException.class);
                case 2 -> expect(() -> arena.allocateUninitialized(byteSize, byteAlignment),
                        IllegalArgumentException.class, IllegalStateException.class, OutOfMemoryError.class);
                case 3 -> expect(() -> run(() -> arena.free(segment)), IllegalArgumentException.class,
                        IllegalStateException.class);
                case 4 -> expect(() -> arena.reallocate(segment, byteSize), IllegalArgumentException.class,
                        IllegalStateException.class, OutOfMemoryError.class);
                case 5 -> expect(() -> arena.reallocate(segment, byteSize, byteAlignment),
                        IllegalArgumentException.class, IllegalStateException.class, OutOfMemoryError.class);
                case 6 -> expect(() -> arena.allocate(byteSize), IllegalArgumentException.class,
                        IllegalStateException.class, OutOfMemoryError.class);
                default -> {
                    expect(() -> run(arena::close), IllegalStateException.class);
                    expect(() -> run(arena::close), IllegalStateException.class);
                }
            }
        } finally {
            memory.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Plumbing

    /** What the last {@link #expect} call threw (one of the documented types), or {@code null}. */
    private Throwable thrown;

    /** A call that returns nothing. */
    private interface Call {
        void run();
    }

    private static Object run(Call call) {
        call.run();
        return Boolean.TRUE;
    }

    /** A call that returns a value. */
    private interface Supplier<T> {
        T get();
    }

    /**
     * Makes {@code call} and returns its result; if it throws one of {@code documented}, returns {@code null} and
     * keeps the exception in {@link #thrown}; anything else is a finding.
     */
    @SafeVarargs
    private <T> T expect(Supplier<T> call, Class<? extends Throwable>... documented) {
        thrown = null;
        try {
            return call.get();
        } catch (Throwable e) {
            thrown = e;
            for (Class<? extends Throwable> type : documented) {
                if (type.isInstance(e)) {
                    return null;
                }
            }
            throw new AssertionError("undocumented " + e, e);
        }
    }
}
