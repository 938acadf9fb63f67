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
 * <p>Written out by hand (no arrays of vectors) so that C2 keeps every accumulator in a register.
 * {@code rows} is how many of the tile's rows exist in C (the packed panel is zero-padded).
 */
final class MicroKernels {
    private MicroKernels() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Column {@code col} of C, rows {@code rowOffset .. rowOffset + L) of the tile, 0 past {@code rows}
     * (all 0 for the first k-block). Always one code path: a vector that is sometimes a constant
     * and sometimes loaded would meet in a phi C2 cannot unbox, and every fma would allocate.
     */
    private static FloatVector loadCol(MemorySegment c, long cTile, int ldc, int rowOffset, int rows, int col,
            boolean first, float[] tmp) {
        for (int l = 0; l < L; l++) {
            int r = rowOffset + l;
            tmp[l] = !first && r < rows ? c.get(LE.FLOAT, cTile + 4L * ((long) r * ldc + col)) : 0f;
        }
        return FloatVector.fromArray(F, tmp, 0);
    }

    private static void storeCol(FloatVector v, MemorySegment c, long cTile, int ldc, int rowOffset, int rows, int col,
            float[] tmp) {
        v.intoArray(tmp, 0);
        int n = Math.min(L, rows - rowOffset);
        for (int l = 0; l < n; l++) {
            c.set(LE.FLOAT, cTile + 4L * ((long) (rowOffset + l) * ldc + col), tmp[l]);
        }
    }

    /** 2L rows × 6 columns: twelve accumulators, per k two loads of A and six weight broadcasts. */
    static void k2x6(MemorySegment ap, long apOff, int kc, MemorySegment b, long bj, long bStride,
            MemorySegment c, long cTile, int ldc, int rows, boolean first, float[] tmp) {
        FloatVector c00 = loadCol(c, cTile, ldc, 0, rows, 0, first, tmp);
        FloatVector c10 = loadCol(c, cTile, ldc, L, rows, 0, first, tmp);
        FloatVector c01 = loadCol(c, cTile, ldc, 0, rows, 1, first, tmp);
        FloatVector c11 = loadCol(c, cTile, ldc, L, rows, 1, first, tmp);
        FloatVector c02 = loadCol(c, cTile, ldc, 0, rows, 2, first, tmp);
        FloatVector c12 = loadCol(c, cTile, ldc, L, rows, 2, first, tmp);
        FloatVector c03 = loadCol(c, cTile, ldc, 0, rows, 3, first, tmp);
        FloatVector c13 = loadCol(c, cTile, ldc, L, rows, 3, first, tmp);
        FloatVector c04 = loadCol(c, cTile, ldc, 0, rows, 4, first, tmp);
        FloatVector c14 = loadCol(c, cTile, ldc, L, rows, 4, first, tmp);
        FloatVector c05 = loadCol(c, cTile, ldc, 0, rows, 5, first, tmp);
        FloatVector c15 = loadCol(c, cTile, ldc, L, rows, 5, first, tmp);
        long b0 = bj + 0 * bStride;
        long b1 = bj + 1 * bStride;
        long b2 = bj + 2 * bStride;
        long b3 = bj + 3 * bStride;
        long b4 = bj + 4 * bStride;
        long b5 = bj + 5 * bStride;
        long pa = apOff;
        for (int p = 0; p < kc; p++) {
            FloatVector a0 = FloatVector.fromMemorySegment(F, ap, pa, LITTLE);
            FloatVector a1 = FloatVector.fromMemorySegment(F, ap, pa + 4L * L, LITTLE);
            FloatVector w0 = FloatVector.broadcast(F, b.get(LE.FLOAT, b0 + 4L * p));
            c00 = a0.fma(w0, c00);
            c10 = a1.fma(w0, c10);
            FloatVector w1 = FloatVector.broadcast(F, b.get(LE.FLOAT, b1 + 4L * p));
            c01 = a0.fma(w1, c01);
            c11 = a1.fma(w1, c11);
            FloatVector w2 = FloatVector.broadcast(F, b.get(LE.FLOAT, b2 + 4L * p));
            c02 = a0.fma(w2, c02);
            c12 = a1.fma(w2, c12);
            FloatVector w3 = FloatVector.broadcast(F, b.get(LE.FLOAT, b3 + 4L * p));
            c03 = a0.fma(w3, c03);
            c13 = a1.fma(w3, c13);
            FloatVector w4 = FloatVector.broadcast(F, b.get(LE.FLOAT, b4 + 4L * p));
            c04 = a0.fma(w4, c04);
            c14 = a1.fma(w4, c14);
            FloatVector w5 = FloatVector.broadcast(F, b.get(LE.FLOAT, b5 + 4L * p));
            c05 = a0.fma(w5, c05);
            c15 = a1.fma(w5, c15);
            pa += 8L * L;
        }
        storeCol(c00, c, cTile, ldc, 0, rows, 0, tmp);
        storeCol(c10, c, cTile, ldc, L, rows, 0, tmp);
        storeCol(c01, c, cTile, ldc, 0, rows, 1, tmp);
        storeCol(c11, c, cTile, ldc, L, rows, 1, tmp);
        storeCol(c02, c, cTile, ldc, 0, rows, 2, tmp);
        storeCol(c12, c, cTile, ldc, L, rows, 2, tmp);
        storeCol(c03, c, cTile, ldc, 0, rows, 3, tmp);
        storeCol(c13, c, cTile, ldc, L, rows, 3, tmp);
        storeCol(c04, c, cTile, ldc, 0, rows, 4, tmp);
        storeCol(c14, c, cTile, ldc, L, rows, 4, tmp);
        storeCol(c05, c, cTile, ldc, 0, rows, 5, tmp);
        storeCol(c15, c, cTile, ldc, L, rows, 5, tmp);
    }

