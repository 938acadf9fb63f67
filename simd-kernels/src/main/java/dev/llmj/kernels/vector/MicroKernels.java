package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * GEMM register tiles (see {@link VectorGemm}). Lanes run along rows of A; each accumulator is one
 * column of a C tile. Accumulators start at zero for the first k-block and at the current C values
 * for later ones, so each C element is a single fma chain over k.
 *
 * <p>Written out by hand (no arrays of vectors) so that C2 keeps every accumulator in a register,
 * and with no helper method that takes or returns a vector: a vector crossing a call C2 does not
 * inline is boxed (that cost ~16% of a 128×768×768 GEMM, 0.5 MB of garbage per call). C moves
 * in and out through {@code tile}, a per-task float array holding the tile column by column
 * ({@link #gather}/{@link #scatter} do the strided, scalar part, against the task's row-major
 * float[] block of C, which VectorGemm copies to the output segment row by row at the end:
 * scattering straight into the segment cost 6 % of a GEMM in its stores' checks); the accumulators are loaded from
 * and stored to it with plain array vector loads and stores. {@code rows} is how many of the
 * tile's rows exist in C (the packed panel is zero-padded).
 */
final class MicroKernels {
    private MicroKernels() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;

    /** Floats of {@code tile} the largest tile needs (12 columns × 2L rows). */
    static final int TILE_FLOATS = 12 * 2 * L;

    /**
     * tile[j·pw + r] = C[r][j] for r &lt; rows (0 beyond, and everywhere for the first k-block, whose
     * fma chains start at zero), j &lt; cols; pw is the tile's height (2L or L); C[r][j] is
     * c[cTile + r·ldc + j·cStride].
     */
    static void gather(float[] tile, float[] c, int cTile, int ldc, int cStride, int rows, int cols, int pw,
            boolean first) {
        java.util.Arrays.fill(tile, 0, cols * pw, 0f);
        if (first) {
            return;
        }
        if (ldc == 1) {
            // C's columns are contiguous (Cᵀ): one copy per column
            for (int j = 0; j < cols; j++) {
                System.arraycopy(c, cTile + j * cStride, tile, j * pw, Math.min(rows, pw));
            }
            return;
        }
        for (int r = 0; r < Math.min(rows, pw); r++) {
            int row = cTile + r * ldc;
            for (int j = 0; j < cols; j++) {
                tile[j * pw + r] = c[row + j * cStride];
            }
        }
    }

    /** C[r][j] = tile[j·pw + r] for r &lt; rows, j &lt; cols (C as in {@link #gather}). */
    static void scatter(float[] tile, float[] c, int cTile, int ldc, int cStride, int rows, int cols, int pw) {
        if (ldc == 1) {
            for (int j = 0; j < cols; j++) {
                System.arraycopy(tile, j * pw, c, cTile + j * cStride, Math.min(rows, pw));
            }
            return;
        }
        for (int r = 0; r < Math.min(rows, pw); r++) {
            int row = cTile + r * ldc;
            for (int j = 0; j < cols; j++) {
                c[row + j * cStride] = tile[j * pw + r];
            }
        }
    }

    /**
     * 2L rows × 6 columns: twelve accumulators, per k two loads of A and six weight broadcasts.
     * {@code cols} ≤ 6 columns exist: the missing ones re-read the last weight row and are not
     * stored, so the last columns of N need no separate (rarely run, hence rarely compiled)
     * kernel; each stored element's fma chain is the same. C[r][j] is c[cTile + r·ldc + j·cStride]
     * ({@link InterleavedGemm} keeps Cᵀ, whose columns are C's rows).
     */
    static void k2x6(MemorySegment ap, long apOff, int kc, float[] b, int bj, int bStride,
            float[] c, int cTile, int ldc, int cStride, int rows, int cols, boolean first, float[] tile) {
        gather(tile, c, cTile, ldc, cStride, rows, cols, 2 * L, first);
        FloatVector c00 = FloatVector.fromArray(F, tile, 0 * L);
        FloatVector c10 = FloatVector.fromArray(F, tile, 1 * L);
        FloatVector c01 = FloatVector.fromArray(F, tile, 2 * L);
        FloatVector c11 = FloatVector.fromArray(F, tile, 3 * L);
        FloatVector c02 = FloatVector.fromArray(F, tile, 4 * L);
        FloatVector c12 = FloatVector.fromArray(F, tile, 5 * L);
        FloatVector c03 = FloatVector.fromArray(F, tile, 6 * L);
        FloatVector c13 = FloatVector.fromArray(F, tile, 7 * L);
        FloatVector c04 = FloatVector.fromArray(F, tile, 8 * L);
        FloatVector c14 = FloatVector.fromArray(F, tile, 9 * L);
        FloatVector c05 = FloatVector.fromArray(F, tile, 10 * L);
        FloatVector c15 = FloatVector.fromArray(F, tile, 11 * L);
        int b0 = bj + Math.min(0, cols - 1) * bStride;
        int b1 = bj + Math.min(1, cols - 1) * bStride;
        int b2 = bj + Math.min(2, cols - 1) * bStride;
        int b3 = bj + Math.min(3, cols - 1) * bStride;
        int b4 = bj + Math.min(4, cols - 1) * bStride;
        int b5 = bj + Math.min(5, cols - 1) * bStride;
        long pa = apOff;
        for (int p = 0; p < kc; p++) {
            FloatVector a0 = FloatVector.fromMemorySegment(F, ap, pa, LITTLE);
            FloatVector a1 = FloatVector.fromMemorySegment(F, ap, pa + 4L * L, LITTLE);
            FloatVector w0 = FloatVector.broadcast(F, b[b0 + p]);
            c00 = a0.fma(w0, c00);
            c10 = a1.fma(w0, c10);
            FloatVector w1 = FloatVector.broadcast(F, b[b1 + p]);
            c01 = a0.fma(w1, c01);
            c11 = a1.fma(w1, c11);
            FloatVector w2 = FloatVector.broadcast(F, b[b2 + p]);
            c02 = a0.fma(w2, c02);
            c12 = a1.fma(w2, c12);
            FloatVector w3 = FloatVector.broadcast(F, b[b3 + p]);
            c03 = a0.fma(w3, c03);
            c13 = a1.fma(w3, c13);
            FloatVector w4 = FloatVector.broadcast(F, b[b4 + p]);
            c04 = a0.fma(w4, c04);
            c14 = a1.fma(w4, c14);
            FloatVector w5 = FloatVector.broadcast(F, b[b5 + p]);
            c05 = a0.fma(w5, c05);
            c15 = a1.fma(w5, c15);
            pa += 8L * L;
        }
        c00.intoArray(tile, 0 * L);
        c10.intoArray(tile, 1 * L);
        c01.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c02.intoArray(tile, 4 * L);
        c12.intoArray(tile, 5 * L);
        c03.intoArray(tile, 6 * L);
        c13.intoArray(tile, 7 * L);
        c04.intoArray(tile, 8 * L);
        c14.intoArray(tile, 9 * L);
        c05.intoArray(tile, 10 * L);
        c15.intoArray(tile, 11 * L);
        scatter(tile, c, cTile, ldc, cStride, rows, cols, 2 * L);
    }

    /**
     * 2L rows × 4 columns, {@link #k2x6}'s arithmetic with eight accumulators: for the last
     * columns where six would leave most of a tile's work unused ({@link InterleavedGemm}'s token
     * tails: 128 = 20 · 6 + 2 · 4). {@code cols} ≤ 4 exist, as in k2x6.
     */
    static void k2x4(MemorySegment ap, long apOff, int kc, float[] b, int bj, int bStride,
            float[] c, int cTile, int ldc, int cStride, int rows, int cols, boolean first, float[] tile) {
        gather(tile, c, cTile, ldc, cStride, rows, cols, 2 * L, first);
        FloatVector c00 = FloatVector.fromArray(F, tile, 0 * L);
        FloatVector c10 = FloatVector.fromArray(F, tile, 1 * L);
        FloatVector c01 = FloatVector.fromArray(F, tile, 2 * L);
        FloatVector c11 = FloatVector.fromArray(F, tile, 3 * L);
        FloatVector c02 = FloatVector.fromArray(F, tile, 4 * L);
        FloatVector c12 = FloatVector.fromArray(F, tile, 5 * L);
        FloatVector c03 = FloatVector.fromArray(F, tile, 6 * L);
        FloatVector c13 = FloatVector.fromArray(F, tile, 7 * L);
        int b0 = bj + Math.min(0, cols - 1) * bStride;
        int b1 = bj + Math.min(1, cols - 1) * bStride;
        int b2 = bj + Math.min(2, cols - 1) * bStride;
        int b3 = bj + Math.min(3, cols - 1) * bStride;
        long pa = apOff;
        for (int p = 0; p < kc; p++) {
            FloatVector a0 = FloatVector.fromMemorySegment(F, ap, pa, LITTLE);
            FloatVector a1 = FloatVector.fromMemorySegment(F, ap, pa + 4L * L, LITTLE);
            FloatVector w0 = FloatVector.broadcast(F, b[b0 + p]);
            c00 = a0.fma(w0, c00);
            c10 = a1.fma(w0, c10);
            FloatVector w1 = FloatVector.broadcast(F, b[b1 + p]);
            c01 = a0.fma(w1, c01);
            c11 = a1.fma(w1, c11);
            FloatVector w2 = FloatVector.broadcast(F, b[b2 + p]);
            c02 = a0.fma(w2, c02);
            c12 = a1.fma(w2, c12);
            FloatVector w3 = FloatVector.broadcast(F, b[b3 + p]);
            c03 = a0.fma(w3, c03);
            c13 = a1.fma(w3, c13);
            pa += 8L * L;
        }
        c00.intoArray(tile, 0 * L);
        c10.intoArray(tile, 1 * L);
        c01.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c02.intoArray(tile, 4 * L);
        c12.intoArray(tile, 5 * L);
        c03.intoArray(tile, 6 * L);
        c13.intoArray(tile, 7 * L);
        scatter(tile, c, cTile, ldc, cStride, rows, cols, 2 * L);
    }

    /** L rows × 12 columns, for a short last panel (e.g. M = 16); {@code cols} ≤ 12 as in {@link #k2x6}. */
    static void k1x12(MemorySegment ap, long apOff, int kc, float[] b, int bj, int bStride,
            float[] c, int cTile, int ldc, int rows, int cols, boolean first, float[] tile) {
        gather(tile, c, cTile, ldc, 1, rows, cols, L, first);
        FloatVector c0 = FloatVector.fromArray(F, tile, 0 * L);
        FloatVector c1 = FloatVector.fromArray(F, tile, 1 * L);
        FloatVector c2 = FloatVector.fromArray(F, tile, 2 * L);
        FloatVector c3 = FloatVector.fromArray(F, tile, 3 * L);
        FloatVector c4 = FloatVector.fromArray(F, tile, 4 * L);
        FloatVector c5 = FloatVector.fromArray(F, tile, 5 * L);
        FloatVector c6 = FloatVector.fromArray(F, tile, 6 * L);
        FloatVector c7 = FloatVector.fromArray(F, tile, 7 * L);
        FloatVector c8 = FloatVector.fromArray(F, tile, 8 * L);
        FloatVector c9 = FloatVector.fromArray(F, tile, 9 * L);
        FloatVector c10 = FloatVector.fromArray(F, tile, 10 * L);
        FloatVector c11 = FloatVector.fromArray(F, tile, 11 * L);
        int b0 = bj + Math.min(0, cols - 1) * bStride;
        int b1 = bj + Math.min(1, cols - 1) * bStride;
        int b2 = bj + Math.min(2, cols - 1) * bStride;
        int b3 = bj + Math.min(3, cols - 1) * bStride;
        int b4 = bj + Math.min(4, cols - 1) * bStride;
        int b5 = bj + Math.min(5, cols - 1) * bStride;
        int b6 = bj + Math.min(6, cols - 1) * bStride;
        int b7 = bj + Math.min(7, cols - 1) * bStride;
        int b8 = bj + Math.min(8, cols - 1) * bStride;
        int b9 = bj + Math.min(9, cols - 1) * bStride;
        int b10 = bj + Math.min(10, cols - 1) * bStride;
        int b11 = bj + Math.min(11, cols - 1) * bStride;
        long pa = apOff;
        for (int p = 0; p < kc; p++) {
            FloatVector a0 = FloatVector.fromMemorySegment(F, ap, pa, LITTLE);
            c0 = a0.fma(FloatVector.broadcast(F, b[b0 + p]), c0);
            c1 = a0.fma(FloatVector.broadcast(F, b[b1 + p]), c1);
            c2 = a0.fma(FloatVector.broadcast(F, b[b2 + p]), c2);
            c3 = a0.fma(FloatVector.broadcast(F, b[b3 + p]), c3);
            c4 = a0.fma(FloatVector.broadcast(F, b[b4 + p]), c4);
            c5 = a0.fma(FloatVector.broadcast(F, b[b5 + p]), c5);
            c6 = a0.fma(FloatVector.broadcast(F, b[b6 + p]), c6);
            c7 = a0.fma(FloatVector.broadcast(F, b[b7 + p]), c7);
            c8 = a0.fma(FloatVector.broadcast(F, b[b8 + p]), c8);
            c9 = a0.fma(FloatVector.broadcast(F, b[b9 + p]), c9);
            c10 = a0.fma(FloatVector.broadcast(F, b[b10 + p]), c10);
            c11 = a0.fma(FloatVector.broadcast(F, b[b11 + p]), c11);
            pa += 4L * L;
        }
        c0.intoArray(tile, 0 * L);
        c1.intoArray(tile, 1 * L);
        c2.intoArray(tile, 2 * L);
        c3.intoArray(tile, 3 * L);
        c4.intoArray(tile, 4 * L);
        c5.intoArray(tile, 5 * L);
        c6.intoArray(tile, 6 * L);
        c7.intoArray(tile, 7 * L);
        c8.intoArray(tile, 8 * L);
        c9.intoArray(tile, 9 * L);
        c10.intoArray(tile, 10 * L);
        c11.intoArray(tile, 11 * L);
        scatter(tile, c, cTile, ldc, 1, rows, cols, L);
    }
}
