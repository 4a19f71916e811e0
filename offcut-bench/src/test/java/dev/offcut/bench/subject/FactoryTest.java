package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Catalog;
import dev.offcut.bench.Measurement;
import dev.offcut.bench.RunSettings;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe tells "cannot run here" (linkage) from "broken" (anything else), and broken pairs fail. */
class FactoryTest {

    private static SubjectFactory opening(LongFunction<Subject> open) {
        return Factory.named("probe-test", "a test subject").can(Capability.FREES).open(open).build();
    }

    @Test
    void aMissingNativeLibraryOrClassMeansUnavailable() {
        SubjectFactory noLibrary = opening(size -> {
            throw new UnsatisfiedLinkError("no libjemalloc.so in java.library.path");
        });
        assertEquals(Optional.of("UnsatisfiedLinkError: no libjemalloc.so in java.library.path"),
                noLibrary.unavailableReason());
        assertEquals(Optional.empty(), noLibrary.failure());
        SubjectFactory noClass = opening(size -> {
            throw new ExceptionInInitializerError(new NoClassDefFoundError("org/lwjgl/Thing"));
        });
        assertTrue(noClass.unavailableReason().orElseThrow().contains("org/lwjgl/Thing"));
        assertEquals(Optional.empty(), noClass.failure());
    }

    @Test
    void anyOtherThrowableIsAFailureWithItsMessage() {
        SubjectFactory broken = opening(size -> {
            throw new IllegalStateException("bin bitmap disagrees at offset 128");
        });
        assertEquals(Optional.empty(), broken.unavailableReason());
        assertEquals(Optional.of("probe: IllegalStateException: bin bitmap disagrees at offset 128"),
                broken.failure());
        SubjectFactory mismatched = opening(size -> {
            throw new NoSuchMethodError("dev.offcut.Allocator.binned");
        });
        assertEquals(Optional.empty(), mismatched.unavailableReason(), "mismatched jars are a bug, not absence");
        assertTrue(mismatched.failure().isPresent());
    }

    @Test
    void aFreshSubjectThatCannotAllocateIsAFailure() {
        SubjectFactory empty = opening(size -> new Subject() {
            @Override
            public long allocate(long byteSize, long byteAlignment) {
                return 0;
            }

            @Override
            public void free(long handle, long byteSize, long byteAlignment) {
            }

            @Override
            public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
                return 0;
            }

            @Override
            public void touch(long handle, long byteSize) {
            }

            @Override
            public void close() {
            }
        });
        assertEquals(Optional.empty(), empty.unavailableReason());
        assertTrue(empty.failure().orElseThrow().contains("could not allocate 64 bytes"));
    }

    @Test
    void aBrokenSubjectsPairsFailWithTheProbesMessage() {
        SubjectFactory broken = opening(size -> {
            throw new IllegalStateException("heap corrupt");
        });
        Measurement m = Catalog.workload("pair(64)").run(broken, RunSettings.SMOKE);
        assertFalse(m.ok());
        assertTrue(m.note().startsWith("failed: probe: IllegalStateException: heap corrupt"), m.note());
    }
}
