package dev.offcut.internal.debug;

import dev.offcut.internal.simple.FreeListLayout;
import dev.offcut.Allocator;
import dev.offcut.AllocatorContractTest;
import dev.offcut.LinearMemory;
import dev.offcut.LiveBlocks;

import org.junit.jupiter.api.Test;

import dev.offcut.AllocatorStats;

import java.lang.foreign.ValueLayout;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract for {@code Allocator.checked(Allocator.freeList(memory))}: every bad free is refused. */
class UnsyncCheckedAllocatorTest extends AllocatorContractTest {

    @Override
    protected Allocator newAllocator(LinearMemory memory) {
        return Allocator.checked(Allocator.freeList(memory));
    }

    @Test
    void aForgedHeaderThatFoolsTheFreeListIsRefused() {
        Allocator allocator = newAllocator(track(LinearMemory.ofNative(1L << 20)));
        LiveBlocks model = new LiveBlocks(allocator);
        long victim = allocator.allocate(256, 16);
        model.add(victim, 256, 16);
        long forged = victim + 16;
        var memory = allocator.memory().segment();
        memory.set(ValueLayout.JAVA_LONG_UNALIGNED, forged - 8, FreeListLayout.allocatedHeader(8));
        memory.set(ValueLayout.JAVA_LONG_UNALIGNED, forged - 8 + FreeListLayout.chunkByteSize(8),
                FreeListLayout.allocatedHeader(8));
        model.adoptContents(victim);
        var before = allocator.stats();
        assertThrows(IllegalArgumentException.class, () -> allocator.free(forged));
        assertEquals(before, allocator.stats());
        model.checkAll();
    }

    /** A delegate that forwards to a real bump allocator, with one answer falsified. */
    private static class Forwarding implements Allocator {
        final Allocator real;

        Forwarding(Allocator real) {
            this.real = real;
        }

        @Override
        public LinearMemory memory() {
            return real.memory();
        }

        @Override
        public long tryAllocate(long byteSize, long byteAlignment) {
            return real.tryAllocate(byteSize, byteAlignment);
        }

        @Override
        public long tryAllocateZeroed(long byteSize, long byteAlignment) {
            return real.tryAllocateZeroed(byteSize, byteAlignment);
        }

        @Override
        public void free(long offset) {
            real.free(offset);
        }

        @Override
        public void free(long offset, long byteSize) {
            real.free(offset, byteSize);
        }

        @Override
        public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
            return real.tryReallocate(offset, newByteSize, byteAlignment);
        }

        @Override
        public AllocatorStats stats() {
            return real.stats();
        }

