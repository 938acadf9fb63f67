package dev.llmj.kernels;

import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A quantized weight matrix re-laid in 32-row tiles for the 16-bit integer kernels: the copy
 * decoding runs on, and that prefill's GEMM can read too, so that the source's pages are not
 * needed once the copy is made.
 */
public sealed interface InterleavedWeights permits InterleavedQ4_0, InterleavedQ8_0, InterleavedQ4_K, InterleavedQ6_K {
    /** The matrix this copy was made from (same values, its own layout). */
    Tensor source();

    /** The re-laid weights. */
    MemorySegment tiles();

    int rows();

    int cols();

    /** Bytes of one row group's tiles (all its columns). */
    long rowGroupBytes();

    /** Groups of {@link InterleavedQ4_0#TILE_ROWS} rows (every layout's tile height), the last possibly padded. */
    default int rowGroups() {
        return (rows() + InterleavedQ4_0.TILE_ROWS - 1) / InterleavedQ4_0.TILE_ROWS;
    }
}