    /** L rows × 12 columns, for a short last panel (e.g. M = 16): twelve accumulators. */
    static void k1x12(MemorySegment ap, long apOff, int kc, MemorySegment b, long bj, long bStride,
            MemorySegment c, long cTile, int ldc, int rows, boolean first, float[] tmp) {
        FloatVector c0 = loadCol(c, cTile, ldc, 0, rows, 0, first, tmp);
        FloatVector c1 = loadCol(c, cTile, ldc, 0, rows, 1, first, tmp);
        FloatVector c2 = loadCol(c, cTile, ldc, 0, rows, 2, first, tmp);
        FloatVector c3 = loadCol(c, cTile, ldc, 0, rows, 3, first, tmp);
        FloatVector c4 = loadCol(c, cTile, ldc, 0, rows, 4, first, tmp);
        FloatVector c5 = loadCol(c, cTile, ldc, 0, rows, 5, first, tmp);
        FloatVector c6 = loadCol(c, cTile, ldc, 0, rows, 6, first, tmp);
        FloatVector c7 = loadCol(c, cTile, ldc, 0, rows, 7, first, tmp);
        FloatVector c8 = loadCol(c, cTile, ldc, 0, rows, 8, first, tmp);
        FloatVector c9 = loadCol(c, cTile, ldc, 0, rows, 9, first, tmp);
        FloatVector c10 = loadCol(c, cTile, ldc, 0, rows, 10, first, tmp);
        FloatVector c11 = loadCol(c, cTile, ldc, 0, rows, 11, first, tmp);
        long b0 = bj + 0 * bStride;
        long b1 = bj + 1 * bStride;
        long b2 = bj + 2 * bStride;
        long b3 = bj + 3 * bStride;
        long b4 = bj + 4 * bStride;
        long b5 = bj + 5 * bStride;
        long b6 = bj + 6 * bStride;
        long b7 = bj + 7 * bStride;
        long b8 = bj + 8 * bStride;
        long b9 = bj + 9 * bStride;
        long b10 = bj + 10 * bStride;
        long b11 = bj + 11 * bStride;
        long pa = apOff;
        for (int p = 0; p < kc; p++) {
            FloatVector a0 = FloatVector.fromMemorySegment(F, ap, pa, LITTLE);
            c0 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b0 + 4L * p)), c0);
            c1 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b1 + 4L * p)), c1);
            c2 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b2 + 4L * p)), c2);
            c3 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b3 + 4L * p)), c3);
            c4 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b4 + 4L * p)), c4);
            c5 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b5 + 4L * p)), c5);
            c6 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b6 + 4L * p)), c6);
            c7 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b7 + 4L * p)), c7);
            c8 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b8 + 4L * p)), c8);
            c9 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b9 + 4L * p)), c9);
            c10 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b10 + 4L * p)), c10);
            c11 = a0.fma(FloatVector.broadcast(F, b.get(LE.FLOAT, b11 + 4L * p)), c11);
            pa += 4L * L;
        }
        storeCol(c0, c, cTile, ldc, 0, rows, 0, tmp);
        storeCol(c1, c, cTile, ldc, 0, rows, 1, tmp);
        storeCol(c2, c, cTile, ldc, 0, rows, 2, tmp);
        storeCol(c3, c, cTile, ldc, 0, rows, 3, tmp);
        storeCol(c4, c, cTile, ldc, 0, rows, 4, tmp);
        storeCol(c5, c, cTile, ldc, 0, rows, 5, tmp);
        storeCol(c6, c, cTile, ldc, 0, rows, 6, tmp);
        storeCol(c7, c, cTile, ldc, 0, rows, 7, tmp);
        storeCol(c8, c, cTile, ldc, 0, rows, 8, tmp);
        storeCol(c9, c, cTile, ldc, 0, rows, 9, tmp);
        storeCol(c10, c, cTile, ldc, 0, rows, 10, tmp);
        storeCol(c11, c, cTile, ldc, 0, rows, 11, tmp);
    }

    /** 2L rows × 1 column, for the last columns of N. */
    static void k2x1(MemorySegment ap, long apOff, int kc, MemorySegment b, long bj,
            MemorySegment c, long cTile, int ldc, int rows, boolean first, float[] tmp) {
        FloatVector c0 = loadCol(c, cTile, ldc, 0, rows, 0, first, tmp);
        FloatVector c1 = loadCol(c, cTile, ldc, L, rows, 0, first, tmp);
        long pa = apOff;
        for (int p = 0; p < kc; p++) {
            FloatVector w = FloatVector.broadcast(F, b.get(LE.FLOAT, bj + 4L * p));
            c0 = FloatVector.fromMemorySegment(F, ap, pa, LITTLE).fma(w, c0);
            c1 = FloatVector.fromMemorySegment(F, ap, pa + 4L * L, LITTLE).fma(w, c1);
            pa += 8L * L;
        }
        storeCol(c0, c, cTile, ldc, 0, rows, 0, tmp);
        storeCol(c1, c, cTile, ldc, L, rows, 0, tmp);
    }

    /** L rows × 1 column. */
    static void k1x1(MemorySegment ap, long apOff, int kc, MemorySegment b, long bj,
            MemorySegment c, long cTile, int ldc, int rows, boolean first, float[] tmp) {
        FloatVector c0 = loadCol(c, cTile, ldc, 0, rows, 0, first, tmp);
        long pa = apOff;
        for (int p = 0; p < kc; p++) {
            c0 = FloatVector.fromMemorySegment(F, ap, pa, LITTLE).fma(FloatVector.broadcast(F, b.get(LE.FLOAT, bj + 4L * p)), c0);
            pa += 4L * L;
        }
        storeCol(c0, c, cTile, ldc, 0, rows, 0, tmp);
    }
}