        @Override
        public void verify() {
            real.verify();
        }
    }

    private Allocator checkedBroken(UnaryOperator<Allocator> breaker) {
        return Allocator.checked(breaker.apply(Allocator.bump(track(LinearMemory.ofNative(1L << 20)))));
    }

    private static void assertCaught(Runnable call, String what) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call::run, what);
        assertTrue(e.getMessage().startsWith("checked mode"), e.getMessage());
    }

    @Test
    void aMisalignedAnswerIsCaught() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public long tryAllocate(long byteSize, long byteAlignment) {
                return real.tryAllocate(byteSize + 1, 1) | 1; // odd
            }
        });
        assertCaught(() -> allocator.allocate(8, 8), "misaligned");
    }

    @Test
    void anOverlappingAnswerIsCaught() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            long first = NULL;

            @Override
            public long tryAllocate(long byteSize, long byteAlignment) {
                if (first == NULL) {
                    first = real.tryAllocate(byteSize, byteAlignment);
                }
                return first; // the same block every time
            }
        });
        allocator.allocate(64, 8);
        assertCaught(() -> allocator.allocate(64, 8), "overlap");
    }

    @Test
    void aDirtyZeroedBlockIsCaught() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public long tryAllocateZeroed(long byteSize, long byteAlignment) {
                long offset = real.tryAllocate(byteSize, byteAlignment);
                real.memory().segment().asSlice(offset, byteSize).fill((byte) 1);
                return offset;
            }
        });
        assertCaught(() -> allocator.allocateZeroed(16, 8), "not zero");
    }

    @Test
    void aReallocationThatLosesBytesIsCaught() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
                return real.tryAllocate(newByteSize, byteAlignment); // moves without copying
            }
        });
        long offset = allocator.allocate(32, 8);
        allocator.memory().segment().asSlice(offset, 32).fill((byte) 7);
        assertCaught(() -> allocator.reallocate(offset, 64, 8), "lost bytes");
    }

    @Test
    void aFailedReallocationThatChangesTheBlockIsCaught() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
                real.memory().segment().set(ValueLayout.JAVA_BYTE, offset + 3, (byte) 0); // scribbles, then fails
                return NULL;
            }
        });
        long offset = allocator.allocate(32, 8);
        allocator.memory().segment().asSlice(offset, 32).fill((byte) 7);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> allocator.tryReallocate(offset, 64, 8));
        assertTrue(e.getMessage().contains("failed reallocation changed byte 3"), e.getMessage());
    }

    @Test
    void aReallocationKeepingMoreThanAnArrayHoldsIsChecked() {
        // The kept bytes were once copied into a byte[], which cannot hold 2 GiB: a legal call then failed with the
        // IllegalStateException that checked mode uses for broken contracts. Untouched pages cost no RAM here; the
        // check's own copy costs 2 GiB for a moment.
        long byteSize = (1L << 31) + 64;
        Allocator allocator = Allocator.checked(Allocator.bump(track(LinearMemory.ofNative(8L << 30))));
        long offset = allocator.allocate(byteSize, 8);
        allocator.memory().segment().set(ValueLayout.JAVA_BYTE, offset + byteSize - 1, (byte) 5);
        assertEquals(offset, allocator.reallocate(offset, byteSize + 16, 8), "the last bump block grows in place");
        assertEquals(5, allocator.memory().segment().get(ValueLayout.JAVA_BYTE, offset + byteSize - 1));
        allocator.free(offset);
        allocator.verify();
    }

    @Test
    void aBrokenInvariantIsCaughtAtTheCallThatBrokeIt() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            int calls;

            @Override
            public void verify() {
                if (++calls > 2) {
                    throw new IllegalStateException("invariant broken at 42");
                }
            }
        });
        allocator.allocate(8, 8);
        allocator.allocate(8, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.allocate(8, 8));
        assertTrue(e.getMessage().contains("invariant broken at 42"), e.getMessage());
    }

    private static void assertCountersBroken(Allocator checked) {
        IllegalStateException e = assertThrows(IllegalStateException.class, checked::verify);
        assertTrue(e.getMessage().startsWith("checked mode") && e.getMessage().contains("allocationCount"),
                e.getMessage());
    }

    @Test
    void aBlockAllocatedBehindTheWrappersBackBreaksTheCounterInvariant() {
        Allocator inner = Allocator.freeList(track(LinearMemory.ofNative(1L << 20)));
        Allocator checked = Allocator.checked(inner);
        checked.allocate(40, 8);
        checked.free(checked.allocate(24, 8));
        checked.verify();
        inner.allocate(16, 8); // unknown to the record
        assertCountersBroken(checked);
        assertEquals(1, ((UnsyncCheckedAllocator) checked).liveBlockCount());
    }

    @Test
    void aBlockFreedBehindTheWrappersBackBreaksTheCounterInvariant() {
        Allocator inner = Allocator.freeList(track(LinearMemory.ofNative(1L << 20)));
        Allocator checked = Allocator.checked(inner);
        long block = checked.allocate(40, 8);
        checked.verify();
        inner.free(block); // still live in the record
        assertCountersBroken(checked);
    }

    @Test
    void aDelegateThatNeverFreesKeepsCountingReleasedBlocks() {
        Allocator bump = Allocator.bump(track(LinearMemory.ofNative(1L << 20)));
        Allocator checked = Allocator.checked(bump);
        long a = checked.allocate(40, 8);
        long b = checked.allocate(24, 8);
        checked.free(a); // the bump allocator keeps counting it
        long moved = checked.reallocate(b, 100, 8); // in place: b is the most recent block
        long c = checked.allocate(8, 8);
        checked.reallocate(moved, 200, 8); // moves: the old block stays counted
        checked.free(c, 8);
        checked.verify();
        assertEquals(4, bump.stats().allocationCount(), "a, b, c and b moved: none freed");
        bump.allocate(8, 8); // behind the wrapper's back
        assertCountersBroken(checked);
    }

    @Test
    void blocksTheDelegateHadBeforeWrappingAreItsBase() {
        Allocator inner = Allocator.freeList(track(LinearMemory.ofNative(1L << 20)));
        long before = inner.allocate(64, 8);
        Allocator checked = Allocator.checked(inner);
        checked.free(checked.allocate(32, 8));
        checked.verify();
        assertThrows(IllegalArgumentException.class, () -> checked.free(before), "unknown to the record");
        checked.verify();
    }

    @Test
    void aWrongSizeIsWordedAsEveryAllocatorWordsIt() {
        Allocator checked = Allocator.checked(Allocator.bump(track(LinearMemory.ofNative(1L << 20))));
        long block = checked.allocate(24, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checked.free(block, 25));
        assertEquals("byteSize 25 is not the size of the block at offset " + block + " (24)", e.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> checked.tryReallocate(Allocator.NULL, -1, 8));
        assertTrue(n.getMessage().startsWith("newByteSize must be in [0, "), n.getMessage());
    }

    /** A delegate whose own invariant breaks at one call, which the wrapper must report at that same call. */
    private static class BreaksAtOneCall extends Forwarding {
        boolean broken;

        BreaksAtOneCall(Allocator real) {
            super(real);
        }

        @Override
        public void verify() {
            if (broken) {
                throw new IllegalStateException("invariant broken at 42");
            }
            real.verify();
        }
    }

    private static void assertBrokenInvariantCaught(Runnable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
        assertTrue(e.getMessage().startsWith("checked mode") && e.getMessage().contains("invariant broken at 42"),
                e.getMessage());
    }

    @Test
    void aBrokenInvariantIsCaughtAtASizedFree() {
        Allocator allocator = checkedBroken(real -> new BreaksAtOneCall(real) {
            @Override
            public void free(long offset, long byteSize) {
                real.free(offset, byteSize);
                broken = true;
            }
        });
        long offset = allocator.allocate(24, 8);
        assertBrokenInvariantCaught(() -> allocator.free(offset, 24));
    }

    @Test
    void aBrokenInvariantIsCaughtAtAFailedAllocation() {
        // A failed call is a call too: a delegate that corrupts itself and then reports exhaustion is caught there.
        Allocator allocator = checkedBroken(real -> new BreaksAtOneCall(real) {
            @Override
            public long tryAllocate(long byteSize, long byteAlignment) {
                broken = true;
                return NULL;
            }
        });
        assertBrokenInvariantCaught(() -> allocator.tryAllocate(24, 8));
    }

    @Test
    void aBrokenInvariantIsCaughtAtAFailedReallocation() {
        Allocator allocator = checkedBroken(real -> new BreaksAtOneCall(real) {
            @Override
            public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
                broken = true;
                return NULL;
            }
        });
        long offset = allocator.allocate(24, 8);
        assertBrokenInvariantCaught(() -> allocator.tryReallocate(offset, 48, 8));
    }

    @Test
    void aMisalignedAnswerIsCaughtByTheAlignmentCheckItself() {
        // Unlike aMisalignedAnswerIsCaught, the delegate's counters stay right: only the alignment is wrong.
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public long tryAllocate(long byteSize, long byteAlignment) {
                return real.tryAllocate(byteSize, byteAlignment) + 1;
            }
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.allocate(16, 8));
        assertTrue(e.getMessage().contains("is not aligned to 8"), e.getMessage());
    }

    @Test
    void aBlockEndingPastTheMemoryIsCaught() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public long tryAllocate(long byteSize, long byteAlignment) {
                real.tryAllocate(byteSize, byteAlignment); // counted, but another offset is answered
                return real.memory().byteSize() - 8;
            }
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.allocate(16, 8));
        assertTrue(e.getMessage().contains("ends past the memory"), e.getMessage());
    }

    /**
     * A delegate that makes real allocations (so its counters stay right) but answers each call with the offset the
     * test lays out, relative to its first real block.
     */
    private Allocator checkedAnswering(long... layout) {
        return checkedBroken(real -> new Forwarding(real) {
            long base = NULL;
            int call;

            @Override
            public long tryAllocate(long byteSize, long byteAlignment) {
                long offset = real.tryAllocate(byteSize, byteAlignment);
                if (base == NULL) {
                    base = offset;
                }
                return base + layout[call++];
            }
        });
    }

    @Test
    void aBlockStartingInsideTheLiveBlockBelowIsCaught() {
        Allocator allocator = checkedAnswering(0, 32); // [0, 64), then [32, 96)
        allocator.allocate(64, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.allocate(64, 8));
        assertTrue(e.getMessage().contains("overlaps the live block at"), e.getMessage());
    }

    @Test
    void aBlockRunningIntoTheLiveBlockAboveIsCaught() {
        Allocator allocator = checkedAnswering(32, 0); // [32, 96), then [0, 64)
        allocator.allocate(64, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.allocate(64, 8));
        assertTrue(e.getMessage().contains("overlaps the live block at"), e.getMessage());
    }

    @Test
    void aBlockEndingExactlyWhereTheLiveBlockAboveBeginsIsAccepted() {
        Allocator allocator = checkedAnswering(64, 0); // [64, 128), then [0, 64): adjacent, not overlapping
        allocator.allocate(64, 8);
        allocator.allocate(64, 8);
        assertEquals(2, ((UnsyncCheckedAllocator) allocator).liveBlockCount());
    }

    @Test
    void aFailedReallocationThatChangesTheBlocksFirstByteIsCaught() {
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public long tryReallocate(long offset, long newByteSize, long byteAlignment) {
                real.memory().segment().set(ValueLayout.JAVA_BYTE, offset, (byte) 0); // scribbles, then fails
                return NULL;
            }
        });
        long offset = allocator.allocate(32, 8);
        allocator.memory().segment().asSlice(offset, 32).fill((byte) 7);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> allocator.tryReallocate(offset, 64, 8));
        assertTrue(e.getMessage().contains("failed reallocation changed byte 0"), e.getMessage());
    }

    @Test
    void aDelegateThatShowedItFreesBlocksMustKeepFreeingThem() {
        // The first release shows which counter form the delegate follows; from then on only that form holds. This
        // delegate pretends to free the first block (its counters drop), then reverts to the bump allocator's
        // keep-counting form: each form alone would pass, the switch must not.
        boolean[] pretending = {true};
        long[] hidden = new long[2]; // count, bytes
        Allocator allocator = checkedBroken(real -> new Forwarding(real) {
            @Override
            public void free(long offset, long byteSize) {
                real.free(offset, byteSize);
                hidden[0]++;
                hidden[1] += byteSize;
            }

            @Override
            public AllocatorStats stats() {
                AllocatorStats s = real.stats();
                return !pretending[0] ? s : new AllocatorStats(s.allocationCount() - hidden[0],
                        s.totalAllocationCount(), s.allocatedBytes() - hidden[1], s.totalAllocatedBytes(),
                        s.availableBytes(), s.fragmentCount(), s.heapCount(), s.totalHeapCount(), s.claimedBytes(),
                        s.totalClaimedBytes(), s.memoryByteSize());
            }
        });
        long a = allocator.allocate(40, 8);
        allocator.allocate(24, 8);
        allocator.free(a, 40); // the counters drop: a delegate that frees
        allocator.verify();
        pretending[0] = false; // now it counts the freed block again
        IllegalStateException e = assertThrows(IllegalStateException.class, allocator::verify);
        assertTrue(e.getMessage().startsWith("checked mode") && e.getMessage().contains("allocationCount"),
                e.getMessage());
    }
}
