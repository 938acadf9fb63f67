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
        long call = InterleavedQ4_0Gemv.newCall();
        InterleavedQ4_0Gemv.eachRowGroup(executor, w, b, ys, yOff, (g, g2, p, v, out, o) -> {
            InterleavedQ4_0Gemv.Activations a = InterleavedQ4_0Gemv.activations(call, xs, xOff, b, cols);
            if (g2 >= 0) {
                part2(w, g, g2, 4L * IL * p, a.pairs, v * cols, a.dx, v * (cols / 32), out, o);
            } else {
                part(w, g, 4L * IL * p, a.pairs, v * cols, a.dx, v * (cols / 32), out, o);
            }
        });
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
                long blk = InterleavedQ6_K.block(st, k);
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
                        long c0 = blk + InterleavedQ6_K.VALUES + 256L * eighth;
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
    /**
     * {@link #part} for row groups g and g2 at once, reading two streams of tiles side by side
     * (see {@link InterleavedQ4_0Gemv#eachRowGroup}); each group's integer sums and fma chain are
     * {@link #part}'s, so the same bits. Results go to out[o ..] and
     * out[{@link InterleavedQ4_0Gemv#PAIRED} + o ..]. Written out for both groups: a helper
     * returning vectors would be boxed where C2 declines to inline it.
     */
    private static void part2(InterleavedQ6_K w, int g, int g2, long lane0, int[] pairs, int x0, float[] dx, int d0,
            float[] out, int o) {
        MemorySegment t = w.tiles();
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        FloatVector even2 = FloatVector.zero(F);
        FloatVector odd2 = FloatVector.zero(F);
        ShortVector eight = ShortVector.broadcast(S, (short) 8);
        int superBlocks = w.superBlocks();
        long st = w.superTile(g, 0) + lane0;
        long st2 = w.superTile(g2, 0) + lane0;
        for (int sb = 0; sb < superBlocks; sb++, st += InterleavedQ6_K.SUPER_BYTES, st2 += InterleavedQ6_K.SUPER_BYTES) {
            IntVector d = IntVector.fromMemorySegment(I, t, st + InterleavedQ6_K.SUPER_SCALES, LITTLE);
            FloatVector dEven = (FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector dOdd = (FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                    .or(d.and(0x80000000)).reinterpretShape(F, 0);
            IntVector e = IntVector.fromMemorySegment(I, t, st2 + InterleavedQ6_K.SUPER_SCALES, LITTLE);
            FloatVector eEven = (FloatVector) e.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(e.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector eOdd = (FloatVector) e.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                    .or(e.and(0x80000000)).reinterpretShape(F, 0);
            for (int k = 0; k < 8; k++) {
                long blk = InterleavedQ6_K.block(st, k);
                long blk2 = InterleavedQ6_K.block(st2, k);
                int j = x0 + 256 * sb + 32 * k;
                IntVector sumEven = IntVector.zero(I);
                IntVector sumOdd = IntVector.zero(I);
                IntVector sumEven2 = IntVector.zero(I);
                IntVector sumOdd2 = IntVector.zero(I);
                IntVector sc = IntVector.fromMemorySegment(I, t, blk + InterleavedQ6_K.SCALES, LITTLE);
                IntVector sc2 = IntVector.fromMemorySegment(I, t, blk2 + InterleavedQ6_K.SCALES, LITTLE);
                for (int half = 0; half < 2; half++) {
                    IntVector scEven = sc.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24);
                    IntVector scOdd = sc.lanewise(VectorOperators.LSHL, 8 - 8 * half).lanewise(VectorOperators.ASHR, 24);
                    IntVector scEven2 = sc2.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24);
                    IntVector scOdd2 = sc2.lanewise(VectorOperators.LSHL, 8 - 8 * half).lanewise(VectorOperators.ASHR, 24);
                    for (int eighth = 2 * half; eighth < 2 * half + 2; eighth++, j += 8) {
                        long c0 = blk + InterleavedQ6_K.VALUES + 256L * eighth;
                        long c2 = blk2 + InterleavedQ6_K.VALUES + 256L * eighth;
                        ShortVector s = ShortVector.zero(S);
                        ShortVector s2 = ShortVector.zero(S);
                        for (int c = 0; c < 4; c++) {
                            ShortVector x0c = (ShortVector) IntVector.broadcast(I, pairs[j + 2 * c]).reinterpretShape(S, 0);
                            ShortVector x1c = (ShortVector) IntVector.broadcast(I, pairs[j + 2 * c + 1]).reinterpretShape(S, 0);
                            IntVector pair = IntVector.fromMemorySegment(I, t, c0 + 64L * c, LITTLE);
                            s = s.add(((ShortVector) pair.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                                    .lanewise(VectorOperators.ASHR, eight).mul(x0c));
                            s = s.add(((ShortVector) pair.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, eight).mul(x1c));
                            IntVector pair2 = IntVector.fromMemorySegment(I, t, c2 + 64L * c, LITTLE);
                            s2 = s2.add(((ShortVector) pair2.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                                    .lanewise(VectorOperators.ASHR, eight).mul(x0c));
                            s2 = s2.add(((ShortVector) pair2.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, eight).mul(x1c));
                        }
                        IntVector sums = (IntVector) s.reinterpretShape(I, 0);
                        sumEven = sumEven.add(
                                sums.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scEven));
                        sumOdd = sumOdd.add(sums.lanewise(VectorOperators.ASHR, 16).mul(scOdd));
                        IntVector sums2 = (IntVector) s2.reinterpretShape(I, 0);
                        sumEven2 = sumEven2.add(
                                sums2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scEven2));
                        sumOdd2 = sumOdd2.add(sums2.lanewise(VectorOperators.ASHR, 16).mul(scOdd2));
                    }
                }
                float dxb = dx[d0 + 8 * sb + k] * REBIAS;
                even = ((FloatVector) sumEven.convert(VectorOperators.I2F, 0)).fma(dEven.mul(dxb), even);
                odd = ((FloatVector) sumOdd.convert(VectorOperators.I2F, 0)).fma(dOdd.mul(dxb), odd);
                even2 = ((FloatVector) sumEven2.convert(VectorOperators.I2F, 0)).fma(eEven.mul(dxb), even2);
                odd2 = ((FloatVector) sumOdd2.convert(VectorOperators.I2F, 0)).fma(eOdd.mul(dxb), odd2);
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
