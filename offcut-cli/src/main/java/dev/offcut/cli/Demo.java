package dev.offcut.cli;

import dev.offcut.Allocator;
import dev.offcut.LinearMemory;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** {@code offcut demo}: a few lines of the allocator API, with what each step did. */
final class Demo {

    private Demo() {
    }

    /**
     * Allocates, writes, reallocates and frees one block in native linear memory, printing the statistics.
     *
     * @param out where to print
     * @return {@link Main#EXIT_OK}
     */
    static int run(PrintStream out) {
        try (LinearMemory memory = LinearMemory.ofNative(16 * LinearMemory.PAGE_BYTE_SIZE)) {
            Allocator allocator = Allocator.binned(memory);
            byte[] greeting = "hello, linear memory".getBytes(StandardCharsets.UTF_8);

            long offset = allocator.allocate(greeting.length, 8);
            MemorySegment.copy(greeting, 0, memory.segment(), ValueLayout.JAVA_BYTE, offset, greeting.length);
            out.println("allocate(" + greeting.length + ", 8) -> offset " + offset);

            long moved = allocator.reallocate(offset, 4096, 8);
            String kept = new String(memory.segment().asSlice(moved, greeting.length).toArray(ValueLayout.JAVA_BYTE),
                    StandardCharsets.UTF_8);
            out.println("reallocate to 4096 bytes -> offset " + moved + ", contents kept: \"" + kept + "\"");
            out.println("stats: " + allocator.stats());

            allocator.free(moved);
            allocator.verify();
            out.println("free -> " + allocator.stats().allocationCount() + " live blocks, heap verified");
        }
        return Main.EXIT_OK;
    }
}
