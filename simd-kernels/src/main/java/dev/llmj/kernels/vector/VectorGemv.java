package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.B_PER_F_PADDED;
import static dev.llmj.kernels.VectorWidths.B_PER_F_USED;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMV for Q8_0 and Q4_0 weights, streaming-friendly. x is quantized to Q8_0 once (bit-identical to
 * the codec), then its int8 values are widened to floats and its scales decoded once per call, so
 * each weight block costs only its own decode: the per-row work is the weights' bytes and nothing
 * else. Block sums are exact integers in float either way, so every y[r] equals
 * {@code dotQ8_0}/{@code dotQ4_0} of the row with the quantized x, bit for bit.
 *
 * <pre>
 *   scratch (per call, caller's thread):  xf[cols] float = q_x   |  xd[cols/32] float = d_x
 *   Q4_0 only, per block and lane j (0..15):  A = x[j] − x[j+16]/16   B = x[j+16]/16   C = −8·x[j]
 * </pre>
 *
 * Why A, B, C: a Q4_0 byte b holds lo (element j, low nibble) and hi (element j+16). Flipping
 * its top bit gives a signed byte b' = b ^ 0x80 = lo + 16·(hi − 8), so the high nibble needs no
 * shift (x86 has no byte-lane shifts) and
 * <pre>
 *   (lo − 8)·x[j] + (hi − 8)·x[j+16] = lo·A + b'·B + C
 * </pre>
 * where every operand is a small multiple of 1/16: each lane is exact, as in {@code dotQ4_0}.
 *
 * <p>At 512 bits Q4_0 rows instead go two at a time through {@link #pairQ4_0}, which looks the
 * nibbles' values up in a 16-lane table (as the decoder {@link DecodeRows} does) and needs neither
 * the A/B/C lanes nor any conversion: the same lanes, the same bits, 1.3–1.5× the rate.
 */
final class VectorGemv {
    private VectorGemv() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F_LANES;

    static void quantized(KernelExecutor executor, WeightMatrix wm, MemorySegment x, long xOff, MemorySegment y,
            long yOff) {
        int cols = wm.cols();
        int blocks = cols / 32;
        MemorySegment xq = Scratch.get(Scratch.Slot.ACTIVATIONS_Q8, 34L * blocks);
        VectorQuantize.q8_0(x, xOff, xq, 0, cols);
        boolean q4 = wm.dtype() == DType.Q4_0;
        if (q4 && DecodeRows.PAIRED) {
            pairedQ4_0(executor, wm, xq, y, yOff);
            return;
        }
        long scales = 4L * cols;
        long abc = scales + 4L * blocks;
        MemorySegment xf = Scratch.get(Scratch.Slot.ROW, abc + (q4 ? 3L * 64 * blocks : 0));
        for (int blk = 0; blk < blocks; blk++) {
            xf.set(LE.FLOAT, scales + 4L * blk, HalfFloats.f16ToFloat(xq.get(LE.SHORT, 34L * blk)));
            for (int c = 0; c < 32; c += L) {
                ByteVector q = B_PER_F_PADDED
                        ? ByteVector.fromMemorySegment(B_PER_F, xq, 34L * blk + 2 + c, LITTLE, B_PER_F_USED)
                        : ByteVector.fromMemorySegment(B_PER_F, xq, 34L * blk + 2 + c, LITTLE);
                q.castShape(F, 0).intoMemorySegment(xf, 4L * (32 * blk + c), LITTLE);
            }
        }
        if (q4) {
            // per block 3 × 16 floats: A, B, C for lanes j = 0..15 (see the class comment)
            for (int blk = 0; blk < blocks; blk++) {
                for (int j = 0; j < 16; j++) {
                    float lo = xf.get(LE.FLOAT, 4L * (32 * blk + j));
                    float hi = xf.get(LE.FLOAT, 4L * (32 * blk + 16 + j));
                    long at = abc + 3L * 64 * blk + 4L * j;
                    xf.set(LE.FLOAT, at, lo - hi / 16);
                    xf.set(LE.FLOAT, at + 64, hi / 16);
                    xf.set(LE.FLOAT, at + 128, -8 * lo);
                }
            }
        }
        MemorySegment base = wm.base();
        executor.reaching(base, y).parallelRanges(wm.rows(), 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                float v = q4 ? rowQ4_0(base, wm.row(r), xf, scales, abc, blocks) : rowQ8_0(base, wm.row(r), xf, scales, blocks);
                y.set(LE.FLOAT, yOff + 4L * r, v);
            }
        });
    }

    // ---- Q4_0 at 512 bits: two rows at a time, nibbles by table lookup -----------------------------

    /** Lanes i − 8 (i &lt; 16) as int bits: the table of a Q4_0 nibble's signed value. */
    private static final IntVector NIBBLE_VALUES = DecodeRows.M8.reinterpretAsInts();

    /** The calling thread's widened Q8_0 activations (values, then block scales); see {@link #pairedQ4_0}. */
    private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * {@link #rowQ4_0}'s results, two rows per loop, paired as {@link RowPairs} says (two long
     * streams per thread). The activations' values and scales are widened into a float[] once per call on
     * the calling thread (the tasks only read it; the executor's hand-off orders the writes before
     * them): segment loads would carry bounds and liveness checks into the loop.
     */
    private static void pairedQ4_0(KernelExecutor executor, WeightMatrix wm, MemorySegment xq, MemorySegment y,
            long yOff) {
        int cols = wm.cols();
        int blocks = cols / 32;
        float[] xf = Scratch.floats(WIDENED, cols + blocks);
        for (int blk = 0; blk < blocks; blk++) {
            xf[cols + blk] = HalfFloats.f16ToFloat(xq.get(LE.SHORT, 34L * blk));
            ByteVector q = ByteVector.fromMemorySegment(B_PER_F, xq, 34L * blk + 2, LITTLE);
            ((FloatVector) q.castShape(F, 0)).intoArray(xf, 32 * blk);
            q = ByteVector.fromMemorySegment(B_PER_F, xq, 34L * blk + 18, LITTLE);
            ((FloatVector) q.castShape(F, 0)).intoArray(xf, 32 * blk + 16);
        }
        MemorySegment base = wm.base();
        executor.reaching(base, y).parallelRanges(wm.rows(), 16, (from, to) -> {
            float[] buf = new float[2 * L];
            for (int i = 0; i < RowPairs.count(from, to); i++) {
                int r0 = from + i;
                int r1 = RowPairs.partner(from, to, i);
                pairQ4_0(base, wm.row(r0), wm.row(r1), xf, cols, blocks, buf);
                y.set(LE.FLOAT, yOff + 4L * r0, buf[0]);
                y.set(LE.FLOAT, yOff + 4L * r1, buf[1]);
            }
        });
    }

    /**
     * Rows at byte offsets p and p1 × the widened Q8_0 activations; results to buf[0] and buf[1].
     * Lane j of a block's sum is (lo_j − 8)·x[j] + (hi_j − 8)·x[j + 16], the nibbles' values looked
     * up in {@link #NIBBLE_VALUES} by a lane permutation (no conversion): the same exact integer
     * as {@link #rowQ4_0}'s lane (both are sums of two integer products below 2^24, so the order
     * does not matter; a zero may differ in sign, which the scale fma into a never-negative-zero
     * accumulator erases), then the same scale product, accumulator fma and lane sum.
     */
    private static void pairQ4_0(MemorySegment w, long p, long p1, float[] xf, int cols, int blocks, float[] buf) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 18L * blk;
            FloatVector xl = FloatVector.fromArray(F, xf, 32 * blk), xh = FloatVector.fromArray(F, xf, 32 * blk + 16);
            float dx = xf[cols + blk];
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p + o + 2, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p1 + o + 2, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector s0 = q0.and(0x0F).selectFrom(NIBBLE_VALUES).reinterpretAsFloats().mul(xl);
            FloatVector s1 = q1.and(0x0F).selectFrom(NIBBLE_VALUES).reinterpretAsFloats().mul(xl);
            s0 = q0.lanewise(VectorOperators.LSHR, 4).selectFrom(NIBBLE_VALUES).reinterpretAsFloats().fma(xh, s0);
            s1 = q1.lanewise(VectorOperators.LSHR, 4).selectFrom(NIBBLE_VALUES).reinterpretAsFloats().fma(xh, s1);
            a0 = s0.fma(FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, p + o)) * dx), a0);
            a1 = s1.fma(FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, p1 + o)) * dx), a1);
        }
        a0.intoArray(buf, 0);
        a1.intoArray(buf, L);
        Lanes.sumPair(buf);
    }

    /*
     * The row loops use only Vector API calls (no helpers of ours, whose inlining C2 may decline
     * or give up on at its node budget, boxing every vector passed through them).
     */
    private static float rowQ8_0(MemorySegment w, long row, MemorySegment xf, long scales, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 34L * blk;
            long px = 128L * blk;
            ByteVector q0 = B_PER_F_PADDED
                    ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2, LITTLE, B_PER_F_USED)
                    : ByteVector.fromMemorySegment(B_PER_F, w, p + 2, LITTLE);
            FloatVector s = ((FloatVector) q0.castShape(F, 0)).mul(FloatVector.fromMemorySegment(F, xf, px, LITTLE));
            for (int c = L; c < 32; c += L) {
                ByteVector q = B_PER_F_PADDED
                        ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, B_PER_F_USED)
                        : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                s = ((FloatVector) q.castShape(F, 0)).fma(FloatVector.fromMemorySegment(F, xf, px + 4L * c, LITTLE), s);
            }
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p)) * xf.get(LE.FLOAT, scales + 4L * blk);
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        acc = L >= 16 ? acc.add(acc.rearrange(Lanes.FOLD8)) : acc;
        acc = L >= 8 ? acc.add(acc.rearrange(Lanes.FOLD4)) : acc;
        acc = acc.add(acc.rearrange(Lanes.FOLD2));
        return acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
    }

    private static float rowQ4_0(MemorySegment w, long row, MemorySegment xf, long scales, long abc, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 18L * blk;
            long pc = abc + 3L * 64 * blk;
            FloatVector s = FloatVector.zero(F);
            for (int c = 0; c < 16; c += L) {
                ByteVector packed = B_PER_F_PADDED
                        ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, B_PER_F_USED)
                        : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                FloatVector lo = (FloatVector) packed.and((byte) 0x0F).castShape(F, 0);
                FloatVector flipped = (FloatVector) packed.lanewise(VectorOperators.XOR, (byte) 0x80).castShape(F, 0);
                FloatVector t = flipped.fma(FloatVector.fromMemorySegment(F, xf, pc + 64 + 4L * c, LITTLE),
                        FloatVector.fromMemorySegment(F, xf, pc + 128 + 4L * c, LITTLE));
                s = s.add(lo.fma(FloatVector.fromMemorySegment(F, xf, pc + 4L * c, LITTLE), t));
            }
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p)) * xf.get(LE.FLOAT, scales + 4L * blk);
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        acc = L >= 16 ? acc.add(acc.rearrange(Lanes.FOLD8)) : acc;
        acc = L >= 8 ? acc.add(acc.rearrange(Lanes.FOLD4)) : acc;
        acc = acc.add(acc.rearrange(Lanes.FOLD2));
        return acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
    }
}
