package dev.llmj.rope.attention;

import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Attention over an F16 cache that holds an infinity or NaN, with the F32 kernels: a block of
 * cached rows is widened exactly ({@link Float#float16ToFloat}) into an L1-sized F32 scratch,
 * then {@link AttentionKernels#scores} or {@link AttentionKernels#weightedSum} runs on the block.
 * The F16 kernels' in-register widening ({@link VectorHalfAttention}) is exact for finite values
 * only; this path is exact for all, and slower (each block's reads stall before its compute: it
 * ran at half the F32 cache's speed at depth 1024). The kernels' per-key and per-(query, lane)
 * results do not depend on how the keys are cut into calls (their contracts), so blocks change no
 * bit. One instance per thread.
 */
final class HalfRows {
    /** F32 elements per block: 16 KiB, half of this machine's 32 KiB L1D per core. */
    static final int BLOCK_FLOATS = 4096;

    private float[] wide = new float[0];
    private MemorySegment block = MemorySegment.NULL;

    /** Rows of {@code n} elements that go in one block (at least one, however long a row is). */
    private int rowsPerBlock(int n) {
        int rows = Math.max(1, BLOCK_FLOATS / n);
        if (wide.length < rows * n) {
            wide = new float[rows * n];
            block = Arena.ofAuto().allocate(4L * rows * n, 64);
        }
        return rows;
    }

    /**
     * Widens {@code count} elements of binary16 at {@code off} into the F32 block. C2 compiles the
     * conversion loop to {@code vcvtph2ps} only when it writes an array (a loop from one segment
     * into another may alias, and stays scalar), hence the float[] and the bulk copy after it.
     */
    private MemorySegment widen(MemorySegment src, long off, int count) {
        float[] w = wide;
        for (int i = 0; i < count; i++) {
            w[i] = Float.float16ToFloat(src.get(LE.SHORT, off + 2L * i));
        }
        MemorySegment.copy(w, 0, block, LE.FLOAT, 0, count);
        return block;
    }

    /** {@link AttentionKernels#scores} on {@code count} contiguous F16 key rows of {@code n} at {@code kOff}. */
    void scores(AttentionKernels kern, MemorySegment q, long qOff, MemorySegment keys, long kOff, int count, int n,
                float scale, float[] out, int outOff) {
        int per = rowsPerBlock(n);
        for (int j = 0; j < count; j += per) {
            int rows = Math.min(per, count - j);
            MemorySegment b = widen(keys, kOff + 2L * j * n, rows * n);
            kern.scores(q, qOff, b, 0, 4L * n, rows, n, scale, out, outOff + j);
        }
    }

    /**
     * {@link AttentionKernels#weightedSum} on {@code count} contiguous F16 value rows of {@code n}
     * at {@code vOff}: the blocks go in ascending order, so each accumulator lane sees the same
     * fma sequence as in one call.
     */
    void weightedSum(AttentionKernels kern, float[] w, int wOff, int wStride, int queries, MemorySegment values,
                     long vOff, int count, MemorySegment acc, long accOff, long accStride, int n) {
        int per = rowsPerBlock(n);
        for (int j = 0; j < count; j += per) {
            int rows = Math.min(per, count - j);
            MemorySegment b = widen(values, vOff + 2L * j * n, rows * n);
            kern.weightedSum(w, wOff + j, wStride, queries, b, 0, 4L * n, rows, acc, accOff, accStride, n);
        }
    }
}
