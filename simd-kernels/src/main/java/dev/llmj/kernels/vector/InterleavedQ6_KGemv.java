package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_S;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;
import static dev.llmj.kernels.VectorWidths.S_PER_F;

import dev.llmj.kernels.InterleavedQ6_K;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMV on {@link InterleavedQ6_K} tiles with Q8_0 activations, in 16-bit integer lanes, bit for
 * bit {@code ScalarInterleavedQ6_K}. A chunk's bytes (two columns × 32 rows, row r's pair in
 * short r) are read as they lie and sign-extended byte to short on load, as
 * {@link InterleavedQ8_0Gemv} does: lane 2r holds row r's value of the even column, lane 2r + 1
 * of the odd one, multiplied by an int broadcast holding both columns' activations. Over a
 * 16-column sub-block each lane sums eight products (|q·x| ≤ 32·127, so eight fit a short); the
 * int lanes' two shorts added give each row's sub-block sum, multiplied by its scale in int
 * lanes; per 32-column block those are converted to float and fma'd with the rows' super-scales
 * times the activation block's scale. Every integer step is exact, so the order of the adds does
 * not matter; the float steps are the scalar twin's. Rows come out in order.
 *
 * <p>Against the form before (one 64-byte load and a shift pair per column, sums split into even
 * and odd rows and scaled every eight columns), one thread, same bits: 32000 × 768 from DRAM
 * (three copies cycled) 49 → 41 ps per weight, in cache 38 → 33. Activations are prepared as for
 * {@link InterleavedQ4_0Gemv}, plus their column pairs.
 *
 * <p>The row-group walk, the activations and the grouping of several weights into one job are
 * {@link KQuantGroupGemv}'s (a single weight is a group of one); this class holds the kernels.
 */
final class InterleavedQ6_KGemv {
    private InterleavedQ6_KGemv() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int IL = I.length();
    /** a.pairs by column pair into a.columnPairs (n activations), once per call. */
    static void columnPairs(InterleavedQ4_0Gemv.Activations a, long call, int n) {
        if (a.columnPairsCall == call) {
            return;
        }
        a.columnPairsCall = call;
        if (a.columnPairs.length < n / 2) {
            a.columnPairs = new int[n / 2];
        }
        InterleavedQ4_0Gemv.columnPairs(a.pairs, a.columnPairs, n);
    }

