package dev.offcut.internal.concurrent;

/**
 * The page map: from a page index ({@code offset >>> 16}) to the {@link Span} that holds the page,
 * {@link Span#BACK_END} for the back end's pages, or {@code null} for a page no block lies in.
 *
 * <p>Two levels, because a memory of up to 2<sup>47</sup> bytes has 2<sup>31</sup> pages, more than one Java array
 * holds: a directory of leaves of {@value #LEAF_PAGES} entries (256 MiB of memory each), created as the memory
 * grows; the directory is replaced by a larger copy when the memory outgrows it (the leaves are shared, so a reader
 * holding the old directory still finds every page that existed when it was copied).
 *
 * <p>Writes happen under the pool's lock, before any block of the page is handed out; a thread that frees a block
 * does so after the block's allocation (happens-before, the caller's duty), which came after the write, so plain
 * reads see it.
 */
final class PageMap {

    /** log2 of the pages per leaf. */
    static final int LEAF_SHIFT = 12;

    /** Pages per leaf. */
    static final int LEAF_PAGES = 1 << LEAF_SHIFT;

    private Span[][] directory = new Span[4][];
    private long leafCount;

    /**
     * Returns the span at an offset.
     *
     * @param offset any offset, negative included
     * @return the span, a marker, or {@code null}
     */
    Span get(long offset) {
        long page = offset >>> 16;
        Span[][] d = directory;
        long leafIndex = page >>> LEAF_SHIFT;
        if (leafIndex >= d.length) {
            return null;
        }
        Span[] leaf = d[(int) leafIndex];
        return leaf == null ? null : leaf[(int) page & (LEAF_PAGES - 1)];
    }

    /**
     * Maps pages to a span. Called under the pool's lock.
     *
     * @param firstPage the first page
     * @param pages     how many pages
     * @param span      the span, a marker or {@code null}
     */
    void set(long firstPage, long pages, Span span) {
        for (long p = firstPage; p < firstPage + pages; p++) {
            long leafIndex = p >>> LEAF_SHIFT;
            Span[][] d = directory;
            if (leafIndex >= d.length) {
                long length = d.length;
                while (length <= leafIndex) {
                    length <<= 1;
                }
                Span[][] bigger = java.util.Arrays.copyOf(d, (int) length);
                directory = bigger;
                d = bigger;
            }
            Span[] leaf = d[(int) leafIndex];
            if (leaf == null) {
                leaf = new Span[LEAF_PAGES];
                d[(int) leafIndex] = leaf;
                leafCount++;
            }
            leaf[(int) p & (LEAF_PAGES - 1)] = span;
        }
    }

    /**
     * Returns the Java-heap bytes of the map, roughly: 4 bytes per entry and the directory.
     *
     * @return an estimate of the map's footprint
     */
    long footprint() {
        return leafCount * (16 + 4L * LEAF_PAGES) + 16 + 4L * directory.length;
    }
}
