package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Single-vector decode (b == 1) of {@link VectorGemvBatch#gemvBatchF32} for Q4_0 and Q8_0 rows at
 * 512 bits, two rows at a time. Each row keeps its own accumulator with exactly the order of
 * {@link BatchTiles} (acc = fma(w[k..k+L), x[k..k+L), acc) for k = 0, L, …, then
 * {@link Lanes#sum}; no tail: 32 | cols), so results are bit-identical to the tiles, to
 * {@link BatchTiles#q4r1v1}/{@link BatchTiles#q8r1v1} and to
 * {@link dev.llmj.kernels.scalar.ScalarGemvBatch}. Decoding weights in registers is compute-bound
 * and one row's accumulator is a serial chain of fmas (4 cycles each); two rows give the core two
 * independent chains and share the activation loads. Calling with both rows equal is allowed
 * (the same bits computed twice).
 *
 * <p>Q4_0 decodes nibbles by table lookup instead of int→float conversion: per block a table
 * t[i] = d·(i − 8), i = 0..15 (one 16-lane vector; each product is exact: a 4-bit integer times an
 * f16 value), and w_k = t[q_k] by a lane permutation ({@code selectFrom}) indexed by the nibbles
 * widened to int lanes. The looked-up float is the same as d·(q − 8) computed directly, so the
 * contract is unchanged; it saves the conversion, the subtraction and the product per element.
 * <pre>
 *   Q4_0 block (18 bytes): [d: f16][16 bytes: low nibble = element j, high nibble = element j+16]
 *   Q8_0 block (34 bytes): [d: f16][q0 .. q31: int8]
 * </pre>
 */
final class DecodeRows {
    private DecodeRows() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    /** The pair kernels are written for 16 float lanes (512 bits); other widths run row by row. */
    static final boolean PAIRED = L == 16;

    /** Lanes i − 8 (i &lt; 16): d times it is the Q4_0 table. */
    static final FloatVector M8 = FloatVector.fromArray(F, iota(-8), 0);

    private static float[] iota(int from) {
        float[] a = new float[Math.max(16, L)];
        for (int i = 0; i < a.length; i++) {
            a[i] = from + i;
        }
        return a;
    }

    // ---- Q4_0 -----------------------------------------------------------------------------------

    /**
     * Rows at byte offsets {@code p} and {@code p1} of {@code w} × x from index {@code x0}; the results go
     * to {@code y0} and {@code y1}. Per block and row: t = d·(−8..7), q = the 16 packed bytes
     * zero-extended to int lanes; elements 0..15 = t[q &amp; 15], elements 16..31 = t[q &gt;&gt;&gt; 4].
     */
    static void q4Pair(MemorySegment w, long p, long p1, float[] x, int x0, int blocks,
            MemorySegment y, long y0, long y1, float[] buf) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 18L * blk;
            int xo = x0 + 32 * blk;
            FloatVector xl = FloatVector.fromArray(F, x, xo), xh = FloatVector.fromArray(F, x, xo + 16);
            IntVector t0 = M8.mul(Float.float16ToFloat(w.get(LE.SHORT, p + o))).reinterpretAsInts();
            IntVector t1 = M8.mul(Float.float16ToFloat(w.get(LE.SHORT, p1 + o))).reinterpretAsInts();
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p + o + 2, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p1 + o + 2, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            a0 = q0.and(0x0F).selectFrom(t0).reinterpretAsFloats().fma(xl, a0);
            a1 = q1.and(0x0F).selectFrom(t1).reinterpretAsFloats().fma(xl, a1);
            a0 = q0.lanewise(VectorOperators.LSHR, 4).selectFrom(t0).reinterpretAsFloats().fma(xh, a0);
            a1 = q1.lanewise(VectorOperators.LSHR, 4).selectFrom(t1).reinterpretAsFloats().fma(xh, a1);
        }
        a0.intoArray(buf, 0);
        a1.intoArray(buf, L);
        y.set(LE.FLOAT, y0, Lanes.sum(buf, 0));
        y.set(LE.FLOAT, y1, Lanes.sum(buf, L));
    }

    /**
     * {@link BatchTiles#dequantizeQ4_0} at 512 bits by the same table as {@link #q4Pair}: each
     * block's 32 weights d·(q − 8) (exact, as the codec rounds them) into {@code out} from byte
     * {@code out[o..]}; no byte shifts (x86 has none; the Vector API emulates them with several
     * instructions), measured 4× faster in batched decoding.
     */
    static void dequantizeQ4_0(MemorySegment w, long row, int blocks, float[] out, int o) {
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 18L * blk;
            IntVector t = M8.mul(Float.float16ToFloat(w.get(LE.SHORT, p))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p + 2, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            int ob = o + 32 * blk;
            q.and(0x0F).selectFrom(t).reinterpretAsFloats().intoArray(out, ob);
            q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().intoArray(out, ob + 16);
        }
    }

    // ---- Q8_0 -----------------------------------------------------------------------------------

    /** As {@link #q4Pair} for Q8_0 rows: w = q·d (one float product), elements 0..15 then 16..31. */
    static void q8Pair(MemorySegment w, long p, long p1, float[] x, int x0, int blocks,
            MemorySegment y, long y0, long y1, float[] buf) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 34L * blk;
            int xo = x0 + 32 * blk;
            FloatVector xl = FloatVector.fromArray(F, x, xo), xh = FloatVector.fromArray(F, x, xo + 16);
            FloatVector d0 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE.SHORT, p + o)));
            FloatVector d1 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE.SHORT, p1 + o)));
            a0 = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p + o + 2, LITTLE).castShape(F, 0)).mul(d0).fma(xl, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p1 + o + 2, LITTLE).castShape(F, 0)).mul(d1).fma(xl, a1);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p + o + 18, LITTLE).castShape(F, 0)).mul(d0).fma(xh, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p1 + o + 18, LITTLE).castShape(F, 0)).mul(d1).fma(xh, a1);
        }
        a0.intoArray(buf, 0);
        a1.intoArray(buf, L);
        y.set(LE.FLOAT, y0, Lanes.sum(buf, 0));
        y.set(LE.FLOAT, y1, Lanes.sum(buf, L));
    }

}
