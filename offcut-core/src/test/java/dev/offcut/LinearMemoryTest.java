package dev.offcut;

import dev.offcut.internal.memory.FaultInjectingLinearMemory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link LinearMemory}'s contract on every backing: grow, segments, maxima, close, factory checks. */
class LinearMemoryTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;
    private static final int MAX_PAGES = 8;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    /** The backings that can grow, each created empty with a maximum of {@value #MAX_PAGES} pages. */
    enum Growable {
        NATIVE, HEAP, FAULT_INJECTING_NATIVE, FAULT_INJECTING_HEAP
    }

    /** The backings over a caller's segment. */
    enum Fixed {
        NATIVE, HEAP
    }

    private LinearMemory create(Growable backing) {
        LinearMemory memory = switch (backing) {
            case NATIVE -> LinearMemory.ofNative(MAX_PAGES * PAGE);
            case HEAP -> LinearMemory.ofHeap(MAX_PAGES * PAGE);
            case FAULT_INJECTING_NATIVE -> LinearMemory.ofFaultInjecting(LinearMemory.ofNative(MAX_PAGES * PAGE),
                    call -> false);
            case FAULT_INJECTING_HEAP -> LinearMemory.ofFaultInjecting(LinearMemory.ofHeap(MAX_PAGES * PAGE),
                    call -> false);
        };
        resources.add(memory);
        return memory;
    }

    /** A caller's segment of 3 pages and 100 bytes, filled with 0x3C. */
    private MemorySegment callersSegment(Fixed backing) {
        long byteSize = 3 * PAGE + 100;
        MemorySegment segment;
        if (backing == Fixed.NATIVE) {
            Arena arena = Arena.ofShared();
            resources.add(arena);
            segment = arena.allocate(byteSize, PAGE);
        } else {
            segment = MemorySegment.ofArray(new byte[(int) byteSize]);
        }
        segment.fill((byte) 0x3C);
        return segment;
    }

    private static void assertIllegalArgument(String argumentName, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(argumentName),
                () -> "message must name " + argumentName + ": " + e.getMessage());
    }

    private static void assertSizes(LinearMemory memory, long pageCount) {
        assertEquals(pageCount, memory.pageCount());
        assertEquals(pageCount * PAGE, memory.byteSize());
        assertEquals(memory.byteSize(), memory.segment().byteSize(), "segment() covers exactly byteSize()");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Growable backings

    @ParameterizedTest
    @EnumSource(Growable.class)
    void growReturnsThePreviousPageCount(Growable backing) {
        LinearMemory memory = create(backing);
        assertSizes(memory, 0);
        assertEquals(MAX_PAGES, memory.maxPageCount());
        assertEquals(MAX_PAGES * PAGE, memory.maxByteSize());
        assertEquals(0, memory.grow(1));
        assertSizes(memory, 1);
        assertEquals(1, memory.grow(2));
        assertSizes(memory, 3);
        assertEquals(3, memory.grow(0), "grow(0) is a query");
        assertSizes(memory, 3);
    }

    @ParameterizedTest
    @EnumSource(Growable.class)
    void growPastTheMaximumReturnsMinusOneAndChangesNothing(Growable backing) {
        LinearMemory memory = create(backing);
        assertEquals(0, memory.grow(3));
        for (long delta : new long[] {MAX_PAGES - 2, MAX_PAGES, 1L << 40, Long.MAX_VALUE, Long.MAX_VALUE - 2}) {
            assertEquals(-1, memory.grow(delta), "grow(" + delta + ")");
            assertSizes(memory, 3);
        }
        assertEquals(3, memory.grow(MAX_PAGES - 3), "growing to exactly the maximum succeeds");
        assertSizes(memory, MAX_PAGES);
        assertEquals(-1, memory.grow(1));
        assertEquals(MAX_PAGES, memory.grow(0));
        assertSizes(memory, MAX_PAGES);
    }

    @ParameterizedTest
    @EnumSource(Growable.class)
    void aNegativeDeltaIsRefused(Growable backing) {
        LinearMemory memory = create(backing);
        memory.grow(1);
        for (long delta : new long[] {-1, -2, Long.MIN_VALUE}) {
            assertIllegalArgument("pageCount", () -> memory.grow(delta));
            assertSizes(memory, 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Growable.class)
    void newPagesAreZeroAndOldContentsAreKept(Growable backing) {
        LinearMemory memory = create(backing);
        memory.grow(2);
        MemorySegment before = memory.segment();
        assertEquals(-1, before.mismatch(MemorySegment.ofArray(new byte[(int) (2 * PAGE)])), "first pages are zero");
        for (long at = 0; at < before.byteSize(); at += 8) {
            before.set(ValueLayout.JAVA_LONG_UNALIGNED, at, at * 31 + 7);
        }
        assertEquals(2, memory.grow(3));
        MemorySegment after = memory.segment();
        for (long at = 0; at < 2 * PAGE; at += 8) {
            assertEquals(at * 31 + 7, after.get(ValueLayout.JAVA_LONG_UNALIGNED, at), "byte " + at + " kept");
        }
        MemorySegment grown = after.asSlice(2 * PAGE);
        assertEquals(3 * PAGE, grown.byteSize());
        assertEquals(-1, grown.mismatch(MemorySegment.ofArray(new byte[(int) (3 * PAGE)])), "new pages are zero");
    }

    @ParameterizedTest
    @EnumSource(Growable.class)
    void segmentsFollowGrowsInPlace(Growable backing) {
        LinearMemory memory = create(backing);
        memory.grow(1);
        MemorySegment old = memory.segment();
        memory.grow(1);
        MemorySegment now = memory.segment();
        now.set(ValueLayout.JAVA_LONG, 64, 0x1234_5678L);
        if (memory.growsInPlace()) {
            assertEquals(0x1234_5678L, old.get(ValueLayout.JAVA_LONG, 64), "an old segment reaches the same bytes");
            assertEquals(old.address(), now.address());
        } else {
            assertNotEquals(0x1234_5678L, old.get(ValueLayout.JAVA_LONG, 64), "heap memory moved on grow");
        }
        assertEquals(backing == Growable.NATIVE || backing == Growable.FAULT_INJECTING_NATIVE,
                memory.growsInPlace());
        assertThrows(IndexOutOfBoundsException.class, () -> now.get(ValueLayout.JAVA_BYTE, 2 * PAGE),
                "the segment ends at byteSize()");
    }

    @ParameterizedTest
    @EnumSource(Growable.class)
    void closeMakesTheMemoryUnusable(Growable backing) {
        LinearMemory memory = create(backing);
        memory.grow(2);
        MemorySegment old = memory.segment();
        memory.close();
        assertThrows(IllegalStateException.class, memory::segment);
        assertThrows(IllegalStateException.class, memory::pageCount);
        assertThrows(IllegalStateException.class, memory::byteSize);
        assertEquals(-1, memory.grow(1), "a closed memory cannot grow");
        assertEquals(-1, memory.grow(0), "a closed memory cannot grow");
        memory.close(); // twice: nothing
        if (old.isNative()) {
            assertFalse(old.scope().isAlive());
            assertThrows(IllegalStateException.class, () -> old.get(ValueLayout.JAVA_BYTE, 0),
                    "native segments taken before close are inaccessible");
        }
    }

    @Test
    void maximaAreRoundedUpToWholePages() {
        LinearMemory nativeMemory = LinearMemory.ofNative(100);
        resources.add(nativeMemory);
        assertEquals(1, nativeMemory.maxPageCount());
        assertEquals(PAGE, nativeMemory.maxByteSize());
        LinearMemory heap = LinearMemory.ofHeap(3 * PAGE + 1);
        resources.add(heap);
        assertEquals(4, heap.maxPageCount());
        assertEquals(4 * PAGE, heap.maxByteSize());
        assertEquals(0, heap.grow(4));
        assertEquals(-1, heap.grow(1));
    }

    @Test
    void initialSizesAreRoundedUpToWholeZeroedPages() {
        LinearMemory nativeMemory = LinearMemory.ofNative(8 * PAGE, PAGE + 1);
        resources.add(nativeMemory);
        assertSizes(nativeMemory, 2);
        assertEquals(-1, nativeMemory.segment().mismatch(MemorySegment.ofArray(new byte[(int) (2 * PAGE)])));
        LinearMemory heap = LinearMemory.ofHeap(8 * PAGE, 3 * PAGE);
        resources.add(heap);
        assertSizes(heap, 3);
        assertEquals(-1, heap.segment().mismatch(MemorySegment.ofArray(new byte[(int) (3 * PAGE)])));
        LinearMemory full = LinearMemory.ofNative(2 * PAGE, 2 * PAGE);
        resources.add(full);
        assertSizes(full, 2);
        assertEquals(-1, full.grow(1));
    }

    @Test
    void nativeMemoryIs2MiBAligned() {
        // Memories of different sizes, all kept open, so that their bases land at different addresses.
        for (int i = 0; i < 12; i++) {
            LinearMemory memory = LinearMemory.ofNative((i + 1) * PAGE + 12345, PAGE);
            resources.add(memory);
            assertEquals(0, memory.segment().address() % (2L << 20), "base address is 2 MiB aligned");
            assertTrue(memory.segment().isNative());
        }
    }

    @Test
    void concurrentGrowsGetDistinctAdjacentRanges() throws Exception {
        int threads = 4;
        int growsPerThread = 16;
        for (LinearMemory memory : new LinearMemory[] {LinearMemory.ofNative(threads * growsPerThread * PAGE),
                LinearMemory.ofHeap(threads * growsPerThread * PAGE)}) {
            resources.add(memory);
            Set<Long> previous = new ConcurrentSkipListSet<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < growsPerThread; i++) {
                            assertTrue(previous.add(memory.grow(1)), "two grows got the same range");
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                thread.start();
                started.add(thread);
            }
            start.countDown();
            for (Thread thread : started) {
                thread.join(TimeUnit.SECONDS.toMillis(60));
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            Set<Long> expected = new TreeSet<>();
            for (long i = 0; i < threads * growsPerThread; i++) {
                expected.add(i);
            }
            assertEquals(expected, new TreeSet<>(previous), "the previous page counts are 0..n-1, each once");
            assertEquals(-1, memory.grow(1));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Releasing pages and address alignment

    @ParameterizedTest
    @EnumSource(Growable.class)
    void releasingPagesKeepsTheOtherPagesAndSaysWhetherTheReleasedOnesReadAsZero(Growable backing) {
        LinearMemory memory = create(backing);
        memory.grow(3);
        MemorySegment s = memory.segment();
        s.fill((byte) 0x5A);
        boolean zeroed = memory.releasePages(PAGE, PAGE);
        boolean nativeOnLinux = (backing == Growable.NATIVE || backing == Growable.FAULT_INJECTING_NATIVE)
                && System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("linux");
        assertEquals(nativeOnLinux, zeroed, "native memory on Linux releases (madvise), the others cannot");
        s = memory.segment();
        for (long offset = 0; offset < 3 * PAGE; offset += 4096) {
            byte expected = zeroed && offset >= PAGE && offset < 2 * PAGE ? 0 : (byte) 0x5A;
            assertEquals(expected, s.get(ValueLayout.JAVA_BYTE, offset), "byte at " + offset);
        }
        assertSizes(memory, 3);
        s.set(ValueLayout.JAVA_LONG, PAGE, 42L);
        assertEquals(42L, memory.segment().get(ValueLayout.JAVA_LONG, PAGE), "released pages stay usable");
        assertFalse(memory.releasePages(2 * PAGE, 0), "an empty range releases nothing");
    }

    @ParameterizedTest
    @EnumSource(Growable.class)
    void releasingAnythingButWholePagesInsideTheMemoryIsRefusedAndChangesNothing(Growable backing) {
        LinearMemory memory = create(backing);
        memory.grow(2);
        memory.segment().fill((byte) 7);
        assertIllegalArgument("offset", () -> memory.releasePages(1, PAGE));
        assertIllegalArgument("offset", () -> memory.releasePages(-PAGE, PAGE));
        assertIllegalArgument("offset", () -> memory.releasePages(3 * PAGE, 0));
        assertIllegalArgument("byteSize", () -> memory.releasePages(0, PAGE + 8));
        assertIllegalArgument("byteSize", () -> memory.releasePages(PAGE, 2 * PAGE));
        assertIllegalArgument("byteSize", () -> memory.releasePages(0, -PAGE));
        assertIllegalArgument("byteSize", () -> memory.releasePages(PAGE, Long.MAX_VALUE & -PAGE));
        assertEquals((byte) 7, memory.segment().get(ValueLayout.JAVA_BYTE, PAGE + 5), "nothing was released");
        memory.close();
        assertThrows(IllegalStateException.class, () -> memory.releasePages(0, PAGE));
    }

    @Test
    void addressAlignmentIsWhatEachBackingGuarantees() {
        LinearMemory nativeMemory = create(Growable.NATIVE);
        assertEquals(2L << 20, nativeMemory.addressAlignment(), "2 MiB, a huge page");
        nativeMemory.grow(1);
        assertEquals(0, nativeMemory.segment().address() % nativeMemory.addressAlignment());
        assertEquals(Long.BYTES, create(Growable.HEAP).addressAlignment());
        assertEquals(2L << 20, create(Growable.FAULT_INJECTING_NATIVE).addressAlignment(), "the delegate's");
        LinearMemory fixedNative = LinearMemory.of(callersSegment(Fixed.NATIVE));
        resources.add(fixedNative);
        assertTrue(fixedNative.addressAlignment() >= PAGE, "the segment was allocated 64 KiB aligned");
        assertEquals(0, fixedNative.segment().address() % fixedNative.addressAlignment());
        Arena arena = Arena.ofConfined();
        resources.add(arena);
        MemorySegment odd = arena.allocate(4096, 64).asSlice(8);
        LinearMemory fixedOdd = LinearMemory.of(odd);
        resources.add(fixedOdd);
        assertEquals(8, fixedOdd.addressAlignment(), "a segment starting 8 bytes past a 64-byte boundary");
        assertEquals(1, LinearMemory.of(MemorySegment.ofArray(new byte[100])).addressAlignment());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fixed backings

    @ParameterizedTest
    @EnumSource(Fixed.class)
    void aCallersSegmentCannotGrowAndKeepsItsContents(Fixed backing) {
        MemorySegment segment = callersSegment(backing);
        LinearMemory memory = LinearMemory.of(segment);
        resources.add(memory);
        assertEquals(3, memory.pageCount(), "whole pages, rounded down");
        assertEquals(3, memory.maxPageCount());
        assertEquals(segment.byteSize(), memory.byteSize(), "every byte of the segment");
        assertEquals(segment.byteSize(), memory.maxByteSize());
        assertEquals(segment.byteSize(), memory.segment().byteSize());
        assertTrue(memory.growsInPlace());
        assertEquals(-1, memory.grow(1));
        assertEquals(-1, memory.grow(Long.MAX_VALUE));
        assertEquals(3, memory.grow(0));
        assertIllegalArgument("pageCount", () -> memory.grow(-1));
        assertEquals((byte) 0x3C, memory.segment().get(ValueLayout.JAVA_BYTE, 12345), "contents are the caller's");
        memory.segment().set(ValueLayout.JAVA_BYTE, 7, (byte) 1);
        assertEquals((byte) 1, segment.get(ValueLayout.JAVA_BYTE, 7), "the memory is the caller's segment");
    }

    @ParameterizedTest
    @EnumSource(Fixed.class)
    void closingAFixedMemoryLeavesTheCallersSegmentAlone(Fixed backing) {
        MemorySegment segment = callersSegment(backing);
        LinearMemory memory = LinearMemory.of(segment);
        memory.close();
        assertThrows(IllegalStateException.class, memory::segment);
        assertEquals(-1, memory.grow(0));
        assertEquals(-1, memory.grow(1));
        memory.close();
        assertEquals((byte) 0x3C, segment.get(ValueLayout.JAVA_BYTE, 0), "the caller's segment is still usable");
    }

    @ParameterizedTest
    @EnumSource(Fixed.class)
    void aClosedFixedMemoryRefusesSizeQueries(Fixed backing) {
        // LinearMemory documents IllegalStateException from pageCount() and byteSize() once closed.
        LinearMemory memory = LinearMemory.of(callersSegment(backing));
        memory.close();
        assertThrows(IllegalStateException.class, memory::pageCount);
        assertThrows(IllegalStateException.class, memory::byteSize);
    }

    @Test
    void aReadOnlySegmentIsRefused() {
        MemorySegment readOnly = MemorySegment.ofArray(new byte[100]).asReadOnly();
        assertThrows(IllegalArgumentException.class, () -> LinearMemory.of(readOnly));
    }

    @Test
    void anOddSizedSegmentSmallerThanAPageIsAllUsable() {
        LinearMemory memory = LinearMemory.of(MemorySegment.ofArray(new byte[1000]));
        assertEquals(0, memory.pageCount());
        assertEquals(1000, memory.byteSize());
        assertEquals(1000, memory.segment().byteSize());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fault injection

    @Test
    void faultInjectionRefusesTheChosenGrowCalls() {
        LinearMemory delegate = LinearMemory.ofNative(16 * PAGE);
        FaultInjectingLinearMemory memory = (FaultInjectingLinearMemory) LinearMemory.ofFaultInjecting(delegate,
                call -> call == 1 || call >= 3);
        resources.add(memory);
        assertEquals(0, memory.grow(1), "call 0 passes");
        assertEquals(1, memory.grow(0), "queries are neither counted nor refused");
        assertEquals(-1, memory.grow(1), "call 1 refused");
        assertEquals(1, memory.pageCount(), "a refused grow grows nothing");
        assertEquals(1, memory.grow(2), "call 2 passes");
        assertEquals(-1, memory.grow(1), "call 3 refused");
        assertEquals(-1, memory.grow(1), "call 4 refused");
        assertEquals(5, memory.growCalls());
        assertEquals(3, memory.pageCount());
        assertEquals(3, delegate.pageCount());
        assertIllegalArgument("pageCount", () -> memory.grow(-1));
        assertEquals(delegate.segment().address(), memory.segment().address());
        assertEquals(delegate.maxPageCount(), memory.maxPageCount());
        assertEquals(delegate.growsInPlace(), memory.growsInPlace());
        memory.close();
        assertThrows(IllegalStateException.class, delegate::segment, "closing it closes the delegate");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Factory checks

    @Test
    void factoriesCheckTheirArguments() {
        for (long bad : new long[] {0, -1, Long.MIN_VALUE, (1L << 47) + 1, Long.MAX_VALUE}) {
            assertIllegalArgument("maxByteSize", () -> LinearMemory.ofNative(bad));
        }
        for (long bad : new long[] {0, -1, (1L << 33) + 1, Long.MAX_VALUE}) {
            assertIllegalArgument("maxByteSize", () -> LinearMemory.ofHeap(bad));
        }
        for (long bad : new long[] {-1, 2 * PAGE + 1, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertIllegalArgument("initialByteSize", () -> LinearMemory.ofNative(2 * PAGE, bad));
            assertIllegalArgument("initialByteSize", () -> LinearMemory.ofHeap(2 * PAGE, bad));
        }
        assertThrows(NullPointerException.class, () -> LinearMemory.of(null));
        assertThrows(NullPointerException.class, () -> LinearMemory.ofFaultInjecting(null, call -> false));
        LinearMemory memory = LinearMemory.ofHeap(PAGE);
        assertThrows(NullPointerException.class, () -> LinearMemory.ofFaultInjecting(memory, null));
    }

    @Test
    void heapMemoryRefusesAnInitialSizeTheJavaHeapCanNeverHold() {
        // Issue 13, defect 10: ofHeap(2^33, 2^33) threw OutOfMemoryError: Java heap space, depending on -Xmx.
        long javaHeap = Runtime.getRuntime().maxMemory();
        assumeTrue(javaHeap < 1L << 33, "the Java heap could hold 8 GiB (maxMemory " + javaHeap + ")");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearMemory.ofHeap(1L << 33, 1L << 33));
        assertTrue(e.getMessage().contains("initialByteSize") && e.getMessage().contains("Runtime.maxMemory()"),
                e.getMessage());
        // The maximum alone is a limit, not a request: it stays allowed, and grows past the Java heap are refused.
        LinearMemory memory = LinearMemory.ofHeap(1L << 33, PAGE);
        resources.add(memory);
        assertEquals(-1, memory.grow((1L << 33) / PAGE - 1));
        assertEquals(1, memory.pageCount());
    }

    @Test
    void heapMemoryGrowsGeometricallyNotByCopyingEveryPage() {
        // Allocators grow by exactly the pages they lack; copying the whole array each time would be quadratic.
        LinearMemory memory = LinearMemory.ofHeap(1024 * PAGE);
        resources.add(memory);
        int copies = 0;
        Object array = null;
        for (int page = 0; page < 1024; page++) {
            assertEquals(page, memory.grow(1));
            Object now = memory.segment().heapBase().orElseThrow();
            if (now != array) {
                copies++;
                array = now;
            }
            memory.segment().set(ValueLayout.JAVA_BYTE, page * PAGE, (byte) page);
        }
        assertTrue(copies <= 20, "1024 one-page grows copied the array " + copies + " times");
        for (int page = 0; page < 1024; page++) {
            assertEquals((byte) page, memory.segment().get(ValueLayout.JAVA_BYTE, page * PAGE), "page " + page);
            assertEquals(0, memory.segment().get(ValueLayout.JAVA_BYTE, page * PAGE + 1), "new bytes are zero");
        }
    }

    @Test
    @ExtendWith(OutOfMemoryAsFailure.class) // a refused reservation is this test failing, not a dead fork
    void aHugeNativeMaximumOnlyReservesAddressSpace() {
        // 16 TiB is far more than this machine has: reserving it must cost address space only, and the pages grown
        // into it are usable as ever.
        LinearMemory memory = LinearMemory.ofNative(1L << 44);
        resources.add(memory);
        assertEquals(0, memory.grow(2));
        memory.segment().set(ValueLayout.JAVA_LONG, 2 * PAGE - 8, 42L);
        assertEquals(42L, memory.segment().get(ValueLayout.JAVA_LONG, 2 * PAGE - 8));
    }

    @Test
    @ExtendWith(OutOfMemoryAsFailure.class) // a refused reservation is this test failing, not a dead fork
    void closingANativeMemoryGivesItsAddressSpaceBack() {
        // 300 reservations of 1 TiB, one after another, need 300 TiB of address space unless each close unmaps its
        // range: more than a 47-bit user address space (128 TiB) holds.
        for (int i = 0; i < 300; i++) {
            LinearMemory memory = LinearMemory.ofNative(1L << 40, PAGE);
            memory.segment().set(ValueLayout.JAVA_LONG, 0, i);
            memory.close();
        }
    }
}
