package dev.llmj.kernels;

import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Builds an interleaved copy (every layout lays its row groups end to end, {@code groupShorts}
 * shorts each) in parallel: each row group is built in a short[] and copied out in one piece.
 * Array stores instead of a checked segment store per short made loading 1b Q4_0 weights twice
 * as fast. Rows past the matrix's last (the final group's padding) stay zero.
 */
final class RowGroupFill {
    private RowGroupFill() {}

    /**
     * Writes the rows of group g that exist into {@code group} (padding rows are zero already);
     * {@code scratch} is the filling thread's own, for the layout's use.
     */
    @FunctionalInterface
    interface Group {
        void fill(int g, short[] group, byte[] scratch);
    }

    static void run(KernelExecutor executor, WeightMatrix source, MemorySegment tiles, int groupShorts, int scratchBytes,
            Group fill) {
        int groups = (source.rows() + InterleavedQ4_0.TILE_ROWS - 1) / InterleavedQ4_0.TILE_ROWS;
        executor.reaching(tiles, source.base()).parallelRanges(groups, 1, (g0, g1) -> {
            short[] group = new short[groupShorts];
            byte[] scratch = new byte[scratchBytes];
            for (int g = g0; g < g1; g++) {
                if (InterleavedQ4_0.TILE_ROWS * (g + 1) > source.rows()) {
                    Arrays.fill(group, (short) 0);
                }
                fill.fill(g, group, scratch);
                MemorySegment.copy(group, 0, tiles, LE.SHORT, 2L * groupShorts * g, groupShorts);
            }
        });
    }
}
