package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.B_PER_F_PADDED;
import static dev.llmj.kernels.VectorWidths.B_PER_F_USED;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.scalar.KQuants;
import dev.llmj.kernels.scalar.Similarity;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector twin of {@link dev.llmj.kernels.scalar.ScalarDot}: same signatures, lanes of
 * {@link dev.llmj.kernels.VectorWidths#F}, four independent accumulators in the main loop, one
 * single-vector step, then a scalar fma tail.
 *
 * <p>Quantized blocks are widened byte → float one float-vector at a time ({@code B_PER_F} bytes,
 * one per float lane). For Q8_0 × Q8_0 and Q4_0 × Q8_0 the per-block sums of products are exact in
 * float: 32 products of at most 128·128 sum to less than 2^24.
 */
final class VectorDot implements DotKernels {
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F_LANES;

    static FloatVector f32(MemorySegment s, long off) {
        return FloatVector.fromMemorySegment(F, s, off, LITTLE);
    }

    /** L bytes at {@code off} in the first L lanes of a {@code B_PER_F} vector (never reads past them). */
    static ByteVector bytes(MemorySegment s, long off) {
        return B_PER_F_PADDED
                ? ByteVector.fromMemorySegment(B_PER_F, s, off, LITTLE, B_PER_F_USED)
                : ByteVector.fromMemorySegment(B_PER_F, s, off, LITTLE);
    }

    /** Stores the first L lanes of {@code v} at {@code off}. */
    static void storeBytes(ByteVector v, MemorySegment s, long off) {
        if (B_PER_F_PADDED) {
            v.intoMemorySegment(s, off, LITTLE, B_PER_F_USED);
        } else {
            v.intoMemorySegment(s, off, LITTLE);
        }
    }

    /**
     * L signed bytes at {@code off} widened to int lanes. Bit fields are cut out in int lanes: the
     * hardware has no byte-lane shifts, which the Vector API would emulate slowly.
     */
    static IntVector ints(MemorySegment s, long off) {
        return (IntVector) bytes(s, off).castShape(I, 0);
    }

    static FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** L signed bytes at {@code off}, one per float lane. */
    static FloatVector bytesToFloats(MemorySegment s, long off) {
        return (FloatVector) bytes(s, off).castShape(F, 0);
    }

    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        return dotBody(a, aOff, b, bOff, n);
    }

    static float dotBody(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        int upper4 = n - n % (4 * L);
        for (; i < upper4; i += 4 * L) {
            long pa = aOff + 4L * i;
            long pb = bOff + 4L * i;
            acc0 = f32(a, pa).fma(f32(b, pb), acc0);
            acc1 = f32(a, pa + 4L * L).fma(f32(b, pb + 4L * L), acc1);
            acc2 = f32(a, pa + 8L * L).fma(f32(b, pb + 8L * L), acc2);
            acc3 = f32(a, pa + 12L * L).fma(f32(b, pb + 12L * L), acc3);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            acc0 = f32(a, aOff + 4L * i).fma(f32(b, bOff + 4L * i), acc0);
        }
        FloatVector total = acc0.add(acc1).add(acc2.add(acc3));
        total = L >= 16 ? total.add(total.rearrange(Lanes.FOLD8)) : total;
        total = L >= 8 ? total.add(total.rearrange(Lanes.FOLD4)) : total;
        total = total.add(total.rearrange(Lanes.FOLD2));
        float sum = total.add(total.rearrange(Lanes.FOLD1)).lane(0);
        for (; i < n; i++) {
            sum = Math.fma(a.get(LE.FLOAT, aOff + 4L * i), b.get(LE.FLOAT, bOff + 4L * i), sum);
        }
        return sum;
    }

    public float dotF16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        int upper2 = n - n % (2 * L);
        for (; i < upper2; i += 2 * L) {
            acc0 = HalfVectors.f16(a, aOff + 2L * i).fma(f32(b, bOff + 4L * i), acc0);
            acc1 = HalfVectors.f16(a, aOff + 2L * (i + L)).fma(f32(b, bOff + 4L * (i + L)), acc1);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            acc0 = HalfVectors.f16(a, aOff + 2L * i).fma(f32(b, bOff + 4L * i), acc0);
        }
        FloatVector total = acc0.add(acc1);
        total = L >= 16 ? total.add(total.rearrange(Lanes.FOLD8)) : total;
        total = L >= 8 ? total.add(total.rearrange(Lanes.FOLD4)) : total;
        total = total.add(total.rearrange(Lanes.FOLD2));
        float sum = total.add(total.rearrange(Lanes.FOLD1)).lane(0);
        for (; i < n; i++) {
            sum = Math.fma(HalfFloats.f16ToFloat(a.get(LE.SHORT, aOff + 2L * i)), b.get(LE.FLOAT, bOff + 4L * i), sum);
        }
        return sum;
    }

    public float dotBf16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        int upper2 = n - n % (2 * L);
        for (; i < upper2; i += 2 * L) {
            acc0 = HalfVectors.bf16(a, aOff + 2L * i).fma(f32(b, bOff + 4L * i), acc0);
            acc1 = HalfVectors.bf16(a, aOff + 2L * (i + L)).fma(f32(b, bOff + 4L * (i + L)), acc1);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            acc0 = HalfVectors.bf16(a, aOff + 2L * i).fma(f32(b, bOff + 4L * i), acc0);
        }
        FloatVector total = acc0.add(acc1);
        total = L >= 16 ? total.add(total.rearrange(Lanes.FOLD8)) : total;
        total = L >= 8 ? total.add(total.rearrange(Lanes.FOLD4)) : total;
        total = total.add(total.rearrange(Lanes.FOLD2));
        float sum = total.add(total.rearrange(Lanes.FOLD1)).lane(0);
        for (; i < n; i++) {
            sum = Math.fma(HalfFloats.bf16ToFloat(a.get(LE.SHORT, aOff + 2L * i)), b.get(LE.FLOAT, bOff + 4L * i), sum);
        }
        return sum;
    }

    /** Exact integer Σ qa·qb of one Q8_0 block pair, as a float vector of partial sums. */
    private static FloatVector q8Block(MemorySegment a, long pa, MemorySegment b, long pb) {
        FloatVector s = bytesToFloats(a, pa + 2).mul(bytesToFloats(b, pb + 2));
        for (int c = L; c < 32; c += L) {
            s = bytesToFloats(a, pa + 2 + c).fma(bytesToFloats(b, pb + 2 + c), s);
        }
        return s;
    }

    private static float scaleProduct(MemorySegment a, long pa, MemorySegment b, long pb) {
        return HalfFloats.f16ToFloat(a.get(LE.SHORT, pa)) * HalfFloats.f16ToFloat(b.get(LE.SHORT, pb));
    }

    /**
     * One block per iteration on purpose: unrolling two blocks makes the method big enough that C2
     * stops inlining the block helper, and a vector returned from a call that is not inlined is
     * boxed (an allocation per block).
     */
    public float dotQ8_0(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < n / 32; blk++) {
            long pa = aOff + 34L * blk;
            long pb = bOff + 34L * blk;
            acc = q8Block(a, pa, b, pb).fma(FloatVector.broadcast(F, scaleProduct(a, pa, b, pb)), acc);
        }
        acc = L >= 16 ? acc.add(acc.rearrange(Lanes.FOLD8)) : acc;
        acc = L >= 8 ? acc.add(acc.rearrange(Lanes.FOLD4)) : acc;
        acc = acc.add(acc.rearrange(Lanes.FOLD2));
        return acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
    }

    /**
     * Exact Σ (nibble − 8)·q8 of one Q4_0 block against one Q8_0 block. Packed byte j holds
     * element j (low nibble) and element j+16 (high nibble).
     */
    private static FloatVector q4Block(MemorySegment w, long pw, MemorySegment x, long px) {
        FloatVector s = FloatVector.zero(F);
        for (int c = 0; c < 16; c += L) {
            ByteVector packed = bytes(w, pw + 2 + c);
            FloatVector lo = lowNibbles(packed);
            s = lo.sub(8f).fma(bytesToFloats(x, px + 2 + c), s);
            s = highNibbles(packed, lo).sub(8f).fma(bytesToFloats(x, px + 2 + 16 + c), s);
        }
        return s;
    }

    /** (b &amp; 15) as floats: the AND is native in byte lanes, the widening is the B2F path. */
    static FloatVector lowNibbles(ByteVector b) {
        return (FloatVector) b.and((byte) 0x0F).castShape(F, 0);
    }

    /**
     * (b &gt;&gt;&gt; 4) as floats, without byte-lane shifts (which x86 lacks and the Vector API emulates
     * slowly): the unsigned byte value u minus its low nibble, divided by 16 — all exact in float.
     */
    static FloatVector highNibbles(ByteVector b, FloatVector low) {
        FloatVector signed = (FloatVector) b.castShape(F, 0);
        FloatVector unsigned = signed.add(256f, signed.compare(VectorOperators.LT, 0f));
        return unsigned.sub(low).mul(1f / 16);
    }

    /** One block per iteration, for the reason given at {@link #dotQ8_0}. */
    public float dotQ4_0(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < n / 32; blk++) {
            long pw = wOff + 18L * blk;
            long px = xOff + 34L * blk;
            acc = q4Block(w, pw, x, px).fma(FloatVector.broadcast(F, scaleProduct(w, pw, x, px)), acc);
        }
        acc = L >= 16 ? acc.add(acc.rearrange(Lanes.FOLD8)) : acc;
        acc = L >= 8 ? acc.add(acc.rearrange(Lanes.FOLD4)) : acc;
        acc = acc.add(acc.rearrange(Lanes.FOLD2));
        return acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
    }

    /**
     * Q4_K: per 32-element sub-block, element = d·sc·q − dmin·m (layout in Q4_KCodec).
     *
     * <p>Only Vector API calls in the loop, no helpers of ours, and the nibbles cut out in int lanes
     * (one widening, native shifts) rather than in floats: with the helpers C2 reached its inlining
     * node budget inside the loop, the last loads became calls and their vectors were boxed. The
     * nibble values are the same exact integers, so the results are the same bits.
     */
    public float dotQ4_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < n / 256; blk++) {
            long p = wOff + 144L * blk;
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p));
            float dmin = HalfFloats.f16ToFloat(w.get(LE.SHORT, p + 2));
            long xb = xOff + 4L * 256 * blk;
            for (int pair = 0; pair < 4; pair++) {
                int j = 2 * pair;
                float d1 = d * KQuants.q4kScale(w, p + 4, j);
                float m1 = dmin * KQuants.q4kMin(w, p + 4, j);
                float d2 = d * KQuants.q4kScale(w, p + 4, j + 1);
                float m2 = dmin * KQuants.q4kMin(w, p + 4, j + 1);
                long q = p + 16 + 32L * pair;
                long xq = xb + 4L * 64 * pair;
                for (int c = 0; c < 32; c += L) {
                    ByteVector packed = B_PER_F_PADDED
                            ? ByteVector.fromMemorySegment(B_PER_F, w, q + c, LITTLE, B_PER_F_USED)
                            : ByteVector.fromMemorySegment(B_PER_F, w, q + c, LITTLE);
                    IntVector wide = (IntVector) packed.castShape(I, 0);
                    FloatVector lo = (FloatVector) wide.and(15).convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector) wide.lanewise(VectorOperators.ASHR, 4).and(15)
                            .convert(VectorOperators.I2F, 0);
                    acc = lo.mul(d1).sub(m1).fma(FloatVector.fromMemorySegment(F, x, xq + 4L * c, LITTLE), acc);
                    acc = hi.mul(d2).sub(m2).fma(FloatVector.fromMemorySegment(F, x, xq + 4L * (32 + c), LITTLE), acc);
                }
            }
        }
        if (L >= 16) {
            acc = acc.add(acc.rearrange(Lanes.FOLD8));
        }
        if (L >= 8) {
            acc = acc.add(acc.rearrange(Lanes.FOLD4));
        }
        acc = acc.add(acc.rearrange(Lanes.FOLD2));
        return acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
    }

    /**
     * Q6_K: 4 low bits from ql, 2 high bits from qh, minus 32, times d·scale (layout in Q6_KCodec).
     * The four element groups of each 32-lane slice go round a small loop rather than being written
     * out, and the loop body uses only Vector API calls (see {@link #dotQ4_K}), which keeps the
     * method under C2's inlining node budget: no call in it passes a vector, so none is boxed.
     */
    public float dotQ6_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < n / 256; blk++) {
            long p = wOff + 210L * blk;
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p + 208));
            long xb = xOff + 4L * 256 * blk;
            for (int h = 0; h < 2; h++) {
                long ql = p + 64L * h;
                long qh = p + 128 + 32L * h;
                long sc = p + 192 + 8L * h;
                long xh = xb + 4L * 128 * h;
                for (int l = 0; l < 32; l += L) {
                    IntVector high = (IntVector) (B_PER_F_PADDED
                            ? ByteVector.fromMemorySegment(B_PER_F, w, qh + l, LITTLE, B_PER_F_USED)
                            : ByteVector.fromMemorySegment(B_PER_F, w, qh + l, LITTLE)).castShape(I, 0);
                    for (int g = 0; g < 4; g++) {
                        // group g: element l + 32g; low nibble of ql[l + 32(g&1)] for g < 2, high for g ≥ 2
                        long lowAt = ql + l + 32 * (g & 1);
                        IntVector packed = (IntVector) (B_PER_F_PADDED
                                ? ByteVector.fromMemorySegment(B_PER_F, w, lowAt, LITTLE, B_PER_F_USED)
                                : ByteVector.fromMemorySegment(B_PER_F, w, lowAt, LITTLE)).castShape(I, 0);
                        IntVector low = packed.lanewise(VectorOperators.ASHR, 4 * (g >> 1)).and(15);
                        IntVector q = low.or(high.lanewise(VectorOperators.ASHR, 2 * g).and(3).lanewise(VectorOperators.LSHL, 4))
                                .sub(32);
                        float scale = d * w.get(LE.BYTE, sc + l / 16 + 2 * g);
                        FloatVector xv = FloatVector.fromMemorySegment(F, x, xh + 4L * (l + 32 * g), LITTLE);
                        acc = ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale).fma(xv, acc);
                    }
                }
            }
        }
        if (L >= 16) {
            acc = acc.add(acc.rearrange(Lanes.FOLD8));
        }
        if (L >= 8) {
            acc = acc.add(acc.rearrange(Lanes.FOLD4));
        }
        acc = acc.add(acc.rearrange(Lanes.FOLD2));
        return acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
    }

    public float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        FloatVector ab0 = FloatVector.zero(F);
        FloatVector aa0 = FloatVector.zero(F);
        FloatVector bb0 = FloatVector.zero(F);
        FloatVector ab1 = FloatVector.zero(F);
        FloatVector aa1 = FloatVector.zero(F);
        FloatVector bb1 = FloatVector.zero(F);
        int i = 0;
        int upper2 = n - n % (2 * L);
        for (; i < upper2; i += 2 * L) {
            FloatVector x0 = f32(a, aOff + 4L * i);
            FloatVector y0 = f32(b, bOff + 4L * i);
            FloatVector x1 = f32(a, aOff + 4L * (i + L));
            FloatVector y1 = f32(b, bOff + 4L * (i + L));
            ab0 = x0.fma(y0, ab0);
            aa0 = x0.fma(x0, aa0);
            bb0 = y0.fma(y0, bb0);
            ab1 = x1.fma(y1, ab1);
            aa1 = x1.fma(x1, aa1);
            bb1 = y1.fma(y1, bb1);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector x0 = f32(a, aOff + 4L * i);
            FloatVector y0 = f32(b, bOff + 4L * i);
            ab0 = x0.fma(y0, ab0);
            aa0 = x0.fma(x0, aa0);
            bb0 = y0.fma(y0, bb0);
        }
        FloatVector abTotal = ab0.add(ab1);
        abTotal = L >= 16 ? abTotal.add(abTotal.rearrange(Lanes.FOLD8)) : abTotal;
        abTotal = L >= 8 ? abTotal.add(abTotal.rearrange(Lanes.FOLD4)) : abTotal;
        abTotal = abTotal.add(abTotal.rearrange(Lanes.FOLD2));
        float ab = abTotal.add(abTotal.rearrange(Lanes.FOLD1)).lane(0);
        FloatVector aaTotal = aa0.add(aa1);
        aaTotal = L >= 16 ? aaTotal.add(aaTotal.rearrange(Lanes.FOLD8)) : aaTotal;
        aaTotal = L >= 8 ? aaTotal.add(aaTotal.rearrange(Lanes.FOLD4)) : aaTotal;
        aaTotal = aaTotal.add(aaTotal.rearrange(Lanes.FOLD2));
        float aa = aaTotal.add(aaTotal.rearrange(Lanes.FOLD1)).lane(0);
        FloatVector bbTotal = bb0.add(bb1);
        bbTotal = L >= 16 ? bbTotal.add(bbTotal.rearrange(Lanes.FOLD8)) : bbTotal;
        bbTotal = L >= 8 ? bbTotal.add(bbTotal.rearrange(Lanes.FOLD4)) : bbTotal;
        bbTotal = bbTotal.add(bbTotal.rearrange(Lanes.FOLD2));
        float bb = bbTotal.add(bbTotal.rearrange(Lanes.FOLD1)).lane(0);
        for (; i < n; i++) {
            float x = a.get(LE.FLOAT, aOff + 4L * i);
            float y = b.get(LE.FLOAT, bOff + 4L * i);
            ab = Math.fma(x, y, ab);
            aa = Math.fma(x, x, aa);
            bb = Math.fma(y, y, bb);
        }
        return Similarity.cosine(ab, aa, bb);
    }

    public float euclidean(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        int upper2 = n - n % (2 * L);
        for (; i < upper2; i += 2 * L) {
            FloatVector d0 = f32(a, aOff + 4L * i).sub(f32(b, bOff + 4L * i));
            FloatVector d1 = f32(a, aOff + 4L * (i + L)).sub(f32(b, bOff + 4L * (i + L)));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector d0 = f32(a, aOff + 4L * i).sub(f32(b, bOff + 4L * i));
            acc0 = d0.fma(d0, acc0);
        }
        FloatVector total = acc0.add(acc1);
        total = L >= 16 ? total.add(total.rearrange(Lanes.FOLD8)) : total;
        total = L >= 8 ? total.add(total.rearrange(Lanes.FOLD4)) : total;
        total = total.add(total.rearrange(Lanes.FOLD2));
        float sum = total.add(total.rearrange(Lanes.FOLD1)).lane(0);
        for (; i < n; i++) {
            float diff = a.get(LE.FLOAT, aOff + 4L * i) - b.get(LE.FLOAT, bOff + 4L * i);
            sum = Math.fma(diff, diff, sum);
        }
        return (float) Math.sqrt(sum);
    }

    public void quantizeQ8_0(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        VectorQuantize.q8_0(src, srcOff, dst, dstOff, n);
    }
}
