package dev.offcut.internal.binned;

import dev.offcut.Allocator;
import dev.offcut.LinearMemory;
import dev.offcut.MemorySource;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sources as records: value equality, the names they print, and the two properties the allocator asks. */
class MemorySourcesTest {

    @Test
    void sourcesCompareByValue() {
        assertSame(MemorySource.manual(), MemorySource.manual());
        assertSame(MemorySource.growAndExtend(), MemorySource.growAndExtend());
        assertSame(MemorySource.growAndClaim(), MemorySource.growAndClaim());
        assertEquals(MemorySource.claim(64, 4096), MemorySource.claim(64, 4096));
        assertEquals(MemorySource.claim(64, 4096).hashCode(), MemorySource.claim(64, 4096).hashCode());
        assertNotEquals(MemorySource.claim(64, 4096), MemorySource.claim(64, 8192));
        Allocator parent = Allocator.failing();
        assertEquals(MemorySource.fromParent(parent), MemorySource.fromParent(parent));
        assertNotEquals(MemorySource.fromParent(parent), MemorySource.fromParent(Allocator.failing()));
        assertNotEquals(MemorySource.growAndExtend(), MemorySource.growAndClaim());
    }

    @Test
    void sourcesPrintTheirFactory() {
        assertEquals("MemorySource.manual()", MemorySource.manual().toString());
        assertEquals("MemorySource.claim(64, 4096)", MemorySource.claim(64, 4096).toString());
        assertEquals("MemorySource.growAndExtend()", MemorySource.growAndExtend().toString());
        assertEquals("MemorySource.growAndClaim()", MemorySource.growAndClaim().toString());
        Allocator parent = Allocator.freeList(LinearMemory.ofHeap(1 << 20));
        assertEquals("MemorySource.fromParent(" + parent + ")", MemorySource.fromParent(parent).toString());
    }

    @Test
    void growingAndParent() {
        assertTrue(MemorySources.growing(MemorySource.growAndExtend()));
        assertTrue(MemorySources.growing(MemorySource.growAndClaim()));
        assertFalse(MemorySources.growing(MemorySource.manual()));
        assertFalse(MemorySources.growing(MemorySource.claim(0, 0)));
        Allocator parent = Allocator.failing();
        assertFalse(MemorySources.growing(MemorySource.fromParent(parent)));
        assertSame(parent, MemorySources.parentOf(MemorySource.fromParent(parent)));
        assertEquals(null, MemorySources.parentOf(MemorySource.manual()));
    }
}
