package dev.offcut.bench.subject;

/**
 * Maps {@code long} handles to the objects that subjects hand out (an {@code Arena}, a Netty {@code ByteBuf}, a
 * {@code byte[]}...): handle = slot + 1, so 0 stays "no block". Free slots are reused through a stack of ints,
 * so the table allocates nothing once it has grown to the workload's live-set size.
 *
 * <p>Not thread-safe; {@link #locked()} returns a variant that is, for subjects shared between threads (its
 * lock is part of what such subjects cost, and is said in their description).
 *
 * @param <T> the kind of object
 */
public class HandleTable<T> {

    private Object[] objects = new Object[1024];
    private long[] addresses = new long[1024];
    private int[] freeSlots = new int[1024];
    private int freeCount;
    private int used;

    /** Creates an empty table. */
    public HandleTable() {
    }

    /**
     * Returns a thread-safe table.
     *
     * @param <T> the kind of object
     * @return a new table whose methods lock
     */
    public static <T> HandleTable<T> locked() {
        return new Locked<>();
    }

    /**
     * Stores an object and returns its handle.
     *
     * @param object  the object
     * @param address its address (for touching), or 0 when it has none
     * @return the handle, {@code >= 1}
     */
    public long put(T object, long address) {
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            if (used == objects.length) {
                grow();
            }
            slot = used++;
        }
        objects[slot] = object;
        addresses[slot] = address;
        return slot + 1L;
    }

    /**
     * Returns the object of a handle.
     *
     * @param handle a live handle
     * @return its object
     */
    @SuppressWarnings("unchecked")
    public T get(long handle) {
        return (T) objects[(int) handle - 1];
    }

    /**
     * Returns the address stored with a handle.
     *
     * @param handle a live handle
     * @return its address
     */
    public long address(long handle) {
        return addresses[(int) handle - 1];
    }

    /**
     * Replaces the object of a live handle (after a reallocation).
     *
     * @param handle  a live handle
     * @param object  the new object
     * @param address its address
     */
    public void replace(long handle, T object, long address) {
        objects[(int) handle - 1] = object;
        addresses[(int) handle - 1] = address;
    }

    /**
     * Removes a handle and returns its object.
     *
     * @param handle a live handle
     * @return the object it held
     */
    @SuppressWarnings("unchecked")
    public T remove(long handle) {
        int slot = (int) handle - 1;
        T object = (T) objects[slot];
        objects[slot] = null;
        if (freeCount == freeSlots.length) {
            freeSlots = java.util.Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeCount++] = slot;
        return object;
    }

    /**
     * Removes every handle, giving each live object to {@code release} first.
     *
     * @param release what to do with each live object
     */
    @SuppressWarnings("unchecked")
    public void clear(java.util.function.Consumer<? super T> release) {
        for (int slot = 0; slot < used; slot++) {
            Object object = objects[slot];
            if (object != null) {
                objects[slot] = null;
                release.accept((T) object);
            }
        }
        used = 0;
        freeCount = 0;
    }

    private void grow() {
        objects = java.util.Arrays.copyOf(objects, objects.length * 2);
        addresses = java.util.Arrays.copyOf(addresses, addresses.length * 2);
    }

    /** The thread-safe variant: every method holds the table's monitor. */
    private static final class Locked<T> extends HandleTable<T> {
        @Override
        public synchronized long put(T object, long address) {
            return super.put(object, address);
        }

        @Override
        public synchronized T get(long handle) {
            return super.get(handle);
        }

        @Override
        public synchronized long address(long handle) {
            return super.address(handle);
        }

        @Override
        public synchronized void replace(long handle, T object, long address) {
            super.replace(handle, object, address);
        }

        @Override
        public synchronized T remove(long handle) {
            return super.remove(handle);
        }

        @Override
        public synchronized void clear(java.util.function.Consumer<? super T> release) {
            super.clear(release);
        }
    }
}
