package dev.llmj.kernels.vector;

/**
 * How the two-row kernels pair a thread's rows [from, to): row from + i with row from + h + i,
 * h = ⌈n / 2⌉, so each half of the range is one long sequential stream through the weights (two
 * adjacent rows read in step were much slower once the weights come from DRAM: two short
 * interleaved runs defeat the hardware prefetcher). An odd range's middle row is paired with
 * itself (its result computed twice, the same bits).
 */
final class RowPairs {
    private RowPairs() {}

    /** Pairs in [from, to): ⌈(to − from) / 2⌉; pair i starts at row from + i. */
    static int count(int from, int to) {
        return (to - from + 1) / 2;
    }

    /** The row paired with row from + i. */
    static int partner(int from, int to, int i) {
        int r = from + count(from, to) + i;
        return r < to ? r : from + i;
    }
}
