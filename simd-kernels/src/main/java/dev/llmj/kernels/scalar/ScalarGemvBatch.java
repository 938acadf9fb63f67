package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.GemvBatchKernels;
import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of the vector batched GEMV, and its specification: every vector is quantized as
 * {@link ScalarMatrix#gemvRows} quantizes it, then for each weight row (rows split across the
 * executor) the same {@link DotKernels} call as single-vector GEMV runs once per vector while the
 * row is still in cache. Identical calls on identical operands: bit-identical to b GEMVs.
 */
public final class ScalarGemvBatch implements GemvBatchKernels {
    private final DotKernels dot;
    private final KernelExecutor executor;

    private final int lanes;

    /** {@code lanes}: float lanes of the vector twin (a power of two ≥ 2), which fix the per-pair order of {@link #gemvBatchF32}. */
    public ScalarGemvBatch(DotKernels dot, KernelExecutor executor, int lanes) {
        if (lanes < 2 || Integer.bitCount(lanes) != 1) {
            throw new IllegalArgumentException("lanes must be a power of two ≥ 2, got " + lanes);
        }
        this.dot = dot;
        this.executor = executor;
        this.lanes = lanes;
    }

    /**
     * F32, Q8_0 and Q4_0 weights with F32 activations, the specification of the vector tiles
     * ({@code BatchTiles}): each weight row dequantized as the codecs do (w_j = d·q_j, Q4_0
     * q_j = nibble − 8, one float product), then for every vector the same per-pair order:
     * <pre>
     *   lane l (of L = lanes): acc[l] = fma(w[k], x[k], acc[l]) for k ≡ l (mod L), k &lt; n − n mod L
     *   s = fold(acc): acc[i] += acc[(i + h) mod L] for h = L/2, L/4, …, 1; s = acc[0]  (Lanes.sum's tree)
     *   s = fma(w[k], x[k], s) for the tail k, in order
     * </pre>
     * <pre>
     *   Q8_0 block: [d: f16][q0 .. q31: int8]                       w_j = d·q_j
     *   Q4_0 block: [d: f16][16 bytes: low nibble = j, high = j+16]  w_j = (nibble − 8)·d
     * </pre>
     * Other dtypes: exactly {@link #gemvBatch}.
     */
    @Override
    public void gemvBatchF32(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        DType t = wm.dtype();
        if (t != DType.F32 && t != DType.Q8_0 && t != DType.Q4_0) {
            gemvBatch(w, xs, xOff, b, ys, yOff);
            return;
        }
        int cols = wm.cols();
        int rows = wm.rows();
        MemorySegment base = wm.base();
        executor.reaching(base, xs, ys).parallelRanges(rows, 16, (from, to) -> {
            float[] wr = new float[cols];
            float[] acc = new float[lanes];
            for (int r = from; r < to; r++) {
                dequantizedRow(base, wm.row(r), t, cols, wr);
                for (int v = 0; v < b; v++) {
                    float y = pairDot(lanes, wr, xs, xOff + 4L * v * cols, acc);
                    ys.set(LE.FLOAT, yOff + 4L * ((long) v * rows + r), y);
                }
            }
        });
    }

