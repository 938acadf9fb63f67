package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.B_PER_F_PADDED;
import static dev.llmj.kernels.VectorWidths.B_PER_F_USED;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * On-the-fly Q8_0 quantization of activations, bit-identical to
 * {@link dev.llmj.tensor.quant.Q8_0Codec#quantize}.
 *
 * <p>C's roundf (halves away from zero) in float lanes: with a = |v|, t = trunc(a) and the exact
 * fraction f = a − t, roundf(a) = t + (f ≥ 0.5); the sign is put back afterwards. (Adding 0.5 in
 * float would round 0.49999997 up.) Everything stays in float lanes until the final float → byte
 * conversions, which are exact for the integers −127..127.
 *
 * <p>Only Vector API calls inside the loops: the gemv entry inlines this method, and a helper of
 * ours that C2 then declined (node budget) would box every vector passed through it.
 */
final class VectorQuantize {
    private VectorQuantize() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;

    static void q8_0(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        quantize(src, srcOff, n, dst, dstOff, null, 0, null, 0);
    }

    /**
     * {@link #q8_0} spread for the interleaved kernels instead of stored as bytes: block k's scale,
     * as its stored binary16 reads back, to dx[dOff + k], and each quantized value q as
     * (q &amp; 0xFFFF) · 0x10001 (q in both shorts of an int: a broadcast of it, read as shorts, is q
     * in every short lane) to pairs[pOff ..]. The same values as {@link #q8_0}'s bytes read back,
     * without the round trip through them, which cost more than the quantization (a 128-bit byte
     * store and reload per 16 values).
     */
    static void q8_0Pairs(MemorySegment src, long srcOff, int[] pairs, int pOff, float[] dx, int dOff, int n) {
        quantize(src, srcOff, n, null, 0, pairs, pOff, dx, dOff);
    }

    /** {@link #q8_0} into {@code dst} when it is not null, else {@link #q8_0Pairs} into pairs and dx. */
    private static void quantize(MemorySegment src, long srcOff, int n, MemorySegment dst, long dstOff, int[] pairs,
            int pOff, float[] dx, int dOff) {
        for (int blk = 0; blk < n / 32; blk++) {
            long s = srcOff + 128L * blk;
            long o = dstOff + 34L * blk;
            FloatVector amaxV = FloatVector.fromMemorySegment(F, src, s, LITTLE).abs();
            for (int c = L; c < 32; c += L) {
                amaxV = amaxV.max(FloatVector.fromMemorySegment(F, src, s + 4L * c, LITTLE).abs());
            }
            float amax = amaxV.reduceLanes(VectorOperators.MAX);
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            short d16 = HalfFloats.floatToF16(d);
            if (dst != null) {
                dst.set(LE.SHORT, o, d16);
            } else {
                dx[dOff + blk] = HalfFloats.f16ToFloat(d16);
            }
            for (int c = 0; c < 32; c += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, src, s + 4L * c, LITTLE).mul(id);
                FloatVector a = v.abs();
                FloatVector t = (FloatVector) a.convert(VectorOperators.F2I, 0).convert(VectorOperators.I2F, 0);
                FloatVector r = t.add(1f, a.sub(t).compare(VectorOperators.GE, 0.5f));
                r = r.lanewise(VectorOperators.NEG, v.compare(VectorOperators.LT, 0f));
                // float → int in place (same shape, one instruction)
                IntVector q = (IntVector) r.convert(VectorOperators.F2I, 0);
                if (dst == null) {
                    q.and(0xFFFF).mul(0x10001).intoArray(pairs, pOff + 32 * blk + c);
                } else {
                    // int → byte narrowing
                    ByteVector b = (ByteVector) q.castShape(B_PER_F, 0);
                    if (B_PER_F_PADDED) {
                        b.intoMemorySegment(dst, o + 2 + c, LITTLE, B_PER_F_USED);
                    } else {
                        b.intoMemorySegment(dst, o + 2 + c, LITTLE);
                    }
                }
            }
        }
    }
}
