package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.List;
import java.util.function.Supplier;

/**
 * Netty 4.2's pooled direct allocators. One allocator per kind lives for the whole JVM, as applications use
 * Netty's (its pools and thread caches are built to be shared and long-lived); each subject frees its own
 * buffers on close. Handle = slot in a table of {@link ByteBuf}s (locked when shared between threads).
 * Netty has no alignment parameter: blocks come 16-byte aligned at best, so higher alignments are ignored.
 */
public final class NettySubjects {

    private NettySubjects() {
    }

    /**
     * Returns the Netty subjects.
     *
     * @return the factories
     */
    public static List<SubjectFactory> all() {
        return List.of(
                nettyFactory("netty-pooled", "Netty 4.2 PooledByteBufAllocator, direct buffers (jemalloc-like "
                        + "arenas + thread caches); realloc = ByteBuf.capacity(n).", () -> Pools.POOLED),
                nettyFactory("netty-adaptive", "Netty 4.2 AdaptiveByteBufAllocator, direct buffers (size-class "
                        + "magazines); realloc = ByteBuf.capacity(n).", () -> Pools.ADAPTIVE));
    }

    private static SubjectFactory nettyFactory(String name, String description,
                                               Supplier<ByteBufAllocator> allocator) {
        return Factory.named(name, description)
                .can(Capability.FREES, Capability.REALLOCATES, Capability.THREAD_SAFE,
                        Capability.NATIVE_ADDRESS)
                .maxByteAlignment(16)
                .open(heapByteSize -> new NettySubject(allocator.get(), new HandleTable<>()))
                .openShared(heapByteSize -> new NettySubject(allocator.get(), HandleTable.locked()))
                .build();
    }

    /** Made on first use, so that a Netty that cannot start fails the probe, not the catalog. */
    private static final class Pools {
        static final ByteBufAllocator POOLED = new PooledByteBufAllocator(true);
        static final ByteBufAllocator ADAPTIVE = new AdaptiveByteBufAllocator(true, true);
    }

    /** Buffers in a handle table; touched through their native address when Netty exposes it. */
    private static final class NettySubject implements Subject {
        private final ByteBufAllocator allocator;
        private final HandleTable<ByteBuf> table;

        NettySubject(ByteBufAllocator allocator, HandleTable<ByteBuf> table) {
            this.allocator = allocator;
            this.table = table;
        }

        private static long addressOf(ByteBuf buffer) {
            return buffer.hasMemoryAddress() ? buffer.memoryAddress() : 0;
        }

        @Override
        public long allocate(long byteSize, long byteAlignment) {
            ByteBuf buffer;
            try {
                buffer = allocator.directBuffer(Math.toIntExact(byteSize));
            } catch (OutOfMemoryError full) {
                return 0;
            }
            return table.put(buffer, addressOf(buffer));
        }

        @Override
        public void free(long handle, long byteSize, long byteAlignment) {
            table.remove(handle).release();
        }

        @Override
        public long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment) {
            ByteBuf buffer = table.get(handle);
            try {
                buffer.capacity(Math.toIntExact(newByteSize));
            } catch (OutOfMemoryError full) {
                return 0;
            }
            table.replace(handle, buffer, addressOf(buffer));
            return handle;
        }

        @Override
        public long address(long handle) {
            long address = table.address(handle);
            if (address == 0) {
                throw new UnsupportedOperationException("this Netty buffer has no memory address");
            }
            return address;
        }

        @Override
        public void touch(long handle, long byteSize) {
            long address = table.address(handle);
            if (address != 0) {
                RawMemory.touch(address, byteSize);
                return;
            }
            ByteBuf buffer = table.get(handle);
            int last = Math.toIntExact(byteSize - 1);
            buffer.setByte(0, 1);
            for (int at = (int) RawMemory.TOUCH_STRIDE; at < last; at += (int) RawMemory.TOUCH_STRIDE) {
                buffer.setByte(at, 1);
            }
            buffer.setByte(last, 1);
        }

        @Override
        public void close() {
            table.clear(ByteBuf::release);
        }
    }
}