    private static void dequantizedRow(MemorySegment w, long row, DType t, int cols, float[] out) {
        switch (t) {
            case F32 -> {
                for (int k = 0; k < cols; k++) {
                    out[k] = w.get(LE.FLOAT, row + 4L * k);
                }
            }
            case Q8_0 -> {
                for (int blk = 0; blk < cols / 32; blk++) {
                    long p = row + 34L * blk;
                    float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p));
                    for (int j = 0; j < 32; j++) {
                        out[32 * blk + j] = d * w.get(LE.BYTE, p + 2 + j);
                    }
                }
            }
            case Q4_0 -> {
                for (int blk = 0; blk < cols / 32; blk++) {
                    long p = row + 18L * blk;
                    float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p));
                    for (int j = 0; j < 16; j++) {
                        int packed = w.get(LE.BYTE, p + 2 + j) & 0xFF;
                        out[32 * blk + j] = ((packed & 15) - 8) * d;
                        out[32 * blk + 16 + j] = ((packed >>> 4) - 8) * d;
                    }
                }
            }
            default -> throw new AssertionError(t);
        }
    }

    /** One (row, vector) pair in the fixed order above; {@code acc} is L floats of scratch. */
    private static float pairDot(int lanes, float[] w, MemorySegment x, long x0, float[] acc) {
        int n = w.length;
        int upper = n - n % lanes;
        java.util.Arrays.fill(acc, 0f);
        for (int k = 0; k < upper; k++) {
            acc[k % lanes] = Math.fma(w[k], x.get(LE.FLOAT, x0 + 4L * k), acc[k % lanes]);
        }
        for (int h = lanes / 2; h >= 1; h /= 2) {
            float[] rotated = new float[lanes];
            for (int i = 0; i < lanes; i++) {
                rotated[i] = acc[(i + h) % lanes];
            }
            for (int i = 0; i < lanes; i++) {
                acc[i] += rotated[i];
            }
        }
        float s = acc[0];
        for (int k = upper; k < n; k++) {
            s = Math.fma(w[k], x.get(LE.FLOAT, x0 + 4L * k), s);
        }
        return s;
    }

    @Override
    public void gemvBatch(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        int cols = wm.cols();
        int rows = wm.rows();
        DType t = wm.dtype();
        MemorySegment x = xs;
        long x0 = xOff;
        long xStride = 4L * cols;
        if (t == DType.Q8_0 || t == DType.Q4_0) {
            xStride = DType.Q8_0.byteSize(cols);
            x = Scratch.get(Scratch.Slot.BATCH_ACTIVATIONS, xStride * b);
            x0 = 0;
            for (int v = 0; v < b; v++) {
                dot.quantizeQ8_0(xs, xOff + 4L * v * cols, x, v * xStride, cols);
            }
        }
        MemorySegment xq = x;
        long xq0 = x0;
        long xqStride = xStride;
        MemorySegment base = wm.base();
        executor.reaching(base, xq, ys).parallelRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long row = wm.row(r);
                for (int v = 0; v < b; v++) {
                    long xv = xq0 + v * xqStride;
                    float y = switch (t) {
                        case F32 -> dot.dot(base, row, xq, xv, cols);
                        case F16 -> dot.dotF16(base, row, xq, xv, cols);
                        case BF16 -> dot.dotBf16(base, row, xq, xv, cols);
                        case Q8_0 -> dot.dotQ8_0(base, row, xq, xv, cols);
                        case Q4_0 -> dot.dotQ4_0(base, row, xq, xv, cols);
                        case Q4_K -> dot.dotQ4_K(base, row, xq, xv, cols);
                        case Q6_K -> dot.dotQ6_K(base, row, xq, xv, cols);
                        default -> throw new UnsupportedOperationException("gemvBatch on " + t);
                    };
                    ys.set(LE.FLOAT, yOff + 4L * ((long) v * rows + r), y);
                }
            }
        });
    }

    @Override
    public void gemvBatch(InterleavedQ4_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        ScalarInterleavedQ4_0.gemvBatch(dot, executor, w, xs, xOff, b, ys, yOff);
    }

    @Override
    public void gemvBatch(InterleavedQ8_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        ScalarInterleavedQ8_0.gemvBatch(dot, executor, w, xs, xOff, b, ys, yOff);
    }

    @Override
    public void gemvBatch(InterleavedQ6_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        ScalarInterleavedQ6_K.gemvBatch(dot, executor, w, xs, xOff, b, ys, yOff);
    }

    @Override
    public void gemvBatch(InterleavedQ4_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        ScalarInterleavedQ4_K.gemvBatch(dot, executor, w, xs, xOff, b, ys, yOff);
    }
}
