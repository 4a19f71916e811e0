package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A subject that checks how a workload uses another: every handle freed exactly once with the size it was allocated
 * with, no handle given out twice while live, no two live blocks overlapping. Thread-safe (one lock around the
 * book-keeping, not around the subject's own calls).
 */
final class CheckingSubject implements Subject {

    private final Subject subject;
    private final Map<Long, long[]> live = new HashMap<>(); // handle -> {address, byteSize}
    private final TreeMap<Long, Long> byAddress = new TreeMap<>(); // address -> end
    private long allocations;
    private long frees;

    CheckingSubject(Subject subject) {
        this.subject = subject;
    }

    @Override
    public long allocate(long byteSize, long byteAlignment) {
        long handle = subject.allocate(byteSize, byteAlignment);
        if (handle != 0) {
            add(handle, byteSize);
        }
        return handle;
    }

    private synchronized void add(long handle, long byteSize) {
        long address = subject.address(handle);
        if (live.containsKey(handle)) {
            throw new AssertionError("handle " + handle + " given out twice");
        }
        Map.Entry<Long, Long> below = byAddress.floorEntry(address);
        if (below != null && below.getValue() > address) {
            throw new AssertionError("block at " + address + " overlaps the live block at " + below.getKey());
        }
        Map.Entry<Long, Long> above = byAddress.ceilingEntry(address);
        if (above != null && above.getKey() < address + byteSize) {
            throw new AssertionError("block at " + address + " overlaps the live block at " + above.getKey());
        }
        live.put(handle, new long[] {address, byteSize});
        byAddress.put(address, address + byteSize);
        allocations++;
    }

    @Override
    public void free(long handle, long byteSize, long byteAlignment) {
        synchronized (this) {
            long[] block = live.remove(handle);
            if (block == null) {
                throw new AssertionError("free of " + handle + ", not live (double or foreign free)");
            }
            if (block[1] != byteSize) {
                throw new AssertionError("free of " + handle + " with size " + byteSize + ", allocated " + block[1]);
            }
            byAddress.remove(block[0]);
            frees++;
        }
        subject.free(handle, byteSize, byteAlignment);
    }

    @Override
    public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
        throw new AssertionError("the threaded workloads do not reallocate");
    }

    @Override
    public void touch(long handle, long byteSize) {
        synchronized (this) {
            long[] block = live.get(handle);
            if (block == null || block[1] != byteSize) {
                throw new AssertionError("touch of " + handle + ", not live with size " + byteSize);
            }
        }
        subject.touch(handle, byteSize);
    }

    @Override
    public long address(long handle) {
        return subject.address(handle);
    }

    @Override
    public void enterThread() {
        subject.enterThread();
    }

    @Override
    public void exitThread() {
        subject.exitThread();
    }

    synchronized long liveCount() {
        return live.size();
    }

    synchronized long allocations() {
        return allocations;
    }

    synchronized long frees() {
        return frees;
    }

    @Override
    public void close() {
        subject.close();
    }
}
