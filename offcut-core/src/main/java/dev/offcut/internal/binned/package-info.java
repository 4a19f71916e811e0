/**
 * The binned boundary-tag allocator behind {@link dev.offcut.BinnedAllocator}: dlmalloc's boundary tags and bins,
 * TLSF's bitmap-indexed segregated fits, talc's one-word tags, heaps and sources, glibc's fast bins as "quick lists".
 *
 * <h2>Map (top to bottom: each file uses only the ones below it)</h2>
 * <pre>
 *   BinnedOpener           create and open: argument checks, placing or finding the superblock, the hot class's
 *                          construction
 *   UnsyncBinnedAllocator  the hot paths and their size policy: allocate (quick list, sure bin, better fit, search,
 *                          flush, source), free, reallocate (in place, down, moved, grown at the top); the public
 *                          heap methods delegate below
 *   Superblock             the superblock's life: first write, a pending allocator's move, find and check for open,
 *                          a claim before the first allocation
 *   MemorySources          the sources as sealed records (the permits of MemorySource) and what each does when no
 *                          chunk fits (one exhaustive switch)
 *   BinnedHeaps            the heap list: claim, extend, truncate, reserved, heaps
 *   BinnedCheck            the reopen walk (rebuilds the counters, refuses corrupt metadata) and verify()
 *   ChunkStore             the state in Java fields and the chunk mechanism: bins and bitmap, carve, release (park or
 *                          coalesce), quick-list flush, the checked header of a free, the heap span, the counters,
 *                          the remembered failed search
 *   HeapIndex              the heaps' offsets as an ordered set in the object (a treap in primitive arrays), so that
 *                          heap changes and lookups take O(log heaps) instead of a walk of the heap list
 *   BinIndex               size-to-bin arithmetic of each Binning
 *   BinnedLayout           every format: superblock, heap, chunk header and tag bits; encoders and decoders; words
 * </pre>
 * Arrows ({@code jdeps -verbose:class}): BinnedOpener to the allocator, Superblock, BinnedCheck, MemorySources and
 * BinIndex; the allocator to every file below it; Superblock to MemorySources, BinnedHeaps,
 * ChunkStore and BinIndex; MemorySources to BinnedHeaps and ChunkStore; BinnedHeaps to ChunkStore and HeapIndex;
 * BinnedCheck to ChunkStore, HeapIndex and BinIndex; ChunkStore to HeapIndex and BinIndex; every file to BinnedLayout.
 * No cycle: cold files take a {@link dev.offcut.internal.binned.ChunkStore} and never call back up, and ChunkStore is
 * a plain package-private base class, not a sealed one, as a {@code permits} clause would point back up.
 *
 * <h2>Why a base class, and why the bins and quick lists are not files of their own</h2>
 * The allocator extends ChunkStore so that the hot fields (segment, bases of the bitmap, bins and quick lists, the
 * counters) stay fields of {@code this}: no extra load or virtual call per operation, and the hot method bodies moved
 * unchanged (helpers are private, static or final, which C2 binds statically). The bin-list and quick-list
 * operations stay final methods of ChunkStore rather than static classes ({@code Bins}, {@code QuickLists}), because
 * as static functions they would take the bases as three more arguments at every call and every hot call site would
 * change; the layout of the words they touch is in {@link dev.offcut.internal.binned.BinnedLayout}
 * ({@code binHeadAt}, {@code bitmapWordAt}, {@code quickHeadOffset}).
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>{@code s} is the memory's current segment: read once per call ({@code segment()}), and again
 *       ({@code refresh()}) after anything that may grow the memory or call the parent allocator.</li>
 *   <li>Words are native-order {@code long}s read and written whole ({@code BinnedLayout.get}/{@code put});
 *       offsets are {@code long}; {@code NULL} is 0 (offset 0 holds metadata or nothing).</li>
 *   <li>{@code c} is a chunk's offset (8 mod 16), its block is at {@code c + 8}; {@code need} is a chunk size,
 *       {@code byteSize} a requested block size; {@code M} the metadata offset, {@code S} the superblock's size.</li>
 *   <li>Names carry units ({@code byteSize}, {@code pageCount}); {@code try*} returns a sentinel (NULL, -1, false),
 *       {@code check*} throws IllegalArgumentException, {@code verify*} IllegalStateException.</li>
 * </ul>
 *
 * <h2>Where counters live</h2>
 * Only the counters that no walk can rebuild live in the superblock: allocation adds to the two totals (count and
 * requested bytes), and so do growing reallocations; heap counts and claimed bytes change with the heaps. The totals
 * are written through from copies in ChunkStore, never read on the hot paths (one store each). The counters a walk of
 * the heaps can rebuild (freed count and bytes, binned free-chunk bytes, fragments) are ChunkStore fields, so a free
 * writes no counter word and the bins paths none either; {@code open} rebuilds them with one walk
 * ({@code freed = total - live}; BinnedCheck.openCounters), which makes reopening O(chunks). Live counts are total
 * minus freed. Parked chunks count as overhead, not as available, until consolidated.
 *
 * <h2>Lifecycle</h2>
 * The Java object holds constants, a cached segment (re-read after every grow and every call into the parent, and on
 * every call for memories that do not grow in place), the rebuildable counters, a copy of the heaps' span
 * (HEAPS_LOW, HEAPS_HIGH) for the bad-free range check, an index of the heaps (HeapIndex, built from the heap list on
 * first use), the last failed search (slow path only), and one flag: a growing allocator built over a memory too
 * small for its superblock writes it with its first allocation, which grows the memory for both in one step. Which
 * pages are its own only the grow's return value says (another sharer may grow the memory just before or after it):
 * without a metadata offset, the superblock goes at the start of the pages that grow returned (offset 0 if no one
 * else grew the memory first; {@code metadataOffset()} says where) and the first heap ends where they end; with one,
 * the caller vouches for the bytes at the offset that exist when the allocator looks, and a superblock that would
 * reach into pages someone else grew between that look and the allocator's grow is not written (the allocation
 * fails; Superblock.initializeByGrowing).
 * A {@code claim} before the first allocation writes the superblock too, but only after the region passes every
 * check, and takes only the region as a heap, never the rest of the memory: at the metadata offset (or 0), or, if
 * someone else grew the memory since the build and no metadata offset was given, at the first page start in the
 * region (where {@code open} looks), the rest of the region becoming heaps. The salt is random per build, so a block
 * of an earlier allocator built (not reopened) over the same bytes carries tags that match only by chance
 * (2<sup>-20</sup>). Because of the counters and the copy, one object owns a superblock at a time: open a memory
 * again only after its previous allocator object is no longer used.
 *
 * <p>Parent-sourced: every heap is a block of the parent, handed back whole when it empties, so {@code claim} and
 * growing a heap ({@code extend}, {@code resize} up) are refused with UnsupportedOperationException: a claimed heap
 * would be handed to a parent that never lent it, and a heap grown in place would overwrite the parent's next block.
 * Truncating one is allowed; the cut tail stays the parent's block until the heap empties. Quick lists are off for
 * parent sources, so that heaps do empty.
 *
 * <p>Measurements behind the tuning constants (quick-list sizes, better-fit thresholds, shrink moves, word copies) are
 * in docs/notes/2026-11-21-binned-tuning.md; the code keeps the reasons.
 */
package dev.offcut.internal.binned;