    /**
     * 2·IL rows of row group g against one vector, from byte {@code lane0} of every chunk (and
     * scale row); column pair c's activations are columnPairs[c0 + c]; results go to out[o ..] in
     * row order.
     */
    static void part(InterleavedQ6_K w, int g, long lane0, int[] columnPairs, int c0, float[] dx, int d0,
            float[] out, int o) {
        MemorySegment t = w.tiles();
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        int next = B_PER_S.length();   // bytes (and scale bytes) of rows IL .. 2·IL−1 follow those of rows 0 .. IL−1
        // read once, as InterleavedQ4_KGemv does (an accessor called in the loop spills the vectors)
        int superBlocks = w.superBlocks();
        float rebias = w.rebias();   // 2^112 over the copy's scale exponent (ScaleExponent)
        long st = w.superTile(g, 0) + lane0;
        for (int sb = 0; sb < superBlocks; sb++, st += InterleavedQ6_K.SUPER_BYTES) {
            IntVector dA = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, st + InterleavedQ6_K.SUPER_SCALES, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector superA = (FloatVector) dA.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dA.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            IntVector dB = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, st + InterleavedQ6_K.SUPER_SCALES + next, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector superB = (FloatVector) dB.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dB.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            for (int k = 0; k < 8; k++) {
                long blk = InterleavedQ6_K.block(st, k);
                IntVector scA = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, blk + InterleavedQ6_K.SCALES, LITTLE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector sumA = IntVector.zero(I);
                IntVector scB = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, blk + InterleavedQ6_K.SCALES + next, LITTLE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector sumB = IntVector.zero(I);
                int j = c0 + 128 * sb + 16 * k;
                for (int half = 0; half < 2; half++) {
                    ShortVector sA = ShortVector.zero(S);
                    ShortVector sB = ShortVector.zero(S);
                    for (int c = 8 * half; c < 8 * half + 8; c++, j++) {
                        ShortVector x = (ShortVector) IntVector.broadcast(I, columnPairs[j]).reinterpretShape(S, 0);
                        sA = sA.add(((ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, blk + InterleavedQ6_K.VALUES + 64L * c, LITTLE)
                                .convertShape(VectorOperators.B2S, S, 0)).mul(x));
                        sB = sB.add(((ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, blk + InterleavedQ6_K.VALUES + 64L * c + next,
                                LITTLE).convertShape(VectorOperators.B2S, S, 0)).mul(x));
                    }
                    // per int lane (row): its even- and odd-column shorts added, times its scale for these 16 columns
                    IntVector iA = (IntVector) sA.reinterpretShape(I, 0);
                    sumA = sumA.add(iA.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(iA.lanewise(VectorOperators.ASHR, 16))
                            .mul(scA.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24)));
                    IntVector iB = (IntVector) sB.reinterpretShape(I, 0);
                    sumB = sumB.add(iB.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(iB.lanewise(VectorOperators.ASHR, 16))
                            .mul(scB.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24)));
                }
                float dxb = dx[d0 + 8 * sb + k] * rebias;
                accA = ((FloatVector) sumA.convert(VectorOperators.I2F, 0)).fma(superA.mul(dxb), accA);
                accB = ((FloatVector) sumB.convert(VectorOperators.I2F, 0)).fma(superB.mul(dxb), accB);
            }
        }
        accA.intoArray(out, o);
        accB.intoArray(out, o + IL);
    }

    /**
     * {@link #part} for row group g of w and row group g2 of w2 (w itself, or another weight of its
     * width) at once, reading two streams of tiles side by side
     * (see {@link InterleavedQ4_0Gemv#eachRowGroup}); each group's integer sums and fma chain are
     * {@link #part}'s, so the same bits. Results go to out[o ..] and
     * out[{@link InterleavedQ4_0Gemv#PAIRED} + o ..]. Written out for both groups: a helper
     * returning vectors would be boxed where C2 declines to inline it.
     */
    static void part2(InterleavedQ6_K w, int g, InterleavedQ6_K w2, int g2, long lane0, int[] columnPairs, int c0, float[] dx,
            int d0, float[] out, int o) {
        MemorySegment t = w.tiles();
        MemorySegment t2 = w2.tiles();
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        FloatVector accA2 = FloatVector.zero(F);
        FloatVector accB2 = FloatVector.zero(F);
        int next = B_PER_S.length();   // bytes (and scale bytes) of rows IL .. 2·IL−1 follow those of rows 0 .. IL−1
        // read once, as InterleavedQ4_KGemv does (an accessor called in the loop spills the vectors)
        int superBlocks = w.superBlocks();
        float rebias = w.rebias();   // 2^112 over the copy's scale exponent (ScaleExponent)
        float rebias2 = w2.rebias();
        long st = w.superTile(g, 0) + lane0;
        long st2 = w2.superTile(g2, 0) + lane0;
        for (int sb = 0; sb < superBlocks; sb++, st += InterleavedQ6_K.SUPER_BYTES, st2 += InterleavedQ6_K.SUPER_BYTES) {
            IntVector dA = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, st + InterleavedQ6_K.SUPER_SCALES, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector superA = (FloatVector) dA.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dA.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            IntVector dB = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, st + InterleavedQ6_K.SUPER_SCALES + next, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector superB = (FloatVector) dB.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dB.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            IntVector dA2 = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t2, st2 + InterleavedQ6_K.SUPER_SCALES, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector superA2 = (FloatVector) dA2.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dA2.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            IntVector dB2 = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t2, st2 + InterleavedQ6_K.SUPER_SCALES + next, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector superB2 = (FloatVector) dB2.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(dB2.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            for (int k = 0; k < 8; k++) {
                long blk = InterleavedQ6_K.block(st, k);
                IntVector scA = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, blk + InterleavedQ6_K.SCALES, LITTLE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector sumA = IntVector.zero(I);
                IntVector scB = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, blk + InterleavedQ6_K.SCALES + next, LITTLE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector sumB = IntVector.zero(I);
                long blk2 = InterleavedQ6_K.block(st2, k);
                IntVector scA2 = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t2, blk2 + InterleavedQ6_K.SCALES, LITTLE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector sumA2 = IntVector.zero(I);
                IntVector scB2 = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t2, blk2 + InterleavedQ6_K.SCALES + next, LITTLE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector sumB2 = IntVector.zero(I);
                int j = c0 + 128 * sb + 16 * k;
                for (int half = 0; half < 2; half++) {
                    ShortVector sA = ShortVector.zero(S);
                    ShortVector sB = ShortVector.zero(S);
                    ShortVector sA2 = ShortVector.zero(S);
                    ShortVector sB2 = ShortVector.zero(S);
                    for (int c = 8 * half; c < 8 * half + 8; c++, j++) {
                        ShortVector x = (ShortVector) IntVector.broadcast(I, columnPairs[j]).reinterpretShape(S, 0);
                        sA = sA.add(((ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, blk + InterleavedQ6_K.VALUES + 64L * c, LITTLE)
                                .convertShape(VectorOperators.B2S, S, 0)).mul(x));
                        sB = sB.add(((ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, blk + InterleavedQ6_K.VALUES + 64L * c + next,
                                LITTLE).convertShape(VectorOperators.B2S, S, 0)).mul(x));
                        sA2 = sA2.add(((ShortVector) ByteVector.fromMemorySegment(B_PER_S, t2, blk2 + InterleavedQ6_K.VALUES + 64L * c, LITTLE)
                                .convertShape(VectorOperators.B2S, S, 0)).mul(x));
                        sB2 = sB2.add(((ShortVector) ByteVector.fromMemorySegment(B_PER_S, t2, blk2 + InterleavedQ6_K.VALUES + 64L * c + next,
                                LITTLE).convertShape(VectorOperators.B2S, S, 0)).mul(x));
                    }
                    // per int lane (row): its even- and odd-column shorts added, times its scale for these 16 columns
                    IntVector iA = (IntVector) sA.reinterpretShape(I, 0);
                    sumA = sumA.add(iA.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(iA.lanewise(VectorOperators.ASHR, 16))
                            .mul(scA.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24)));
                    IntVector iB = (IntVector) sB.reinterpretShape(I, 0);
                    sumB = sumB.add(iB.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(iB.lanewise(VectorOperators.ASHR, 16))
                            .mul(scB.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24)));
                    IntVector iA2 = (IntVector) sA2.reinterpretShape(I, 0);
                    sumA2 = sumA2.add(iA2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(iA2.lanewise(VectorOperators.ASHR, 16))
                            .mul(scA2.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24)));
                    IntVector iB2 = (IntVector) sB2.reinterpretShape(I, 0);
                    sumB2 = sumB2.add(iB2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(iB2.lanewise(VectorOperators.ASHR, 16))
                            .mul(scB2.lanewise(VectorOperators.LSHL, 24 - 8 * half).lanewise(VectorOperators.ASHR, 24)));
                }
                float dxb = dx[d0 + 8 * sb + k] * rebias;
                accA = ((FloatVector) sumA.convert(VectorOperators.I2F, 0)).fma(superA.mul(dxb), accA);
                accB = ((FloatVector) sumB.convert(VectorOperators.I2F, 0)).fma(superB.mul(dxb), accB);
                float dxb2 = dx[d0 + 8 * sb + k] * rebias2;
                accA2 = ((FloatVector) sumA2.convert(VectorOperators.I2F, 0)).fma(superA2.mul(dxb2), accA2);
                accB2 = ((FloatVector) sumB2.convert(VectorOperators.I2F, 0)).fma(superB2.mul(dxb2), accB2);
            }
        }
        accA.intoArray(out, o);
        accB.intoArray(out, o + IL);
        accA2.intoArray(out, InterleavedQ4_0Gemv.PAIRED + o);
        accB2.intoArray(out, InterleavedQ4_0Gemv.PAIRED + o + IL);
    }
}
