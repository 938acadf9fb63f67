package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.InterleavedWeights;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row groups of interleaved tiles decoded to float panels for {@link InterleavedGemm} (see
 * {@link InterleavedGemm.GroupDecoder} for the layout). Each value is the float the codec gives
 * for the source element, so GEMM on the copy is GEMM on the source, bit for bit. The operations
 * are the decode kernels' own (shifts in short lanes, the even/odd split of int lanes, the scales'
 * widening), so GEMM feeds the JDK's shared vector code no second profile. No vector is chosen by
 * a condition ({@code e == 3 ? a : b}): where C2 does not unroll the loop, such a merge of two
 * vectors is boxed.
 */
final class InterleavedPanels {
    private InterleavedPanels() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F_LANES;
    /** Rows per panel: the short lanes of one vector. */
    private static final int PW = 2 * L;
    private static final int PARTS = InterleavedGemm.TILE_ROWS / PW;
    /** 2^112: rebiases a binary16 exponent placed in a float (see {@code HalfVectors}). */
    private static final float REBIAS = 0x1p112f;

    /** Row group g of w into {@code panel} from byte {@code off} ({@link InterleavedGemm.GroupDecoder}'s layout). */
    static void decode(InterleavedWeights w, int g, MemorySegment panel, long off) {
        switch (w) {
            case InterleavedQ4_0 q4 -> q4_0(q4, g, panel, off);
            case InterleavedQ8_0 q8 -> q8_0(q8, g, panel, off);
            case InterleavedQ4_K q4k -> q4_K(q4k, g, panel, off);
            case InterleavedQ6_K q6 -> q6_K(q6, g, panel, off);
        }
    }

