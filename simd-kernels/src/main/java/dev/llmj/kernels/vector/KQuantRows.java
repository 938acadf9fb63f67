package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K and Q6_K rows decoded to floats in a float[] (the GEMM's weight panel), each element the
 * float its scalar codec gives: Q4_K fl(fl(d·sc·q) − dmin·m) with d·sc and dmin·m formed first,
 * Q6_K fl(fl(d·scale)·(q − 32)). The codec decodes element by element with checked byte loads,
 * ≈ 3 cycles per weight: for a K-quant model a quarter of a 128-token prefill went there.
 */
final class KQuantRows {
    private KQuantRows() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Rows [j0, j1) of the Q4_K or Q6_K matrix {@code w} into out, row j at (j − j0)·cols. At 16
     * float lanes in vectors, with the very operations of the decode kernels ({@link KQuantGemv}):
     * other forms of the same steps (sign-extending casts, arithmetic shifts) fed the JDK's shared
     * vector code a second type profile, and decoding a K-quant model after a prefill ran 2–4×
     * slower. Other widths use the scalar codec.
     */
    static void dequantize(WeightMatrix w, int j0, int j1, float[] out) {
        DType t = w.dtype();
        int n = w.cols();
        float[] sm = new float[16]; // a block's scale products, as the codec forms them
        for (int j = j0; j < j1; j++) {
            int o = (j - j0) * n;
            if (!KQuantGemv.PAIRED) {
                Codecs.forType(t).dequantize(w.base(), w.row(j), out, o, n);
            } else if (t == DType.Q4_K) {
                q4_K(w.base(), w.row(j), n, out, o, sm);
            } else if (t == DType.Q6_K) {
                q6_K(w.base(), w.row(j), n, out, o, sm);
            } else {
                throw new IllegalArgumentException("not a K-quant matrix: " + t);
            }
        }
    }

    /** Q4_K (layout at {@code Q4_KCodec}): sub-blocks 2i (low nibbles) and 2i + 1 (high) share 32 bytes. */
    private static void q4_K(MemorySegment w, long off, int n, float[] out, int o, float[] sm) {
        // sm: d·sc_j at j, dmin·m_j at 8 + j
        for (int blk = 0; blk < n / 256; blk++) {
            long p = off + 144L * blk;
            KQuantGemv.scalesAndMins(w, p, sm, 0);
            int ob = o + 256 * blk;
            for (int pair = 0; pair < 4; pair++) {
                int j = 2 * pair;
                float d1 = sm[j];
                float m1 = sm[8 + j];
                float d2 = sm[j + 1];
                float m2 = sm[9 + j];
                long q = p + 16 + 32L * pair;
                int op = ob + 64 * pair;
                for (int c = 0; c < 32; c += 16) {
                    IntVector packed = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, q + c, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    ((FloatVector) packed.and(15).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(out, op + c);
                    ((FloatVector) packed.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(out, op + 32 + c);
                }
            }
        }
    }

    /** Q6_K (layout at {@code Q6_KCodec}): the bit assembly of {@code KQuantGemv.q6kTile}, one group per pass. */
    private static void q6_K(MemorySegment w, long off, int n, float[] out, int o, float[] sm) {
        // sm: d·scale_i
        for (int blk = 0; blk < n / 256; blk++) {
            long p = off + 210L * blk;
            KQuantGemv.scales6(w, p, sm, 0);
            for (int h = 0; h < 2; h++) {
                long ql = p + 64L * h;
                long qh = p + 128 + 32L * h;
                int oh = o + 256 * blk + 128 * h;
                for (int l = 0; l < 32; l += 16) {
                    IntVector high = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, qh + l, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    for (int g = 0; g < 4; g++) {
                        IntVector packed = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, ql + l + 32 * (g & 1), LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector q = packed.lanewise(VectorOperators.LSHR, 4 * (g >> 1)).and(15)
                                .or(high.lanewise(VectorOperators.LSHR, 2 * g).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        float scale = sm[8 * h + l / 16 + 2 * g];
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale).intoArray(out, oh + l + 32 * g);
                    }
                }
            }
        }
    }
}
