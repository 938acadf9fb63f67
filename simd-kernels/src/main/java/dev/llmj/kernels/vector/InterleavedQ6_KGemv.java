package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;

import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.KernelExecutor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMV on {@link InterleavedQ6_K} tiles with Q8_0 activations, in 16-bit integer lanes (one row
 * per lane), bit for bit {@code ScalarInterleavedQ6_K}: per 64-byte chunk (two columns × 32 rows)
 * the two signed bytes of each lane are sign-extended by shifts, multiplied by their columns'
 * activations and added; every eight columns the short sums are split into even and odd rows as
 * ints and multiplied by the sub-block's scales into int sums; per 32-column block those are
 * converted to float and fma'd with the rows' super-scales times the activation block's scale.
 * Every integer step is exact, so the order of the adds does not matter; the float steps are the
 * scalar twin's. Activations are prepared as for {@link InterleavedQ4_0Gemv}.
 */
final class InterleavedQ6_KGemv {
    private InterleavedQ6_KGemv() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int IL = I.length();
    private static final float REBIAS = 0x1p112f;


    static void gemvBatch(KernelExecutor executor, InterleavedQ6_K w, MemorySegment xs, long xOff, int b,
            MemorySegment ys, long yOff) {
        int cols = w.cols();
        InterleavedQ4_0Gemv.Activations a = InterleavedQ4_0Gemv.activations(xs, xOff, b, cols);
        InterleavedQ4_0Gemv.eachRowGroup(executor, w.tiles(), w.rows(), b, ys, yOff, (g, p, v, out, o) ->
                part(w, g, 4L * IL * p, a.pairs(), v * cols, a.dx(), v * (cols / 32), out, o));
    }

    private static void part(InterleavedQ6_K w, int g, long lane0, int[] pairs, int x0, float[] dx, int d0,
            float[] out, int o) {
        MemorySegment t = w.tiles();
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        ShortVector eight = ShortVector.broadcast(S, (short) 8);
        // read once, as InterleavedQ4_KGemv does (an accessor called in the loop spills the vectors)
        int superBlocks = w.superBlocks();
        long st = w.superTile(g, 0) + lane0;
        for (int sb = 0; sb < superBlocks; sb++, st += InterleavedQ6_K.SUPER_BYTES) {
            // super-scales, even rows in the low halves of the ints, widened as finite binary16
            IntVector d = IntVector.fromMemorySegment(I, t, st + InterleavedQ6_K.SUPER_SCALES, LITTLE);
            FloatVector dEven = (FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector dOdd = (FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                    .or(d.and(0x80000000)).reinterpretShape(F, 0);
            for (int k = 0; k < 8; k++) {
                long blk = st + (long) InterleavedQ6_K.BLOCK_BYTES * k;
                int j = x0 + 256 * sb + 32 * k;
                IntVector sumEven = IntVector.zero(I);
                IntVector sumOdd = IntVector.zero(I);
                // bytes of each int: even row's scale of columns 0..15, of 16..31, then the odd row's
                IntVector sc = IntVector.fromMemorySegment(I, t, blk + InterleavedQ6_K.SCALES, LITTLE);
                for (int half = 0; half < 2; half++) {
                    IntVector scEven = sc.lanewise(VectorOperators.LSHL, 24 - 8 * half)
                            .lanewise(VectorOperators.ASHR, 24);
                    IntVector scOdd = sc.lanewise(VectorOperators.LSHL, 8 - 8 * half).lanewise(VectorOperators.ASHR, 24);
                    for (int eighth = 2 * half; eighth < 2 * half + 2; eighth++, j += 8) {
                        long c0 = blk + 256L * eighth;
                        ShortVector s = ShortVector.zero(S);
                        for (int c = 0; c < 4; c++) {
                            // sign-extended as InterleavedQ4_0Gemv does its nibbles (an int left shift)
                            IntVector pair = IntVector.fromMemorySegment(I, t, c0 + 64L * c, LITTLE);
                            ShortVector lo = ((ShortVector) pair.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                                    .lanewise(VectorOperators.ASHR, eight);
                            ShortVector hi = ((ShortVector) pair.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, eight);
                            s = s.add(lo.mul((ShortVector) IntVector.broadcast(I, pairs[j + 2 * c]).reinterpretShape(S, 0)));
                            s = s.add(hi.mul((ShortVector) IntVector.broadcast(I, pairs[j + 2 * c + 1]).reinterpretShape(S, 0)));
                        }
                        IntVector sums = (IntVector) s.reinterpretShape(I, 0);
                        sumEven = sumEven.add(
                                sums.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scEven));
                        sumOdd = sumOdd.add(sums.lanewise(VectorOperators.ASHR, 16).mul(scOdd));
                    }
                }
                float dxb = dx[d0 + 8 * sb + k] * REBIAS;
                even = ((FloatVector) sumEven.convert(VectorOperators.I2F, 0)).fma(dEven.mul(dxb), even);
                odd = ((FloatVector) sumOdd.convert(VectorOperators.I2F, 0)).fma(dOdd.mul(dxb), odd);
            }
        }
        even.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD);
        odd.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD + IL);
        InterleavedQ4_0Gemv.toRowOrder(out, o);
    }
}