    /**
     * Row group g of Q4_0 tiles: column p of row r is d_r · (q − 8), exact in float (an 11-bit
     * significand times a 4-bit integer), so it is the codec's value whatever the order.
     */
    static void q4_0(InterleavedQ4_0 w, int g, MemorySegment panel, long off) {
        MemorySegment t = w.tiles();
        int k = w.cols();
        for (int part = 0; part < PARTS; part++) {
            long src = w.tile(g, 0) + 4L * L * part;   // this part's shorts in every chunk, and its scales
            long dst = off + 4L * k * PW * part;
            for (int blk = 0; blk < w.blocks(); blk++, src += InterleavedQ4_0.TILE_BYTES) {
                // the rows' scales, widened as the decode kernel does (even rows in the low halves)
                IntVector d = IntVector.fromMemorySegment(I, t, src + InterleavedQ4_0.SCALES, LITTLE);
                FloatVector dEven = ((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                        .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(REBIAS);
                FloatVector dOdd = ((FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                        .or(d.and(0x80000000)).reinterpretShape(F, 0)).mul(REBIAS);
                long col = dst + 4L * PW * 32 * blk;
                for (int c = 0; c < 8; c++) {
                    IntVector s = IntVector.fromMemorySegment(I, t, src + 64L * c, LITTLE);
                    for (int e = 0; e < 4; e++, col += 4L * PW) {
                        // nibble e of the low (even rows) and high (odd rows) shorts, sign-extended
                        // by int shifts (a 16-bit shift by a constant costs C2 three instructions)
                        ((FloatVector) s.lanewise(VectorOperators.LSHL, 28 - 4 * e).lanewise(VectorOperators.ASHR, 28)
                                .convert(VectorOperators.I2F, 0)).mul(dEven).intoMemorySegment(panel, col, LITTLE);
                        ((FloatVector) s.lanewise(VectorOperators.LSHL, 12 - 4 * e).lanewise(VectorOperators.ASHR, 28)
                                .convert(VectorOperators.I2F, 0)).mul(dOdd).intoMemorySegment(panel, col + 4L * L, LITTLE);
                    }
                }
            }
        }
    }

    /**
     * Row group g of Q8_0 tiles: column p of row r is d_r · q, exact in float (an 11-bit
     * significand times an 8-bit integer), so it is the codec's value whatever the order. Each
     * short holds two columns' signed bytes, read by int shifts as in {@link #q6_K}.
     */
    static void q8_0(InterleavedQ8_0 w, int g, MemorySegment panel, long off) {
        MemorySegment t = w.tiles();
        int k = w.cols();
        for (int part = 0; part < PARTS; part++) {
            long src = w.tile(g, 0) + 4L * L * part;   // this part's shorts in every chunk, and its scales
            long dst = off + 4L * k * PW * part;
            for (int blk = 0; blk < w.blocks(); blk++, src += InterleavedQ8_0.TILE_BYTES) {
                IntVector d = IntVector.fromMemorySegment(I, t, src + InterleavedQ8_0.SCALES, LITTLE);
                FloatVector dEven = ((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                        .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(REBIAS);
                FloatVector dOdd = ((FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                        .or(d.and(0x80000000)).reinterpretShape(F, 0)).mul(REBIAS);
                long col = dst + 4L * PW * 32 * blk;
                for (int c = 0; c < 16; c++) {
                    IntVector s = IntVector.fromMemorySegment(I, t, src + 64L * c, LITTLE);
                    for (int e = 0; e < 2; e++, col += 4L * PW) {
                        // byte e of the low (even rows) and high (odd rows) shorts
                        ((FloatVector) s.lanewise(VectorOperators.LSHL, 24 - 8 * e).lanewise(VectorOperators.ASHR, 24)
                                .convert(VectorOperators.I2F, 0)).mul(dEven).intoMemorySegment(panel, col, LITTLE);
                        ((FloatVector) s.lanewise(VectorOperators.LSHL, 8 - 8 * e).lanewise(VectorOperators.ASHR, 24)
                                .convert(VectorOperators.I2F, 0)).mul(dOdd).intoMemorySegment(panel, col + 4L * L, LITTLE);
                    }
                }
            }
        }
    }

    /**
     * Row group g of Q4_K tiles: column p of row r is fl(fl(q · fl(d·sc)) − fl(dmin·m)), the
     * codec's two roundings (a product, then a difference: no fma), with q = (q − 8) + 8 exact.
     * The scales' widening is written out as in {@link #q4_0}: a helper returning a vector would be
     * boxed wherever C2 did not inline it.
     */
    static void q4_K(InterleavedQ4_K w, int g, MemorySegment panel, long off) {
        MemorySegment t = w.tiles();
        int k = w.cols();
        float rebias = w.rebias();
        for (int part = 0; part < PARTS; part++) {
            long lane = 4L * L * part;   // this part's shorts in every chunk and scale row
            long dst = off + 4L * k * PW * part;
            for (int sb = 0; sb < w.superBlocks(); sb++) {
                long st = w.superTile(g, sb);
                IntVector d = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_SCALES + lane, LITTLE);
                FloatVector dEven = ((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                        .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(rebias);
                FloatVector dOdd = ((FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                        .or(d.and(0x80000000)).reinterpretShape(F, 0)).mul(rebias);
                IntVector dm = IntVector.fromMemorySegment(I, t, st + InterleavedQ4_K.SUPER_MINS + lane, LITTLE);
                FloatVector dminEven = ((FloatVector) dm.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                        .or(dm.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(rebias);
                FloatVector dminOdd = ((FloatVector) dm.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                        .or(dm.and(0x80000000)).reinterpretShape(F, 0)).mul(rebias);
                for (int j = 0; j < 8; j++) {
                    long b = InterleavedQ4_K.block(st, j);
                    // sc and m are 0..63, a byte each: even row's scale, its min, odd row's scale, its min
                    IntVector sm = IntVector.fromMemorySegment(I, t, b + InterleavedQ4_K.SCALES + lane, LITTLE);
                    FloatVector scEven = ((FloatVector) sm.and(0xFF).convert(VectorOperators.I2F, 0)).mul(dEven);
                    FloatVector scOdd = ((FloatVector) sm.lanewise(VectorOperators.LSHR, 16).and(0xFF)
                            .convert(VectorOperators.I2F, 0)).mul(dOdd);
                    FloatVector mEven = ((FloatVector) sm.lanewise(VectorOperators.LSHR, 8).and(0xFF)
                            .convert(VectorOperators.I2F, 0)).mul(dminEven);
                    FloatVector mOdd = ((FloatVector) sm.lanewise(VectorOperators.LSHR, 24).convert(VectorOperators.I2F, 0))
                            .mul(dminOdd);
                    long col = dst + 4L * PW * (256L * sb + 32L * j);
                    for (int c = 0; c < 8; c++) {
                        IntVector s = IntVector.fromMemorySegment(I, t, b + 64L * c + lane, LITTLE);
                        for (int e = 0; e < 4; e++, col += 4L * PW) {
                            // nibble e of the even and odd rows, as in q4_0
                            ((FloatVector) s.lanewise(VectorOperators.LSHL, 28 - 4 * e).lanewise(VectorOperators.ASHR, 28)
                                    .convert(VectorOperators.I2F, 0)).add(8f).mul(scEven).sub(mEven)
                                    .intoMemorySegment(panel, col, LITTLE);
                            ((FloatVector) s.lanewise(VectorOperators.LSHL, 12 - 4 * e).lanewise(VectorOperators.ASHR, 28)
                                    .convert(VectorOperators.I2F, 0)).add(8f).mul(scOdd).sub(mOdd)
                                    .intoMemorySegment(panel, col + 4L * L, LITTLE);
                        }
                    }
                }
            }
        }
    }

    /**
     * Row group g of Q6_K tiles: column p of row r is fl((q − 32) · fl(d·scale)), the codec's
     * value; each short holds two columns' signed bytes.
     */
    static void q6_K(InterleavedQ6_K w, int g, MemorySegment panel, long off) {
        MemorySegment t = w.tiles();
        int k = w.cols();
        float rebias = w.rebias();
        for (int part = 0; part < PARTS; part++) {
            long lane = 4L * L * part;
            long dst = off + 4L * k * PW * part;
            for (int sb = 0; sb < w.superBlocks(); sb++) {
                long st = w.superTile(g, sb);
                IntVector d = IntVector.fromMemorySegment(I, t, st + InterleavedQ6_K.SUPER_SCALES + lane, LITTLE);
                FloatVector dEven = ((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                        .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(rebias);
                FloatVector dOdd = ((FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000)
                        .or(d.and(0x80000000)).reinterpretShape(F, 0)).mul(rebias);
                for (int blk = 0; blk < 8; blk++) {
                    long b = InterleavedQ6_K.block(st, blk);
                    long col = dst + 4L * PW * (256L * sb + 32L * blk);
                    for (int half = 0; half < 2; half++) {
                        // int8 scales, bytes of each int: even row's for columns 0..15, for 16..31, then the odd row's
                        IntVector sc = IntVector.fromMemorySegment(I, t, b + InterleavedQ6_K.SCALES + lane, LITTLE);
                        FloatVector scEven = ((FloatVector) sc.lanewise(VectorOperators.LSHL, 24 - 8 * half)
                                .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(dEven);
                        FloatVector scOdd = ((FloatVector) sc.lanewise(VectorOperators.LSHL, 8 - 8 * half)
                                .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(dOdd);
                        for (int c = 8 * half; c < 8 * half + 8; c++) {
                            IntVector s = IntVector.fromMemorySegment(I, t, b + InterleavedQ6_K.VALUES + 64L * c + lane, LITTLE);
                            for (int e = 0; e < 2; e++, col += 4L * PW) {
                                // column 2c in the low byte of a short, 2c + 1 in the high one: byte e
                                // of the low (even rows) and high (odd rows) shorts, by int shifts
                                ((FloatVector) s.lanewise(VectorOperators.LSHL, 24 - 8 * e).lanewise(VectorOperators.ASHR, 24)
                                        .convert(VectorOperators.I2F, 0)).mul(scEven).intoMemorySegment(panel, col, LITTLE);
                                ((FloatVector) s.lanewise(VectorOperators.LSHL, 8 - 8 * e).lanewise(VectorOperators.ASHR, 24)
                                        .convert(VectorOperators.I2F, 0)).mul(scOdd).intoMemorySegment(panel, col + 4L * L, LITTLE);
                            }
                        }
                    }
                }
            }
        }
    }
}
