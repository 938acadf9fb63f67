package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;

import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
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
 */
final class InterleavedQ4_KGemv {
    private InterleavedQ4_KGemv() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int IL = I.length();
    private static final float REBIAS = 0x1p112f;

    private static final ThreadLocal<int[]> SUMS = ThreadLocal.withInitial(() -> new int[0]);

    static void gemvBatch(KernelExecutor executor, InterleavedQ4_K w, MemorySegment xs, long xOff, int b,
            MemorySegment ys, long yOff) {
        int cols = w.cols();
        int blocks = cols / 32;
        InterleavedQ4_0Gemv.Activations a = InterleavedQ4_0Gemv.activations(xs, xOff, b, cols);
        int[] xsum = Scratch.ints(SUMS, b * blocks);
        for (int i = 0; i < b * blocks; i++) {
            int sum = 0;
            for (int e = 0; e < 32; e++) {
                sum += (short) a.pairs()[32 * i + e];   // each int holds the activation twice; its low half is it
            }
            xsum[i] = sum;
        }
        InterleavedQ4_0Gemv.eachRowGroup(executor, w.tiles(), w.rows(), b, ys, yOff, (g, p, v, out, o) ->
                part(w, g, 4L * IL * p, a.pairs(), v * cols, a.dx(), xsum, v * blocks, out, o));
    }

    private static void part(InterleavedQ4_K w, int g, long lane0, int[] pairs, int x0, float[] dx, int[] xsum, int d0,
            float[] out, int o) {
        MemorySegment t = w.tiles();
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        ShortVector twelve = ShortVector.broadcast(S, (short) 12);
        // the super-block count and offsets read once: this method sits at C2's inlining node budget,
        // and an accessor left as a call in the loop spills every vector register around it
        int superBlocks = w.superBlocks();
        long st = w.superTile(g, 0) + lane0;
        for (int sb = 0; sb < superBlocks; sb++, st += InterleavedQ4_K.SUPER_BYTES) {
            IntVector d = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_SCALES, LITTLE);
            IntVector dm = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_MINS, LITTLE);
            // finite binary16 widened as HalfVectors does (× 2^112 folded into the activation scale)
            FloatVector dEven = (FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector dOdd = (FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                    .or(d.and(0x80000000)).reinterpretShape(F, 0);
            FloatVector mEven = (FloatVector) dm.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dm.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector mOdd = (FloatVector) dm.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                    .or(dm.and(0x80000000)).reinterpretShape(F, 0);
            for (int k = 0; k < 8; k++) {
                long off = st + (long) InterleavedQ4_K.BLOCK_BYTES * k;
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
                float dxb = dx[blk] * REBIAS;
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
}
