package dev.offcut.internal.concurrent;

import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.AllocatorStats;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract for {@code Allocator.confined(Allocator.bump(memory))}, plus the thread confinement. */
class ConfinedAllocatorTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.confined(Allocator.bump(memory));
    }

    @Override
    protected boolean reusesFreedMemory() {
        return false;
    }

    @Override
    protected boolean answersSomeCallsWithoutItsMemory() {
        return true; // a bump allocator inside
    }

    @Override
    protected BadFreeResponse badFree(BadFree kind) {
        return kind == BadFree.FOREIGN ? BadFreeResponse.REFUSED : BadFreeResponse.TOLERATED;
    }

    /** Runs {@code call} on a new thread and returns what it threw, or null. */
    private static Throwable onOtherThread(Executable call) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                call.execute();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!thread.isAlive(), "the other thread is stuck");
        return thrown.get();
    }

    @Test
    void everyCallFromAnotherThreadIsRefusedAndChangesNothing() throws Exception {
        Allocator allocator = open();
        LiveBlocks model = new LiveBlocks(allocator);
        long offset = allocator.allocate(100, 8);
        model.add(offset, 100, 8);
        AllocatorStats before = allocator.stats();
        long memoryByteSize = allocator.memory().byteSize();
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("tryAllocate", () -> allocator.tryAllocate(8, 8));
        calls.put("tryAllocateZeroed", () -> allocator.tryAllocateZeroed(8, 8));
        calls.put("allocate", () -> allocator.allocate(8));
        calls.put("allocateZeroed", () -> allocator.allocateZeroed(8, 8));
        calls.put("big allocate", () -> allocator.allocate(10L << 20, 8));
        calls.put("free", () -> allocator.free(offset));
        calls.put("sized free", () -> allocator.free(offset, 100));
        calls.put("free(0)", () -> allocator.free(Allocator.NULL));
        calls.put("tryReallocate", () -> allocator.tryReallocate(offset, 5000, 8));
        calls.put("reallocate", () -> allocator.reallocate(offset, 5000));
        calls.put("stats", allocator::stats);
        calls.put("verify", allocator::verify);
        calls.put("bad arguments", () -> allocator.tryAllocate(-1, 3));
        for (Map.Entry<String, Executable> call : calls.entrySet()) {
            Throwable thrown = onOtherThread(call.getValue());
            assertNotNull(thrown, call.getKey() + " from another thread must throw");
            assertInstanceOf(WrongThreadException.class, thrown, call.getKey() + " threw " + thrown);
        }
        assertEquals(before, allocator.stats(), "refused calls reach nothing");
        assertEquals(memoryByteSize, allocator.memory().byteSize(), "refused calls reach nothing");
        model.checkAll();
        // The memory itself is thread-safe and not confined.
        assertEquals(null, onOtherThread(() -> allocator.memory().byteSize()));
        // The owner goes on as before.
        model.add(allocator.allocate(64, 8), 64, 8);
        model.checkAll();
    }

    @Test
    void theThreadThatConfinesOwnsIt() throws Exception {
        LinearMemory memory = track(LinearMemory.ofNative(1L << 20));
        AtomicReference<Allocator> confined = new AtomicReference<>();
        AtomicReference<Long> offset = new AtomicReference<>();
        Throwable thrown = onOtherThread(() -> {
            Allocator allocator = Allocator.confined(Allocator.bump(memory));
            confined.set(allocator);
            offset.set(allocator.allocate(32, 8));
            allocator.verify();
        });
        assertEquals(null, thrown, "the creating thread may use it");
        assertTrue(offset.get() != Allocator.NULL);
        Allocator allocator = confined.get();
        Throwable e = org.junit.jupiter.api.Assertions.assertThrows(WrongThreadException.class,
                () -> allocator.allocate(8));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }
}
