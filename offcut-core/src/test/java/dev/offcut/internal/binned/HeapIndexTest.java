package dev.offcut.internal.binned;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link HeapIndex} against a {@link TreeSet}: random, ascending and descending adds and removes, every query. */
class HeapIndexTest {

    private static long orNull(Long value) {
        return value == null ? BinnedLayout.NULL : value;
    }

    @Test
    void behavesAsAnOrderedSet() {
        SplittableRandom random = new SplittableRandom(3);
        for (int pattern = 0; pattern < 3; pattern++) {
            HeapIndex index = new HeapIndex(random.nextLong());
            TreeSet<Long> model = new TreeSet<>();
            long next = pattern == 2 ? 1L << 40 : 8;
            for (int step = 0; step < 40_000; step++) {
                if (model.isEmpty() || random.nextInt(3) > 0) {
                    long heap = switch (pattern) {
                        case 0 -> 8 * random.nextLong(1, 1L << 20);
                        case 1 -> next += 8 * random.nextInt(1, 100);  // ascending, as grown heaps are
                        default -> next -= 8 * random.nextInt(1, 100); // descending
                    };
                    if (model.add(heap)) {
                        index.add(heap);
                    }
                } else {
                    long heap = random.nextBoolean() ? model.last()
                            : orNull(model.floor(8 * random.nextLong(1L << 20)));
                    if (heap != BinnedLayout.NULL) {
                        model.remove(heap);
                        index.remove(heap);
                    }
                }
                long probe = 8 * random.nextLong(1L << 20) + random.nextInt(8);
                assertEquals(orNull(model.floor(probe)), index.floor(probe));
                assertEquals(orNull(model.lower(probe)), index.lower(probe));
                assertEquals(model.contains(probe), index.contains(probe));
                assertEquals(model.isEmpty() ? BinnedLayout.NULL : model.last(), index.last());
                assertEquals(model.size(), index.size());
            }
        }
    }
}
