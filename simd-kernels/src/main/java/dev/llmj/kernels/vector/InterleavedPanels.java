package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedWeights;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row groups of interleaved tiles decoded to float panels for {@link InterleavedGemm} (see
 * {@link InterleavedGemm.GroupDecoder} for the layout). Each value is the float the codec gives
 * for the source element, so GEMM on the copy is GEMM on the source, bit for bit. The operations
 * are the decode kernels' own (shifts in short lanes, the even/odd split of int lanes, the scales'
 * widening), so GEMM feeds the JDK's shared vector code no second profile.
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

    /** Whether {@link #decode} takes copies of w's kind. */
    static boolean decodes(InterleavedWeights w) {
        return w instanceof InterleavedQ4_0;
    }

    /** Row group g of w into {@code panel} from byte {@code off} ({@link InterleavedGemm.GroupDecoder}'s layout). */
    static void decode(InterleavedWeights w, int g, MemorySegment panel, long off) {
        switch (w) {
            case InterleavedQ4_0 q4 -> q4_0(q4, g, panel, off);
            default -> throw new IllegalArgumentException("no panel decoder for " + w.getClass().getSimpleName());
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
                    ShortVector s = ShortVector.fromMemorySegment(S, t, src + 64L * c, LITTLE);
                    for (int e = 0; e < 4; e++, col += 4L * PW) {
                        ShortVector q = e == 3 ? s.lanewise(VectorOperators.ASHR, 12)
                                : s.lanewise(VectorOperators.LSHL, 12 - 4 * e).lanewise(VectorOperators.ASHR, 12);
                        IntVector u = (IntVector) q.reinterpretShape(I, 0);
                        ((FloatVector) u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .convert(VectorOperators.I2F, 0)).mul(dEven).intoMemorySegment(panel, col, LITTLE);
                        ((FloatVector) u.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                                .mul(dOdd).intoMemorySegment(panel, col + 4L * L, LITTLE);
                    }
                }
            }
        }
    }
}
