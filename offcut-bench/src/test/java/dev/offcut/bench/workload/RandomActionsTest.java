package dev.offcut.bench.workload;

import dev.offcut.Allocator;
import dev.offcut.bench.Subject;
import dev.offcut.bench.subject.OffcutSubjects;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The measured phase of random actions starts as talc's does: on an empty live set, from the first action. */
class RandomActionsTest {

    /** Counts live blocks over a real Offcut allocator. */
    private static final class CountingSubject implements Subject {
        final Subject inner = OffcutSubjects.open(16L << 20, Allocator::freeList);
        final Set<Long> live = new HashSet<>();

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            long handle = inner.allocate(byteSize, byteAlignment);
            if (handle != 0) {
                live.add(handle);
            }
            return handle;
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            assertTrue(live.remove(handle), "freed a block that is not live");
            inner.free(handle, byteSize, byteAlignment);
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            long moved = inner.reallocate(handle, oldByteSize, newByteSize, byteAlignment);
            if (moved != 0) {
                live.remove(handle);
                live.add(moved);
            }
            return moved;
        }

        @Override
        public void touch(long handle, long byteSize) {
            inner.touch(handle, byteSize);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void restartFreesTheWarmUpsBlocksAndReplaysFromTheFirstAction() {
        try (CountingSubject subject = new CountingSubject()) {
            RandomActions actions = new RandomActions(subject, 1000, true, 42);
            int firstScore = actions.act(5000);
            assertTrue(actions.liveCount() >= RandomActions.LIVE_FLOOR, "warm-up built a live set");
            assertEquals(actions.liveCount(), subject.live.size());
            actions.restart();
            assertEquals(0, actions.liveCount());
            assertEquals(0, subject.live.size(), "the subject holds no warm-up block");
            assertEquals(0, actions.failures());
            assertEquals(firstScore, actions.act(5000), "the same actions from the start, on an empty live set");
            actions.releaseAll();
            assertEquals(0, subject.live.size());
        }
    }
}
