package dev.offcut;

import dev.offcut.internal.Checks;
import dev.offcut.internal.memory.FaultInjectingLinearMemory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every {@link Allocator} and every wrapper must keep, as JUnit 5 tests.
 *
 * <p>Subclass it once per allocator: implement {@link #newAllocator(LinearMemory)} and override the capability hooks
 * that differ from the defaults (a general-purpose allocator that frees, reuses memory, detects every bad free and
 * supports every alignment). Each test builds its allocators over memories from {@link #newMemory(long)}, records
 * every block in a {@link LiveBlocks} model (a fresh byte pattern per block) and calls {@link LiveBlocks#checkAll()}
 * -- the allocator's {@code verify()}, placement and contents -- after every step.
 *
 * <p>Memories the suite creates are closed after each test; memories an allocator brings itself (the failing
 * allocator's shared empty memory) are never closed.
 */
// Public members reached by JUnit through subclasses in other packages; their signatures use JUnit types.
@SuppressWarnings("exports")
public abstract class AllocatorContractTest {

    /** An allocator that runs out where it must not fails the test instead of killing the test JVM. */
    @RegisterExtension
    public static final OutOfMemoryAsFailure OUT_OF_MEMORY_AS_FAILURE = new OutOfMemoryAsFailure();

    /** The memory most tests run on: 16 MiB reserved, committed as the allocator grows it. */
    protected static final long DEFAULT_MAX_BYTE_SIZE = 16L << 20;

    /** The memory exhaustion tests run on: 4 pages. */
    protected static final long SMALL_MAX_BYTE_SIZE = 4 * LinearMemory.PAGE_BYTE_SIZE;

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    private final List<LinearMemory> memories = new ArrayList<>();

    /** Creates the suite; JUnit instantiates each subclass through its no-arg constructor. */
    public AllocatorContractTest() {
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Hooks

    /**
     * Creates the allocator under test over {@code memory}.
     *
     * @param memory a fresh memory, closed by the suite after the test
     * @return a new allocator that allocates from {@code memory}
     */
    protected abstract Allocator newAllocator(LinearMemory memory);

    /**
     * Creates a memory for a test. The default reserves native memory starting empty.
     *
     * @param maxByteSize the most the memory may grow to
     * @return a fresh memory
     */
    protected LinearMemory newMemory(long maxByteSize) {
        return LinearMemory.ofNative(maxByteSize);
    }

    /**
     * Creates the default memory of a test: {@link #newMemory(long)} with {@link #DEFAULT_MAX_BYTE_SIZE}.
     *
     * @return a fresh memory
     */
    protected LinearMemory newMemory() {
        return newMemory(DEFAULT_MAX_BYTE_SIZE);
    }

    /**
     * Tells whether the allocator ever succeeds. {@code false} for {@link Allocator#failing()}: the suite then
     * asserts that every allocation fails instead.
     *
     * @return {@code true} if allocations can succeed
     */
    protected boolean allocates() {
        return true;
    }

    /**
     * Tells whether freed memory is handed out again (false for the never-freeing page and bump allocators).
     *
     * @return {@code true} if free makes room
     */
    protected boolean reusesFreedMemory() {
        return true;
    }

    /**
     * Tells whether {@code allocationCount}/{@code allocatedBytes} drop when a block is freed. Defaults to
     * {@link #reusesFreedMemory()}.
     *
     * @return {@code true} if the live counters follow frees
     */
    protected boolean countsFrees() {
        return reusesFreedMemory();
    }

    /**
     * Tells whether every kind of bad free is refused with {@link IllegalArgumentException}. The default of
     * {@link #badFree(BadFree)}.
     *
     * @return {@code true} if bad frees are detected
     */
    protected boolean detectsBadFrees() {
        return true;
    }

    /**
     * Tells how the allocator responds to one kind of bad free. Defaults to {@link BadFreeResponse#REFUSED} for all
     * kinds when {@link #detectsBadFrees()}, else {@link BadFreeResponse#UNDEFINED}.
     *
     * @param kind the kind of bad free
     * @return the promised response
     */
    protected BadFreeResponse badFree(BadFree kind) {
        return detectsBadFrees() ? BadFreeResponse.REFUSED : BadFreeResponse.UNDEFINED;
    }

    /**
     * Tells whether the allocator accepts {@code byteAlignment} (a valid power of two). An unsupported alignment
     * must be refused with {@link IllegalArgumentException} naming {@code byteAlignment}.
     *
     * @param byteAlignment a power of two in {@code [1, MAX_BYTE_ALIGNMENT]}
     * @return {@code true} if supported
     */
    protected boolean supportsAlignment(long byteAlignment) {
        return true;
    }

    /**
     * Tells whether the allocator uses pages a memory already has (a fixed memory's segment). Every allocator of
     * this module does; the hook is for allocators that only hand out memory they grew themselves.
     *
     * @return {@code true} if existing pages are used
     */
    protected boolean usesExistingPages() {
        return true;
    }

    /**
     * Tells whether the allocator may answer a call from its own state alone, without reaching its memory, so that
     * the call still returns after the memory is closed (the bump allocator below its last page; the failing
     * allocator, which never needs memory). Others must throw {@link IllegalStateException} instead.
     *
     * @return {@code true} if some calls need no memory
     */
    protected boolean answersSomeCallsWithoutItsMemory() {
        return false;
    }

    /**
     * Tells whether the allocator grows its memory when it needs room (all but the failing allocator).
     *
     * @return {@code true} if allocations grow the memory
     */
    protected boolean usesGrownMemory() {
        return allocates();
    }

    /** Kinds of bad free the suite tries. */
    public enum BadFree {
        /** Freeing a block a second time. */
        DOUBLE_FREE,
        /** Freeing an offset inside a live block. */
        INTERIOR,
        /** Freeing an offset the allocator never handed out: past the heap, negative, or in free space. */
        FOREIGN,
        /** A sized free with a size other than the block's. */
        WRONG_SIZE
    }

    /** How an allocator may respond to a bad free. */
    public enum BadFreeResponse {
        /** Must throw {@link IllegalArgumentException}, leaving the heap exactly as it was. */
        REFUSED,
        /** May throw {@link IllegalArgumentException} or do nothing; the heap stays consistent either way. */
        TOLERATED,
        /** The allocator promises nothing: the suite does not try it. */
        UNDEFINED
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Plumbing

    /**
     * Creates a memory with {@link #newMemory(long)} and registers it for closing after the test.
     *
     * @param maxByteSize the most the memory may grow to
     * @return the memory
     */
    protected final LinearMemory memory(long maxByteSize) {
        return track(newMemory(maxByteSize));
    }

    /**
     * Registers a memory for closing after the test.
     *
     * @param memory the memory
     * @return {@code memory}
     */
    protected final LinearMemory track(LinearMemory memory) {
        memories.add(memory);
        return memory;
    }

    /**
     * Creates an allocator over a fresh default memory.
     *
     * @return the allocator
     */
    protected final Allocator open() {
        return newAllocator(track(newMemory()));
    }

    /** Closes the memories the test created. */
    @AfterEach
    public final void closeMemories() {
        for (LinearMemory memory : memories) {
            memory.close();
        }
        memories.clear();
    }

    private static void assertAllocationFails(Allocator allocator, long byteSize, long byteAlignment) {
        AllocatorStats before = allocator.stats();
        assertEquals(Allocator.NULL, allocator.tryAllocate(byteSize, byteAlignment), "tryAllocate must fail");
        assertEquals(Allocator.NULL, allocator.tryAllocateZeroed(byteSize, byteAlignment),
                "tryAllocateZeroed must fail");
        assertEquals(Allocator.NULL, allocator.tryReallocate(Allocator.NULL, byteSize, byteAlignment),
                "tryReallocate(0, ...) must fail");
        assertOutOfMemory(() -> allocator.allocate(byteSize, byteAlignment));
        assertOutOfMemory(() -> allocator.allocateZeroed(byteSize, byteAlignment));
        assertOutOfMemory(() -> allocator.reallocate(Allocator.NULL, byteSize, byteAlignment));
        assertEquals(before, allocator.stats(), "a failed allocation changes no counter");
        allocator.verify();
    }

    private static void assertOutOfMemory(Executable call) {
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, call);
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "OutOfMemoryError needs a message");
    }

    private static void assertIllegalArgument(String argumentName, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage() != null
                        && e.getMessage().toLowerCase(Locale.ROOT).contains(argumentName.toLowerCase(Locale.ROOT)),
                () -> "message must name " + argumentName + ": " + e.getMessage());
    }

    /** Allocates with the throwing form and records the block. */
    private static long allocate(LiveBlocks model, long byteSize, long byteAlignment) {
        long offset = model.allocator().allocate(byteSize, byteAlignment);
        model.add(offset, byteSize, byteAlignment);
        model.checkAll();
        return offset;
    }

    private static final long[] SIZES = {0, 1, 7, 8, 9, 16, 24, 31, 64, 100, 255, 4096, 5000, 65536, 70000};

    // ---------------------------------------------------------------------------------------------------------------
    // Placement

    @Test
    public void alignmentIsHonouredForEveryPowerOfTwoUpToAPage() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        for (long byteAlignment = 1; byteAlignment <= PAGE; byteAlignment <<= 1) {
            for (long byteSize : new long[] {0, 1, 8, 24, byteAlignment - 1, byteAlignment + 1}) {
                if (!allocates()) {
                    assertAllocationFails(allocator, byteSize, byteAlignment);
                    continue;
                }
                if (!supportsAlignment(byteAlignment)) {
                    long a = byteAlignment;
                    assertIllegalArgument("byteAlignment", () -> allocator.tryAllocate(byteSize, a));
                    continue;
                }
                allocate(model, byteSize, byteAlignment);
                long zeroed = allocator.allocateZeroed(byteSize, byteAlignment);
                model.addZeroed(zeroed, byteSize, byteAlignment);
                model.checkAll();
            }
        }
    }

    @Test
    public void alignmentsAboveAPageAreHonouredOrRefused() {
        Allocator allocator = newAllocator(memory(64L << 20));
        LiveBlocks model = new LiveBlocks(allocator);
        for (long byteAlignment = PAGE << 1; byteAlignment <= (8L << 20); byteAlignment <<= 1) {
            long a = byteAlignment;
            if (!supportsAlignment(byteAlignment)) {
                assertIllegalArgument("byteAlignment", () -> allocator.tryAllocate(16, a));
                model.checkAll();
                continue;
            }
            long offset = allocator.tryAllocate(16, byteAlignment);
            if (!allocates()) {
                assertEquals(Allocator.NULL, offset);
                continue;
            }
            assertNotEquals(Allocator.NULL, offset, "16 bytes aligned to " + a + " fit in 64 MiB");
            model.add(offset, 16, byteAlignment);
            model.checkAll();
        }
    }

    @Test
    public void theLargestAlignmentIsExhaustionNotCorruption() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (allocates()) {
            allocate(model, 100, 8);
        }
        AllocatorStats before = allocator.stats();
        if (supportsAlignment(Allocator.MAX_BYTE_ALIGNMENT)) {
            // Offset 0 is never handed out, so 2^32 alignment needs offset >= 4 GiB: past this 16 MiB memory.
            assertEquals(Allocator.NULL, allocator.tryAllocate(1, Allocator.MAX_BYTE_ALIGNMENT));
            assertEquals(Allocator.NULL, allocator.tryAllocateZeroed(0, Allocator.MAX_BYTE_ALIGNMENT));
        } else {
            assertIllegalArgument("byteAlignment", () -> allocator.tryAllocate(1, Allocator.MAX_BYTE_ALIGNMENT));
        }
        model.checkAll();
        assertEquals(before.allocationCount(), allocator.stats().allocationCount());
        assertEquals(before.allocatedBytes(), allocator.stats().allocatedBytes());
    }

    @Test
    public void hugeSizesAreExhaustionNotOverflow() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (allocates()) {
            allocate(model, 100, 8);
        }
        long max = allocator.memory().maxByteSize();
        long[] hugeSizes = {Allocator.MAX_BYTE_SIZE, Allocator.MAX_BYTE_SIZE - 7, Allocator.MAX_BYTE_SIZE - PAGE,
                1L << 61, 1L << 48, 1L << 40, max + 1, max, max - 7};
        for (long byteSize : hugeSizes) {
            for (long byteAlignment : new long[] {1, 8, PAGE}) {
                if (!supportsAlignment(byteAlignment) || byteSize < 0) {
                    continue;
                }
                assertEquals(Allocator.NULL, allocator.tryAllocate(byteSize, byteAlignment),
                        () -> "tryAllocate(" + byteSize + ", " + byteAlignment + ") cannot fit in " + max);
                assertEquals(Allocator.NULL, allocator.tryAllocateZeroed(byteSize, byteAlignment),
                        () -> "tryAllocateZeroed(" + byteSize + ", " + byteAlignment + ") cannot fit in " + max);
                assertOutOfMemory(() -> allocator.allocate(byteSize, byteAlignment));
                model.checkAll();
                if (!model.isEmpty()) {
                    long offset = model.pick(0).offset();
                    assertEquals(Allocator.NULL, allocator.tryReallocate(offset, byteSize, byteAlignment),
                            () -> "tryReallocate to " + byteSize + " cannot fit in " + max);
                    model.checkAll();
                }
            }
        }
        model.checkStats(countsFrees());
    }

    @Test
    public void blocksNeverOverlap() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 8, 8);
            return;
        }
        for (int round = 0; round < 3; round++) {
            for (long byteSize : SIZES) {
                for (long byteAlignment : new long[] {1, 8, 16, 64, 4096}) {
                    if (supportsAlignment(byteAlignment)) {
                        model.add(allocator.allocate(byteSize, byteAlignment), byteSize, byteAlignment);
                    }
                }
            }
            model.checkAll();
            model.checkStats(countsFrees());
        }
    }

    @Test
    public void offsetZeroIsNeverHandedOut() {
        for (long byteAlignment : new long[] {1, 8, 64, PAGE}) {
            for (long byteSize : new long[] {0, 1, 8, PAGE}) {
                Allocator allocator = open();
                if (!allocates()) {
                    assertAllocationFails(allocator, byteSize, byteAlignment);
                    continue;
                }
                if (!supportsAlignment(byteAlignment)) {
                    continue;
                }
                // The very first block of a fresh allocator is where offset 0 would come from.
                long first = allocator.tryAllocate(byteSize, byteAlignment);
                assertNotEquals(Allocator.NULL, first);
                long second = allocator.tryAllocateZeroed(byteSize, byteAlignment);
                assertNotEquals(Allocator.NULL, second);
                long third = allocator.tryReallocate(Allocator.NULL, byteSize, byteAlignment);
                assertNotEquals(Allocator.NULL, third);
                allocator.verify();
            }
        }
    }

    @Test
    public void sizeZeroBlocksAreRealDistinctBlocks() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 0, 1);
            return;
        }
        for (int i = 0; i < 200; i++) {
            long byteAlignment = 1L << (i % 5);
            model.add(allocator.allocate(0, byteAlignment), 0, byteAlignment);
            if (i % 10 == 0) {
                model.add(allocator.allocate(8, 8), 8, 8);
            }
        }
        model.checkAll();
        model.checkStats(countsFrees());
        // Each must be freeable on its own, sized (size 0) and unsized.
        int i = 0;
        for (LiveBlocks.Block block : model.blocks()) {
            if (block.byteSize() == 0) {
                if (i++ % 2 == 0) {
                    allocator.free(block.offset());
                } else {
                    allocator.free(block.offset(), 0);
                }
                model.remove(block.offset());
                model.checkAll();
            }
        }
        model.checkStats(countsFrees());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Contents

    @Test
    public void everyBlockKeepsItsContentsWhileOthersAreAllocatedFreedAndReallocated() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int step = 0; step < 400; step++) {
            int action = random.nextInt(10);
            if (model.isEmpty() || action < 4) {
                long byteSize = SIZES[random.nextInt(SIZES.length)];
                long byteAlignment = 1L << random.nextInt(8);
                if (random.nextBoolean()) {
                    model.add(allocator.allocate(byteSize, byteAlignment), byteSize, byteAlignment);
                } else {
                    model.addZeroed(allocator.allocateZeroed(byteSize, byteAlignment), byteSize, byteAlignment);
                }
            } else if (action < 7) {
                LiveBlocks.Block block = model.pick(random.nextInt(1 << 20));
                if (random.nextBoolean()) {
                    allocator.free(block.offset());
                } else {
                    allocator.free(block.offset(), block.byteSize());
                }
                model.remove(block.offset());
            } else if (action < 9) {
                LiveBlocks.Block block = model.pick(random.nextInt(1 << 20));
                long newByteSize = SIZES[random.nextInt(SIZES.length)];
                long byteAlignment = block.byteAlignment();
                long moved = allocator.reallocate(block.offset(), newByteSize, byteAlignment);
                model.reallocated(block.offset(), moved, newByteSize, byteAlignment);
            } else {
                model.rewrite(model.pick(random.nextInt(1 << 20)).offset());
            }
            model.checkAll();
            model.checkStats(countsFrees());
        }
    }

    @Test
    public void zeroedAllocationIsZeroOnFreshMemory() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        for (long byteSize : SIZES) {
            model.addZeroed(allocator.allocateZeroed(byteSize, 8), byteSize, 8);
            long offset = allocator.tryAllocateZeroed(byteSize, 16);
            assertNotEquals(Allocator.NULL, offset);
            model.addZeroed(offset, byteSize, 16);
            model.checkAll();
        }
    }

    @Test
    public void zeroedAllocationIsZeroOnMemoryReusedAfterFree() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        for (int round = 0; round < 4; round++) {
            // Dirty a stretch of memory with blocks full of 0xFF, free them, then ask for zeroed blocks of the same
            // and of other sizes: whatever is reused must be cleared.
            List<long[]> dirty = new ArrayList<>();
            for (long byteSize : SIZES) {
                long offset = allocator.allocate(byteSize, 8);
                model.fill(offset, byteSize, (byte) 0xFF);
                dirty.add(new long[] {offset, byteSize});
            }
            for (long[] block : dirty) {
                if (round % 2 == 0) {
                    allocator.free(block[0]);
                } else {
                    allocator.free(block[0], block[1]);
                }
                model.checkAll();
            }
            for (long byteSize : SIZES) {
                long offset = round < 2 ? allocator.allocateZeroed(byteSize, 8)
                        : allocator.tryAllocateZeroed(byteSize + round, 8);
                assertNotEquals(Allocator.NULL, offset);
                model.addZeroed(offset, round < 2 ? byteSize : byteSize + round, 8);
                model.checkAll();
            }
            for (LiveBlocks.Block block : model.blocks()) {
                allocator.free(block.offset());
                model.remove(block.offset());
            }
            model.checkAll();
        }
    }

    @Test
    public void zeroedAllocationIsZeroOnDirtyFixedMemory() {
        assumeTrue(usesExistingPages(), "the allocator does not use pages the memory already has");
        Arena arena = Arena.ofAuto();
        MemorySegment segment = arena.allocate(16 * PAGE, PAGE);
        segment.fill((byte) 0xC3);
        Allocator allocator = newAllocator(track(LinearMemory.of(segment)));
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        for (long byteSize : new long[] {0, 1, 8, 24, 100, 1000, 4096}) {
            model.addZeroed(allocator.allocateZeroed(byteSize, 8), byteSize, 8);
            model.checkAll();
        }
        // The plain form promises nothing about the contents, but the block must still be usable.
        allocate(model, 500, 16);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reallocation

    @Test
    public void reallocateKeepsTheSmallerOfTheTwoSizes() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        long[] sizes = {0, 1, 8, 13, 64, 100, 1000, 4096, 10_000, 70_000};
        for (long from : sizes) {
            for (long to : sizes) {
                long offset = allocate(model, from, 8);
                allocate(model, 24, 8); // a neighbour, so that growing in place is not always possible
                long moved = allocator.reallocate(offset, to, 8);
                model.reallocated(offset, moved, to, 8);
                model.checkAll();
                model.checkStats(countsFrees());
            }
        }
        // Shrinking and growing the same block many times over.
        long offset = allocate(model, 100, 8);
        for (long to : new long[] {50, 500, 5, 5000, 0, 64, 100_000, 3}) {
            long moved = allocator.reallocate(offset, to);
            model.reallocated(offset, moved, to, 8);
            model.checkAll();
            offset = moved;
        }
    }

    @Test
    public void reallocateHonoursTheAlignmentPassed() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        for (long byteAlignment = 1; byteAlignment <= PAGE; byteAlignment <<= 1) {
            if (!supportsAlignment(byteAlignment)) {
                continue;
            }
            for (long to : new long[] {4, 40, 400, 4000}) {
                long offset = allocate(model, 24, 1);
                allocate(model, 8, 1);
                long moved = allocator.reallocate(offset, to, byteAlignment);
                model.reallocated(offset, moved, to, byteAlignment);
                model.checkAll();
            }
        }
    }

    @Test
    public void reallocateOfNullAllocates() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        for (long byteSize : SIZES) {
            long offset = allocator.reallocate(Allocator.NULL, byteSize, 64);
            model.add(offset, byteSize, 64);
            long tried = allocator.tryReallocate(Allocator.NULL, byteSize, 8);
            assertNotEquals(Allocator.NULL, tried);
            model.add(tried, byteSize, 8);
            long plain = allocator.reallocate(Allocator.NULL, byteSize);
            model.add(plain, byteSize, Allocator.DEFAULT_BYTE_ALIGNMENT);
            model.checkAll();
            model.checkStats(countsFrees());
        }
    }

    @Test
    public void failedReallocationLeavesTheBlockLiveAndUnchanged() {
        Allocator allocator = newAllocator(memory(SMALL_MAX_BYTE_SIZE));
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        long offset = allocate(model, 1000, 8);
        allocate(model, 64, 8);
        AllocatorStats before = allocator.stats();
        assertEquals(Allocator.NULL, allocator.tryReallocate(offset, SMALL_MAX_BYTE_SIZE + 1, 8));
        model.checkAll();
        assertOutOfMemory(() -> allocator.reallocate(offset, 2 * SMALL_MAX_BYTE_SIZE, 8));
        model.checkAll();
        assertEquals(before.allocationCount(), allocator.stats().allocationCount());
        assertEquals(before.allocatedBytes(), allocator.stats().allocatedBytes());
        // Still the same live block: it can be reallocated and freed normally.
        long moved = allocator.reallocate(offset, 2000, 8);
        model.reallocated(offset, moved, 2000, 8);
        allocator.free(moved, 2000);
        model.remove(moved);
        model.checkAll();
        model.checkStats(countsFrees());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Errors

    private static final long[] BAD_SIZES = {-1, -8, Long.MIN_VALUE, Allocator.MAX_BYTE_SIZE + 1, Long.MAX_VALUE};

    private static final long[] BAD_ALIGNMENTS = {0, -1, -8, Long.MIN_VALUE, 3, 6, 24, 1000, (1L << 32) + 1,
            Allocator.MAX_BYTE_ALIGNMENT << 1, 1L << 62, Long.MAX_VALUE};

    @Test
    public void badArgumentsAreRefusedNamingTheArgumentAndChangeNothing() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        long live = Allocator.NULL;
        if (allocates()) {
            live = allocate(model, 100, 8);
            allocate(model, 0, 1);
            allocate(model, 5000, 64);
        }
        AllocatorStats before = allocator.stats();
        long memoryByteSize = allocator.memory().byteSize();
        long block = live;
        for (long bad : BAD_SIZES) {
            assertIllegalArgument("byteSize", () -> allocator.tryAllocate(bad, 8));
            assertIllegalArgument("byteSize", () -> allocator.tryAllocateZeroed(bad, 8));
            assertIllegalArgument("byteSize", () -> allocator.allocate(bad, 8));
            assertIllegalArgument("byteSize", () -> allocator.allocate(bad));
            assertIllegalArgument("byteSize", () -> allocator.allocateZeroed(bad, 8));
            assertIllegalArgument("newByteSize", () -> allocator.tryReallocate(Allocator.NULL, bad, 8));
            assertIllegalArgument("newByteSize", () -> allocator.reallocate(Allocator.NULL, bad, 8));
            assertIllegalArgument("byteSize", () -> allocator.free(Allocator.NULL, bad));
            if (block != Allocator.NULL) {
                assertIllegalArgument("newByteSize", () -> allocator.tryReallocate(block, bad, 8));
                assertIllegalArgument("newByteSize", () -> allocator.reallocate(block, bad));
                assertIllegalArgument("byteSize", () -> allocator.free(block, bad));
            }
            model.checkAll();
        }
        for (long bad : BAD_ALIGNMENTS) {
            assertIllegalArgument("byteAlignment", () -> allocator.tryAllocate(8, bad));
            assertIllegalArgument("byteAlignment", () -> allocator.tryAllocateZeroed(8, bad));
            assertIllegalArgument("byteAlignment", () -> allocator.allocate(8, bad));
            assertIllegalArgument("byteAlignment", () -> allocator.allocateZeroed(0, bad));
            assertIllegalArgument("byteAlignment", () -> allocator.tryReallocate(Allocator.NULL, 8, bad));
            assertIllegalArgument("byteAlignment", () -> allocator.reallocate(Allocator.NULL, 8, bad));
            if (block != Allocator.NULL) {
                assertIllegalArgument("byteAlignment", () -> allocator.tryReallocate(block, 8, bad));
                assertIllegalArgument("byteAlignment", () -> allocator.reallocate(block, 200, bad));
            }
            model.checkAll();
        }
        assertEquals(before, allocator.stats(), "refused calls change no counter");
        assertEquals(memoryByteSize, allocator.memory().byteSize(), "refused calls do not grow the memory");
        model.checkAll();
        if (block != Allocator.NULL) {
            // The block is still live and whole.
            allocator.free(block, 100);
            model.remove(block);
            model.checkAll();
            model.checkStats(countsFrees());
        }
    }

    @Test
    public void freeOfNullDoesNothing() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (allocates()) {
            allocate(model, 100, 8);
        }
        AllocatorStats before = allocator.stats();
        allocator.free(Allocator.NULL);
        allocator.free(Allocator.NULL, 0);
        allocator.free(Allocator.NULL, 16);
        assertEquals(before, allocator.stats());
        model.checkAll();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bad frees

    /**
     * Tries one bad free: asserts IAE if refused is promised, else accepts IAE or nothing; then asserts the heap
     * is as it was (verify, contents, live counters).
     */
    private void badFreeLeavesHeapIntact(BadFree kind, LiveBlocks model, Executable badCall) {
        BadFreeResponse response = badFree(kind);
        if (response == BadFreeResponse.UNDEFINED) {
            return;
        }
        Allocator allocator = model.allocator();
        AllocatorStats before = allocator.stats();
        if (response == BadFreeResponse.REFUSED) {
            assertThrows(IllegalArgumentException.class, badCall, () -> kind + " must be refused");
            assertEquals(before, allocator.stats(), () -> "a refused " + kind + " changes no counter");
        } else {
            try {
                badCall.execute();
            } catch (IllegalArgumentException expected) {
                assertEquals(before, allocator.stats(), () -> "a refused " + kind + " changes no counter");
            } catch (Throwable t) {
                throw new AssertionError(kind + " threw " + t, t);
            }
        }
        model.checkAll();
        assertEquals(before.allocationCount(), allocator.stats().allocationCount());
    }

    /** After a bad free the allocator must go on working: a few more allocations and frees. */
    private static void stillWorks(LiveBlocks model) {
        Allocator allocator = model.allocator();
        for (long byteSize : new long[] {8, 100, 3000}) {
            allocate(model, byteSize, 8);
        }
        LiveBlocks.Block last = model.pick(model.size() - 1);
        allocator.free(last.offset());
        model.remove(last.offset());
        model.checkAll();
    }

    private LiveBlocks heapWithNeighbours(Allocator allocator) {
        LiveBlocks model = new LiveBlocks(allocator);
        for (long byteSize : new long[] {64, 128, 64, 256, 64}) {
            allocate(model, byteSize, 8);
        }
        return model;
    }

    @Test
    public void doubleFreeIsRefusedOrHarmless() {
        assumeTrue(allocates(), "needs a block to free twice");
        assumeTrue(badFree(BadFree.DOUBLE_FREE) != BadFreeResponse.UNDEFINED, "double free is undefined");
        Allocator allocator = open();
        LiveBlocks model = heapWithNeighbours(allocator);
        long victim = model.pick(1).offset();
        allocator.free(victim);
        model.remove(victim);
        model.checkAll();
        badFreeLeavesHeapIntact(BadFree.DOUBLE_FREE, model, () -> allocator.free(victim));
        badFreeLeavesHeapIntact(BadFree.DOUBLE_FREE, model, () -> allocator.free(victim, 128));
        // Freed then coalesced with a neighbour: the old offset is now inside a larger free chunk.
        long neighbour = model.pick(1).offset();
        allocator.free(neighbour);
        model.remove(neighbour);
        badFreeLeavesHeapIntact(BadFree.DOUBLE_FREE, model, () -> allocator.free(victim));
        badFreeLeavesHeapIntact(BadFree.DOUBLE_FREE, model, () -> allocator.free(neighbour));
        stillWorks(model);
    }

    @Test
    public void interiorOffsetFreeIsRefusedOrHarmless() {
        assumeTrue(allocates(), "needs a block to point into");
        assumeTrue(badFree(BadFree.INTERIOR) != BadFreeResponse.UNDEFINED, "interior free is undefined");
        Allocator allocator = open();
        LiveBlocks model = heapWithNeighbours(allocator);
        long block = model.pick(3).offset();
        for (long delta : new long[] {1, 8, 16, 128, 255}) {
            badFreeLeavesHeapIntact(BadFree.INTERIOR, model, () -> allocator.free(block + delta));
            badFreeLeavesHeapIntact(BadFree.INTERIOR, model, () -> allocator.free(block + delta, 256 - delta));
        }
        stillWorks(model);
    }

    @Test
    public void foreignOffsetFreeIsRefusedOrHarmless() {
        assumeTrue(badFree(BadFree.FOREIGN) != BadFreeResponse.UNDEFINED, "foreign free is undefined");
        Allocator allocator = open();
        LiveBlocks model = allocates() ? heapWithNeighbours(allocator) : new LiveBlocks(allocator);
        long max = allocator.memory().maxByteSize();
        long[] foreign = {-8, -1, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 7, max, max + 8, 1L << 40,
                allocator.memory().byteSize() + 64, DEFAULT_MAX_BYTE_SIZE - 64};
        for (long offset : foreign) {
            if (offset == Allocator.NULL) {
                continue; // an empty memory's size: free(0) is not foreign
            }
            badFreeLeavesHeapIntact(BadFree.FOREIGN, model, () -> allocator.free(offset));
            badFreeLeavesHeapIntact(BadFree.FOREIGN, model, () -> allocator.free(offset, 8));
            badFreeLeavesHeapIntact(BadFree.FOREIGN, model,
                    () -> assertEquals(Allocator.NULL, allocator.tryReallocate(offset, 8, 8)));
        }
        if (allocates()) {
            stillWorks(model);
        }
    }

    @Test
    public void sizedFreeWithTheWrongSizeIsRefusedOrHarmless() {
        assumeTrue(allocates(), "needs a block to free");
        assumeTrue(badFree(BadFree.WRONG_SIZE) != BadFreeResponse.UNDEFINED, "wrong-size free is undefined");
        Allocator allocator = open();
        LiveBlocks model = heapWithNeighbours(allocator);
        long block = model.blocks().stream().filter(b -> b.byteSize() == 128).findFirst().orElseThrow().offset();
        for (long wrong : new long[] {0, 1, 127, 129, 136, 256, 4096, Allocator.MAX_BYTE_SIZE}) {
            badFreeLeavesHeapIntact(BadFree.WRONG_SIZE, model, () -> allocator.free(block, wrong));
        }
        if (badFree(BadFree.WRONG_SIZE) == BadFreeResponse.REFUSED) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> allocator.free(block, 129));
            assertEquals(Checks.wrongBlockSize(block, 129, 128).getMessage(), e.getMessage(),
                    "every allocator words a wrong size the same");
        }
        // The right size still frees it (unless a tolerated wrong size already did nothing harmful).
        allocator.free(block, 128);
        model.remove(block);
        model.checkAll();
        model.checkStats(countsFrees());
        stillWorks(model);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Exhaustion

    @Test
    public void exhaustionFailsCleanlyAndTheAllocatorRecovers() {
        Allocator allocator = newAllocator(memory(SMALL_MAX_BYTE_SIZE));
        LiveBlocks model = new LiveBlocks(allocator);
        long byteSize = 8192;
        if (!allocates()) {
            assertAllocationFails(allocator, byteSize, 8);
            return;
        }
        for (int i = 0; i < 10_000; i++) {
            long offset = i % 2 == 0 ? allocator.tryAllocate(byteSize, 8) : allocator.tryAllocateZeroed(byteSize, 8);
            if (offset == Allocator.NULL) {
                break;
            }
            if (i % 2 == 0) {
                model.add(offset, byteSize, 8);
            } else {
                model.addZeroed(offset, byteSize, 8);
            }
            model.checkAll();
        }
        assertTrue(model.size() >= 1, "a 4-page memory fits at least one 8 KiB block");
        assertTrue(model.size() < SMALL_MAX_BYTE_SIZE / byteSize + 1, "more blocks than fit");
        AllocatorStats before = allocator.stats();
        assertEquals(Allocator.NULL, allocator.tryAllocate(byteSize, 8));
        assertEquals(Allocator.NULL, allocator.tryAllocateZeroed(byteSize, 8));
        assertOutOfMemory(() -> allocator.allocate(byteSize, 8));
        assertOutOfMemory(() -> allocator.allocateZeroed(byteSize, 8));
        assertOutOfMemory(() -> allocator.reallocate(Allocator.NULL, byteSize, 8));
        long first = model.pick(0).offset();
        assertEquals(Allocator.NULL, allocator.tryReallocate(first, SMALL_MAX_BYTE_SIZE, 8));
        assertOutOfMemory(() -> allocator.reallocate(first, SMALL_MAX_BYTE_SIZE, 8));
        assertEquals(before, allocator.stats(), "failed allocations change no counter");
        model.checkAll();
        if (!reusesFreedMemory()) {
            return;
        }
        // Free every other block: a block of the same size fits again.
        List<LiveBlocks.Block> live = model.blocks();
        for (int i = 0; i < live.size(); i += 2) {
            LiveBlocks.Block block = live.get(i);
            allocator.free(block.offset(), block.byteSize());
            model.remove(block.offset());
            model.checkAll();
        }
        allocate(model, byteSize, 8);
        // Free everything: a block of a quarter of the memory fits.
        for (LiveBlocks.Block block : model.blocks()) {
            allocator.free(block.offset());
            model.remove(block.offset());
            model.checkAll();
        }
        model.checkStats(countsFrees());
        allocate(model, SMALL_MAX_BYTE_SIZE / 4, 8);
        model.checkStats(countsFrees());
    }

    /** The workload of the growth-refusal test: sizes that force the memory to grow several times. */
    private static final long[] GROWING_SIZES = {100, 30_000, 70_000, 8, 200_000, 0, 65_536, 1_000, 300_000, 64,
            131_072, 5_000, 500_000};

    /** Runs the workload with try* calls, tolerating refusals; returns the model. */
    private LiveBlocks growingWorkload(Allocator allocator) {
        LiveBlocks model = new LiveBlocks(allocator);
        int i = 0;
        for (long byteSize : GROWING_SIZES) {
            long byteAlignment = (i % 3 == 0) ? 8 : (i % 3 == 1 ? 64 : 4096);
            if (!supportsAlignment(byteAlignment)) {
                byteAlignment = 8;
            }
            long offset = (i % 2 == 0) ? allocator.tryAllocate(byteSize, byteAlignment)
                    : allocator.tryAllocateZeroed(byteSize, byteAlignment);
            if (offset != Allocator.NULL) {
                if (i % 2 == 0) {
                    model.add(offset, byteSize, byteAlignment);
                } else {
                    model.addZeroed(offset, byteSize, byteAlignment);
                }
            }
            model.checkAll();
            if (i % 4 == 3 && !model.isEmpty()) {
                LiveBlocks.Block block = model.pick(i);
                long moved = allocator.tryReallocate(block.offset(), block.byteSize() * 2 + 10, block.byteAlignment());
                if (moved != Allocator.NULL) {
                    model.reallocated(block.offset(), moved, block.byteSize() * 2 + 10, block.byteAlignment());
                }
                model.checkAll();
            }
            if (i % 5 == 4 && !model.isEmpty()) {
                LiveBlocks.Block block = model.pick(i);
                allocator.free(block.offset());
                model.remove(block.offset());
                model.checkAll();
            }
            i++;
        }
        model.checkStats(countsFrees());
        return model;
    }

    @Test
    public void growthRefusedAtEachStepLeavesTheAllocatorConsistentAndUsable() {
        FaultInjectingLinearMemory probe = (FaultInjectingLinearMemory) track(
                LinearMemory.ofFaultInjecting(newMemory(), call -> false));
        growingWorkload(newAllocator(probe));
        long growCalls = probe.growCalls();
        if (allocates() && usesGrownMemory()) {
            assertTrue(growCalls >= 1, "the workload needs more than an empty memory: it must grow");
        }
        for (long k = 0; k <= growCalls; k++) {
            for (boolean fromThenOn : new boolean[] {false, true}) {
                if (k == growCalls && !fromThenOn) {
                    continue; // refusing only the first grow after the workload is no test of the workload
                }
                long refused = k;
                LongPredicate refuse = fromThenOn ? call -> call >= refused : call -> call == refused;
                LinearMemory memory = track(LinearMemory.ofFaultInjecting(newMemory(), refuse));
                Allocator allocator = newAllocator(memory);
                LiveBlocks model;
                try {
                    model = growingWorkload(allocator);
                } catch (AssertionError e) {
                    throw new AssertionError("with grow call " + k + (fromThenOn ? " and later" : "")
                            + " refused: " + e.getMessage(), e);
                }
                model.checkAll();
                if (!allocates()) {
                    continue;
                }
                if (!fromThenOn) {
                    // Later grows succeed again: the allocator must be able to grow once more.
                    allocate(model, 100_000, 8);
                } else if (reusesFreedMemory() && !model.isEmpty()) {
                    // No grow will ever succeed again: freed memory must still be reusable.
                    LiveBlocks.Block block = model.pick(0);
                    allocator.free(block.offset());
                    model.remove(block.offset());
                    model.checkAll();
                    allocate(model, block.byteSize(), block.byteAlignment());
                }
                model.checkStats(countsFrees());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A closed memory

    /**
     * Closing the memory ends the allocator ({@link Allocator}, "A closed memory"): a call that needs the memory
     * throws {@link IllegalStateException}, never another exception, and an allocation that would have to grow the
     * memory says it is closed, not exhausted.
     */
    @Test
    public void afterItsMemoryIsClosedCallsThrowIllegalStateException() {
        Allocator allocator = open();
        long block = allocates() ? allocator.allocate(100, 8) : Allocator.NULL;
        allocator.memory().close();
        if (allocates() && usesGrownMemory()) {
            long needsGrowth = DEFAULT_MAX_BYTE_SIZE / 2;
            assertThrows(IllegalStateException.class, () -> allocator.tryAllocate(needsGrowth, 8));
            assertThrows(IllegalStateException.class, () -> allocator.allocate(needsGrowth, 8));
        }
        List<Executable> calls = List.of(
                allocator::stats,
                allocator::verify,
                () -> allocator.tryAllocate(8, 8),
                () -> allocator.tryAllocateZeroed(8, 8),
                () -> allocator.tryReallocate(block, 200, 8),
                () -> allocator.free(block));
        for (Executable call : calls) {
            if (answersSomeCallsWithoutItsMemory()) {
                try {
                    call.execute();
                } catch (IllegalStateException expected) {
                    // needed the memory
                } catch (Throwable t) {
                    throw new AssertionError("a call on a closed memory must return or throw IllegalStateException", t);
                }
            } else {
                assertThrows(IllegalStateException.class, call);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Statistics

    @Test
    public void statsTrackLiveBlocksAsRequestedAndReturnToZero() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        AllocatorStats empty = allocator.stats();
        LiveBlocks.checkStatsRelations(allocator, empty);
        assertEquals(0, empty.allocationCount());
        assertEquals(0, empty.allocatedBytes());
        assertEquals(0, empty.totalAllocationCount());
        assertEquals(0, empty.totalAllocatedBytes());
        if (!allocates()) {
            assertAllocationFails(allocator, 10, 8);
            assertEquals(empty, allocator.stats());
            return;
        }
        long requested = 0;
        for (long byteSize : SIZES) {
            allocate(model, byteSize, 8);
            requested += byteSize;
            AllocatorStats stats = allocator.stats();
            assertEquals(model.size(), stats.allocationCount(), "allocationCount");
            assertEquals(requested, stats.allocatedBytes(), "allocatedBytes are the sizes asked for");
            assertEquals(model.size(), stats.totalAllocationCount(), "totalAllocationCount");
            assertEquals(requested, stats.totalAllocatedBytes(), "totalAllocatedBytes");
            assertTrue(stats.claimedBytes() >= stats.allocatedBytes(), "claimed covers the live blocks");
            assertTrue(stats.heapCount() >= 1, "a heap once memory is claimed");
            LiveBlocks.checkStatsRelations(allocator, stats);
        }
        int allocations = model.size();
        for (LiveBlocks.Block block : model.blocks()) {
            allocator.free(block.offset());
            model.remove(block.offset());
            model.checkAll();
            model.checkStats(countsFrees());
        }
        AllocatorStats after = allocator.stats();
        assertEquals(allocations, after.totalAllocationCount(), "frees do not change totals");
        assertEquals(requested, after.totalAllocatedBytes(), "frees do not change totals");
        if (countsFrees()) {
            assertEquals(0, after.allocationCount());
            assertEquals(0, after.allocatedBytes());
            assertEquals(allocations, after.freedCount());
            assertEquals(requested, after.freedBytes());
        }
    }

    @Test
    public void statsFollowReallocation() {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        if (!allocates()) {
            assertAllocationFails(allocator, 10, 8);
            return;
        }
        long offset = allocate(model, 100, 8);
        allocate(model, 16, 8);
        for (long to : new long[] {10, 1000, 1000, 0, 70_000, 64}) {
            long moved = allocator.reallocate(offset, to, 8);
            model.reallocated(offset, moved, to, 8);
            offset = moved;
            model.checkAll();
            model.checkStats(countsFrees());
        }
    }

    @Test
    public void aSnapshotIsTakenAtOneMomentAndReadsWell() {
        Allocator allocator = open();
        AllocatorStats before = allocator.stats();
        if (allocates()) {
            allocator.allocate(5000, 8);
            AllocatorStats after = allocator.stats();
            assertEquals(before.allocationCount() + 1, after.allocationCount(), "the new snapshot sees the block");
            assertEquals(before.allocatedBytes() + 5000, after.allocatedBytes());
            assertEquals(0, before.allocationCount(), "the old snapshot does not");
        }
        assertTrue(before.toString().contains("allocations"), before.toString());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Backings

    /** The memories the backing test runs on. */
    public enum Backing {
        /** {@link LinearMemory#ofNative(long)}. */
        NATIVE,
        /** {@link LinearMemory#ofHeap(long)}: segments go stale on grow. */
        HEAP,
        /** {@link LinearMemory#of(MemorySegment)} over a dirty native segment. */
        FIXED_NATIVE,
        /** {@link LinearMemory#of(MemorySegment)} over a dirty heap segment of an odd size. */
        FIXED_HEAP
    }

    private LinearMemory backing(Backing backing) {
        return track(switch (backing) {
            case NATIVE -> LinearMemory.ofNative(DEFAULT_MAX_BYTE_SIZE);
            case HEAP -> LinearMemory.ofHeap(DEFAULT_MAX_BYTE_SIZE);
            case FIXED_NATIVE -> {
                MemorySegment segment = Arena.ofAuto().allocate(DEFAULT_MAX_BYTE_SIZE, PAGE);
                segment.fill((byte) 0x5A);
                yield LinearMemory.of(segment);
            }
            case FIXED_HEAP -> {
                MemorySegment segment = MemorySegment.ofArray(new long[(int) (DEFAULT_MAX_BYTE_SIZE / 8) - 13]);
                segment.fill((byte) 0x5A);
                yield LinearMemory.of(segment);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    public void aMixedWorkloadKeepsTheContractOnEveryBacking(Backing backing) {
        boolean fixed = backing == Backing.FIXED_NATIVE || backing == Backing.FIXED_HEAP;
        LinearMemory memory = backing(backing);
        Allocator allocator = newAllocator(memory);
        LiveBlocks model = new LiveBlocks(allocator, backing.ordinal());
        if (!allocates() || (fixed && !usesExistingPages())) {
            assertAllocationFails(allocator, 100, 8);
            return;
        }
        SplittableRandom random = new SplittableRandom(backing.ordinal());
        Deque<Long> recent = new ArrayDeque<>();
        for (int step = 0; step < 300; step++) {
            long byteSize = random.nextInt(4) == 0 ? random.nextLong(200_000) : random.nextLong(300);
            long byteAlignment = 1L << random.nextInt(backing == Backing.FIXED_HEAP ? 4 : 13);
            int action = random.nextInt(6);
            if (recent.isEmpty() || action < 3) {
                long offset = action == 0 ? allocator.tryAllocateZeroed(byteSize, byteAlignment)
                        : allocator.tryAllocate(byteSize, byteAlignment);
                if (offset != Allocator.NULL) {
                    if (action == 0) {
                        model.addZeroed(offset, byteSize, byteAlignment);
                    } else {
                        model.add(offset, byteSize, byteAlignment);
                    }
                    recent.add(offset);
                }
            } else if (action < 5) {
                long offset = recent.poll();
                allocator.free(offset, model.get(offset).byteSize());
                model.remove(offset);
            } else {
                long offset = recent.poll();
                long keptAlignment = model.get(offset).byteAlignment();
                long moved = allocator.tryReallocate(offset, byteSize, keptAlignment);
                if (moved != Allocator.NULL) {
                    model.reallocated(offset, moved, byteSize, keptAlignment);
                    recent.add(moved);
                } else {
                    recent.add(offset);
                }
            }
            model.checkAll();
            model.checkStats(countsFrees());
        }
        if (reusesFreedMemory()) {
            for (LiveBlocks.Block block : model.blocks()) {
                allocator.free(block.offset());
                model.remove(block.offset());
            }
            model.checkAll();
            model.checkStats(countsFrees());
        }
    }
}
