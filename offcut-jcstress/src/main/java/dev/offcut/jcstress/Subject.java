package dev.offcut.jcstress;

import dev.offcut.Allocator;
import dev.offcut.LinearMemory;

import java.util.function.Function;

/** The thread-safe allocators under test; each test class has one nested test per subject. */
enum Subject {

    /** {@code Allocator.locked(Allocator.binned(memory))}: one monitor; every bad free is refused at once. */
    LOCKED_BINNED(memory -> Allocator.locked(Allocator.binned(memory))),

    /**
     * {@code Allocator.concurrent(memory)}: per-thread heaps, remote frees. Of two racing frees of one block, at least
     * one is refused at once, or both are accepted and the owner drops one when it collects remote frees or is about
     * to hand the block out again; {@code verify()} then reports it (see {@link Heap#settleRacingFrees}).
     */
    CONCURRENT(Allocator::concurrent);

    private final Function<LinearMemory, Allocator> factory;

    Subject(Function<LinearMemory, Allocator> factory) {
        this.factory = factory;
    }

    Allocator create(LinearMemory memory) {
        return factory.apply(memory);
    }
}
