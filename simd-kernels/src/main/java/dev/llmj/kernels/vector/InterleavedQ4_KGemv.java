package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;

import dev.llmj.kernels.InterleavedQ4_K;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMV on {@link InterleavedQ4_K} tiles with Q8_0 activations, bit for bit
 * {@code ScalarInterleavedQ4_K}: each 32-column block runs {@link InterleavedQ4_0Gemv}'s chunk
 * loop (the nibbles hold q − 8, so its sum S' gives S = S' + 8·X, X the activation block's sum),
 * then in int lanes sc·S and m·X for even and odd rows, each converted to float and fma'd with
 * d·d_x and −dmin·d_x, in the scalar twin's order.
 *
 * <p>The row-group walk, the activations and the grouping of several weights into one job are
 * {@link KQuantGroupGemv}'s (a single weight is a group of one); this class holds the kernels.
 */
final class InterleavedQ4_KGemv {
    private InterleavedQ4_KGemv() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int IL = I.length();

    /** Each block's activation sum, into a.sums (n blocks), once per call. */
    static void blockSums(InterleavedQ4_0Gemv.Activations a, long call, int n) {
        if (a.sumsCall == call) {
            return;
        }
        a.sumsCall = call;
        if (a.sums.length < n) {
            a.sums = new int[n];
        }
        for (int i = 0; i < n; i++) {
            int sum = 0;
            for (int e = 0; e < 32; e++) {
                sum += (short) a.pairs[32 * i + e];   // each int holds the activation twice; its low half is it
            }
            a.sums[i] = sum;
        }
    }

    static void part(InterleavedQ4_K w, int g, long lane0, int[] pairs, int x0, float[] dx, int[] xsum, int d0,
            float[] out, int o) {
        MemorySegment t = w.tiles();
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        ShortVector twelve = ShortVector.broadcast(S, (short) 12);
        // the super-block count and offsets read once: this method sits at C2's inlining node budget,
        // and an accessor left as a call in the loop spills every vector register around it
        int superBlocks = w.superBlocks();
        float rebias = w.rebias();   // 2^112 over the copy's scale exponent (ScaleExponent)
        long st = w.superTile(g, 0) + lane0;
        for (int sb = 0; sb < superBlocks; sb++, st += InterleavedQ4_K.SUPER_BYTES) {
            IntVector d = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_SCALES, LITTLE);
            IntVector dm = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_MINS, LITTLE);
            // finite binary16 widened as HalfVectors does (× 2^112 over the copy's scale exponent, folded into the activation scale)
            FloatVector dEven = (FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector dOdd = (FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                    .or(d.and(0x80000000)).reinterpretShape(F, 0);
            FloatVector mEven = (FloatVector) dm.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dm.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector mOdd = (FloatVector) dm.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                    .or(dm.and(0x80000000)).reinterpretShape(F, 0);
            for (int k = 0; k < 8; k++) {
                long off = InterleavedQ4_K.block(st, k);
                int j = x0 + 256 * sb + 32 * k;
                ShortVector s = ShortVector.zero(S);
                for (int c = 0; c < 8; c++, j += 4) {
                    // the nibbles sign-extended as InterleavedQ4_0Gemv does (int left shifts)
                    IntVector wv = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                    ShortVector q0 = ((ShortVector) wv.lanewise(VectorOperators.LSHL, 12).reinterpretShape(S, 0))
                            .lanewise(VectorOperators.ASHR, twelve);
                    ShortVector q1 = ((ShortVector) wv.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                            .lanewise(VectorOperators.ASHR, twelve);
                    ShortVector q2 = ((ShortVector) wv.lanewise(VectorOperators.LSHL, 4).reinterpretShape(S, 0))
                            .lanewise(VectorOperators.ASHR, twelve);
                    ShortVector q3 = ((ShortVector) wv.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, twelve);
                    s = s.add(q0.mul((ShortVector) IntVector.broadcast(I, pairs[j]).reinterpretShape(S, 0)));
                    s = s.add(q1.mul((ShortVector) IntVector.broadcast(I, pairs[j + 1]).reinterpretShape(S, 0)));
                    s = s.add(q2.mul((ShortVector) IntVector.broadcast(I, pairs[j + 2]).reinterpretShape(S, 0)));
                    s = s.add(q3.mul((ShortVector) IntVector.broadcast(I, pairs[j + 3]).reinterpretShape(S, 0)));
                }
                int blk = d0 + 8 * sb + k;
                int x = xsum[blk];
                IntVector sums = (IntVector) s.reinterpretShape(I, 0);
                // bytes of each int: even row's scale, its min, odd row's scale, its min
                IntVector sm = IntVector.fromMemorySegment(I, t, off + InterleavedQ4_K.SCALES, LITTLE);
                IntVector tEven = sums.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * x)
                        .mul(sm.and(0xFF));
                IntVector tOdd = sums.lanewise(VectorOperators.ASHR, 16).add(8 * x)
                        .mul(sm.lanewise(VectorOperators.LSHR, 16).and(0xFF));
                IntVector mxEven = sm.lanewise(VectorOperators.LSHR, 8).and(0xFF).mul(x);
                IntVector mxOdd = sm.lanewise(VectorOperators.LSHR, 24).mul(x);
                float dxb = dx[blk] * rebias;
                even = ((FloatVector) tEven.convert(VectorOperators.I2F, 0)).fma(dEven.mul(dxb), even);
                odd = ((FloatVector) tOdd.convert(VectorOperators.I2F, 0)).fma(dOdd.mul(dxb), odd);
                even = ((FloatVector) mxEven.convert(VectorOperators.I2F, 0)).fma(mEven.mul(dxb).neg(), even);
                odd = ((FloatVector) mxOdd.convert(VectorOperators.I2F, 0)).fma(mOdd.mul(dxb).neg(), odd);
            }
        }
        even.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD);
        odd.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD + IL);
        InterleavedQ4_0Gemv.toRowOrder(out, o);
    }
    /**
     * {@link #part} for row group g of w and row group g2 of w2 (w itself, or another weight of its
     * width) at once, reading two streams of tiles side by side
     * (see {@link InterleavedQ4_0Gemv#eachRowGroup}); each group's integer sums and fma chain are
     * {@link #part}'s, so the same bits. Results go to out[o ..] and
     * out[{@link InterleavedQ4_0Gemv#PAIRED} + o ..].
     */
    static void part2(InterleavedQ4_K w, int g, InterleavedQ4_K w2, int g2, long lane0, int[] pairs, int x0, float[] dx, int[] xsum,
            int d0, float[] out, int o) {
        MemorySegment t = w.tiles();
        MemorySegment t2 = w2.tiles();
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        FloatVector even2 = FloatVector.zero(F);
        FloatVector odd2 = FloatVector.zero(F);
        ShortVector twelve = ShortVector.broadcast(S, (short) 12);
        int superBlocks = w.superBlocks();
        float rebias = w.rebias();   // 2^112 over the copy's scale exponent (ScaleExponent)
        float rebias2 = w2.rebias();
        long st = w.superTile(g, 0) + lane0;
        long st2 = w2.superTile(g2, 0) + lane0;
        for (int sb = 0; sb < superBlocks; sb++, st += InterleavedQ4_K.SUPER_BYTES, st2 += InterleavedQ4_K.SUPER_BYTES) {
            for (int k = 0; k < 8; k++) {
                long off = InterleavedQ4_K.block(st, k);
                long off2 = InterleavedQ4_K.block(st2, k);
                int j = x0 + 256 * sb + 32 * k;
                ShortVector s = ShortVector.zero(S);
                ShortVector s2 = ShortVector.zero(S);
                for (int c = 0; c < 8; c++) {
                    IntVector wv = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                    IntVector wv2 = IntVector.fromMemorySegment(I, t2, off2 + 64L * c, LITTLE);
                    for (int n = 0; n < 4; n++, j++) {
                        // one form for all four nibbles (see InterleavedQ4_0Gemv.part2: C2's budget)
                        ShortVector x = (ShortVector) IntVector.broadcast(I, pairs[j]).reinterpretShape(S, 0);
                        s = s.add(((ShortVector) wv.lanewise(VectorOperators.LSHL, 12 - 4 * n).reinterpretShape(S, 0))
                                .lanewise(VectorOperators.ASHR, twelve).mul(x));
                        s2 = s2.add(((ShortVector) wv2.lanewise(VectorOperators.LSHL, 12 - 4 * n).reinterpretShape(S, 0))
                                .lanewise(VectorOperators.ASHR, twelve).mul(x));
                    }
                }
                int blk = d0 + 8 * sb + k;
                int x = xsum[blk];
                float dxb = dx[blk] * rebias;
                // the super-scales are re-read per block (two groups' worth of them would not stay in registers)
                IntVector d = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_SCALES, LITTLE);
                IntVector dm = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_MINS, LITTLE);
                IntVector sums = (IntVector) s.reinterpretShape(I, 0);
                IntVector sm = IntVector.fromMemorySegment(I, t, off + InterleavedQ4_K.SCALES, LITTLE);
                even = ((FloatVector) sums.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * x)
                        .mul(sm.and(0xFF)).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                                .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), even);
                odd = ((FloatVector) sums.lanewise(VectorOperators.ASHR, 16).add(8 * x)
                        .mul(sm.lanewise(VectorOperators.LSHR, 16).and(0xFF)).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(d.and(0x80000000))
                                .reinterpretShape(F, 0)).mul(dxb), odd);
                even = ((FloatVector) sm.lanewise(VectorOperators.LSHR, 8).and(0xFF).mul(x).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) dm.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                                .or(dm.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0))
                                .mul(dxb).neg(), even);
                odd = ((FloatVector) sm.lanewise(VectorOperators.LSHR, 24).mul(x).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) dm.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(dm.and(0x80000000))
                                .reinterpretShape(F, 0)).mul(dxb).neg(), odd);
                float dxb2 = dx[blk] * rebias2;
                IntVector e = IntVector.fromMemorySegment(I, t2, st2 + InterleavedQ4_K.SUPER_SCALES, LITTLE);
                IntVector em = IntVector.fromMemorySegment(I, t2, st2 + InterleavedQ4_K.SUPER_MINS, LITTLE);
                IntVector sums2 = (IntVector) s2.reinterpretShape(I, 0);
                IntVector sm2 = IntVector.fromMemorySegment(I, t2, off2 + InterleavedQ4_K.SCALES, LITTLE);
                even2 = ((FloatVector) sums2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(8 * x)
                        .mul(sm2.and(0xFF)).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) e.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                                .or(e.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb2), even2);
                odd2 = ((FloatVector) sums2.lanewise(VectorOperators.ASHR, 16).add(8 * x)
                        .mul(sm2.lanewise(VectorOperators.LSHR, 16).and(0xFF)).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) e.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(e.and(0x80000000))
                                .reinterpretShape(F, 0)).mul(dxb2), odd2);
                even2 = ((FloatVector) sm2.lanewise(VectorOperators.LSHR, 8).and(0xFF).mul(x).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) em.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                                .or(em.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0))
                                .mul(dxb2).neg(), even2);
                odd2 = ((FloatVector) sm2.lanewise(VectorOperators.LSHR, 24).mul(x).convert(VectorOperators.I2F, 0))
                        .fma(((FloatVector) em.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(em.and(0x80000000))
                                .reinterpretShape(F, 0)).mul(dxb2).neg(), odd2);
            }
        }
        even.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD);
        odd.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD + IL);
        InterleavedQ4_0Gemv.toRowOrder(out, o);
        even2.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD);
        odd2.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD + IL);
        InterleavedQ4_0Gemv.toRowOrder(out, InterleavedQ4_0Gemv.PAIRED + o);
    }

}
