package dev.offcut;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The derived counters and the table of {@link AllocatorStats}. */
class AllocatorStatsTest {

    @Test
    void derivedCountersFollowFromTheFields() {
        AllocatorStats stats = new AllocatorStats(3, 10, 300, 1000, 500, 2, 1, 2, 1024, 4096, 65536);
        assertEquals(1024 - 500 - 300, stats.overheadBytes());
        assertEquals(700, stats.freedBytes());
        assertEquals(7, stats.freedCount());
        assertEquals(stats.claimedBytes(), stats.availableBytes() + stats.allocatedBytes() + stats.overheadBytes());
    }

    @Test
    void theTableNamesEveryCounter() {
        String table = new AllocatorStats(3, 10, 300, 1000, 500, 2, 1, 2, 1024, 4096, 65536).toString();
        for (String name : new String[] {"allocations", "allocated bytes", "freed", "heaps", "claimed bytes",
                "available bytes", "fragments", "overhead bytes", "memory bytes"}) {
            assertTrue(table.contains(name), name + " missing from\n" + table);
        }
        assertTrue(table.contains("65,536") || table.contains("65536"), table);
        assertTrue(table.lines().count() >= 10, table);
    }
}
