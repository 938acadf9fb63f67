package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.B_PER_F_PADDED;
import static dev.llmj.kernels.VectorWidths.B_PER_F_USED;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

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
