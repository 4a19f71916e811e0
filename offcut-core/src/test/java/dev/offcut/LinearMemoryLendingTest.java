package dev.offcut;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinearMemory#segment(Arena)}: a native memory lends its bytes to another scope, and its address space is
 * given back only when the last scope that can reach it closes, whichever closes first.
 */
class LinearMemoryLendingTest {

    private static final long PAGE = LinearMemory.PAGE_BYTE_SIZE;

    @Test
    void aLentSegmentIsTheMemorysBytesInTheBorrowersScope() {
        try (LinearMemory memory = LinearMemory.ofNative(16 * PAGE, 2 * PAGE); Arena borrower = Arena.ofConfined()) {
            MemorySegment lent = memory.segment(borrower);
            assertEquals(memory.segment().address(), lent.address());
            assertEquals(memory.byteSize(), lent.byteSize());
            assertEquals(borrower.scope(), lent.scope());
            lent.set(ValueLayout.JAVA_LONG, PAGE, 42L);
            assertEquals(42L, memory.segment().get(ValueLayout.JAVA_LONG, PAGE), "the same bytes");
            assertThrows(IndexOutOfBoundsException.class, () -> lent.get(ValueLayout.JAVA_BYTE, 2 * PAGE),
                    "no further than the committed pages");
            memory.grow(1);
            assertEquals(2 * PAGE, lent.byteSize(), "a lent segment does not follow grows");
            assertEquals(3 * PAGE, memory.segment(borrower).byteSize(), "lending again shows them");
        }
    }

    @Test
    void closingTheMemoryFirstLeavesLentSegmentsAccessibleUntilTheBorrowerCloses() {
        LinearMemory memory = LinearMemory.ofNative(16 * PAGE, PAGE);
        Arena borrower = Arena.ofConfined();
        MemorySegment lent = memory.segment(borrower);
        MemorySegment own = memory.segment();
        lent.set(ValueLayout.JAVA_LONG, 8, 7L);
        memory.close();
        assertThrows(IllegalStateException.class, () -> own.get(ValueLayout.JAVA_LONG, 8), "the memory's scope ended");
        assertThrows(IllegalStateException.class, () -> memory.segment(borrower), "a closed memory lends nothing");
        assertEquals(7L, lent.get(ValueLayout.JAVA_LONG, 8), "the pages are still mapped for the borrower");
        borrower.close();
        assertThrows(IllegalStateException.class, () -> lent.get(ValueLayout.JAVA_LONG, 8));
    }

    @Test
    @ExtendWith(OutOfMemoryAsFailure.class) // a refused reservation is this test failing, not a dead fork
    void theAddressSpaceIsGivenBackWhenTheLastScopeCloses() {
        // 300 reservations of 1 TiB need 300 TiB of address space unless each is unmapped once its memory and every
        // borrower are closed: more than a 47-bit user address space (128 TiB) holds. Both orders, several borrowers,
        // and borrowers lent to more than once (which must not hold the range twice).
        for (int i = 0; i < 300; i++) {
            LinearMemory memory = LinearMemory.ofNative(1L << 40, PAGE);
            Arena first = Arena.ofConfined();
            Arena second = Arena.ofShared();
            memory.segment(first).set(ValueLayout.JAVA_LONG, 0, i);
            memory.grow(1);
            MemorySegment again = memory.segment(first);
            MemorySegment other = memory.segment(second);
            if (i % 2 == 0) {
                memory.close();
                first.close();
                assertEquals(i, other.get(ValueLayout.JAVA_LONG, 0), "the second borrower still holds the pages");
                second.close();
            } else {
                first.close();
                second.close();
                assertEquals(i, memory.segment().get(ValueLayout.JAVA_LONG, 0));
                memory.close();
            }
            assertFalse(again.scope().isAlive());
        }
    }

    @Test
    void onlyNativeMemoryLends() {
        try (Arena borrower = Arena.ofConfined(); Arena callers = Arena.ofConfined()) {
            assertThrows(UnsupportedOperationException.class, () -> LinearMemory.ofHeap(PAGE, PAGE).segment(borrower));
            assertThrows(UnsupportedOperationException.class,
                    () -> LinearMemory.of(callers.allocate(PAGE)).segment(borrower));
            try (LinearMemory faultInjecting = LinearMemory.ofFaultInjecting(LinearMemory.ofNative(PAGE, PAGE),
                    call -> false)) {
                assertEquals(borrower.scope(), faultInjecting.segment(borrower).scope(), "as its delegate does");
            }
            try (LinearMemory memory = LinearMemory.ofNative(PAGE)) {
                assertThrows(NullPointerException.class, () -> memory.segment(null));
            }
        }
    }

    @Test
    void aClosedOrForeignBorrowerIsRefusedAndHoldsNothing() throws Exception {
        try (LinearMemory memory = LinearMemory.ofNative(4 * PAGE, PAGE)) {
            Arena closed = Arena.ofConfined();
            closed.close();
            assertThrows(IllegalStateException.class, () -> memory.segment(closed));
            AtomicReference<Arena> othersArena = new AtomicReference<>();
            Thread other = Thread.ofPlatform().start(() -> othersArena.set(Arena.ofConfined()));
            other.join();
            assertThrows(WrongThreadException.class, () -> memory.segment(othersArena.get()));
            assertTrue(memory.segment().scope().isAlive(), "the memory is unchanged");
        }
    }
}
