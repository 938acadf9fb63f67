package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Q6_KCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Q6_K weight matrix re-laid for decoding with 16-bit integer lanes, as {@link InterleavedQ4_0}
 * does for Q4_0: lane r of a vector is row r of a 32-row tile. A value (−32..31) times a Q8_0
 * activation (−127..127) is at most 4064 in magnitude, so eight products, not a whole 16-element
 * sub-block, fit a short; the kernel sums eight columns at a time, then multiplies by the
 * sub-block's scale in int lanes.
 *
 * <pre>
 *   super-tile (g, sb) = rows 32g .. 32g+31 × super-block sb (columns 256·sb .. +255), 8768 bytes
 *   at (g · superBlocks + sb) · 8768:
 *     bytes 0 .. 63: row r's super-scale d times 2^scaleExponent (binary16, finite) at 2r
 *     block k = 0..7 (columns 256·sb + 32k .. +31), 1088 bytes at 64 + 1088·k:
 *       bytes 0 .. 63: the short at 2r holds row r's scales (int8): columns 0..15 in its low
 *         byte, columns 16..31 in its high byte
 *       bytes 64 + 64c .. +63 (c = 0..15): 32 little-endian shorts; short r holds row 32g+r's
 *         values (q − 32, a signed byte each) of columns 2c (low byte) and 2c+1 (high byte)
 *   rows past the matrix's last hold zeros
 * </pre>
 *
 * Every scale sits before the values it scales, so a kernel reads a row group front to back.
 * With the scales after their values (as in Q6_K's own block), each block's and super-block's
 * first load jumped ahead of the stream: from DRAM the GEMV ran at 0.6× the speed of the same
 * loop reading in order (32000 × 768, one thread, 81 against 49 ps per weight), where Q8_0's
 * tiles, scales last but read last, ran at 47. The 48 MiB GEMV (768 columns, one thread, JMH):
 * 5.29 ms before, 2.98 ms now, Q8_0 2.34.
 *
 * 8.5625 bits per weight against Q6_K's 6.5625: bytes cost one shift pair per two columns to read,
 * 6-bit fields several operations per column (a 6-bit layout was tried: from DRAM 6 % faster, in
 * cache slower). The source keeps its own layout; this copy lives in
 * the arena it was made in.
 *
 * <p>The super-scales are stored times 2^{@code scaleExponent} ({@link ScaleExponent}): llama-quantize's
 * are all subnormal binary16 values, which the kernels' widening would turn into subnormal floats.
 *
 * @param source        the Q6_K matrix this copy was made from
 * @param tiles         the re-laid weights, {@link #bytes} long
 * @param scaleExponent k: the copy holds each super-scale times 2^k
 */
public record InterleavedQ6_K(Tensor source, MemorySegment tiles, int rows, int cols, int scaleExponent)
        implements InterleavedWeights {
    public static final int TILE_ROWS = 32;
    /** Bytes of one 32-row × 32-column block: 1024 of values, 64 of sub-block scales. */
    public static final int BLOCK_BYTES = 1088;
    /** Offset of the rows' scale pairs inside a block. */
    public static final int SCALES = 0;
    /** Offset of chunk 0 (columns 0 and 1) inside a block; chunk c is at {@code VALUES + 64c}. */
    public static final int VALUES = 64;
    /** Offset of the super-scales inside a super-tile. */
    public static final int SUPER_SCALES = 0;
    /** Offset of block 0 inside a super-tile. */
    public static final int BLOCKS = 64;
    /** Bytes of one 32-row × 256-column super-tile. */
    public static final int SUPER_BYTES = BLOCKS + 8 * BLOCK_BYTES;

    public InterleavedQ6_K {
        Checks.tiles(tiles, rows, cols, bytes(rows, cols));
        ScaleExponent.checkRange(scaleExponent);
    }

    /** 2^(112 − scaleExponent): what the kernels multiply a widened super-scale by ({@link ScaleExponent}). */
    public float rebias() {
        return ScaleExponent.rebias(scaleExponent);
    }

    /** Super-blocks (columns / 256) per row. */
    public int superBlocks() {
        return cols / 256;
    }


    /** Byte offset of super-tile (g, sb). */
    public long superTile(int g, int sb) {
        return ((long) g * superBlocks() + sb) * SUPER_BYTES;
    }

    @Override
    public long rowGroupBytes() {
        return bytes(TILE_ROWS, cols);
    }

    /** Byte offset of block k of the super-tile at {@code superTile}. */
    public static long block(long superTile, int k) {
        return superTile + BLOCKS + (long) BLOCK_BYTES * k;
    }

    /** Bytes of the re-laid copy of a rows × cols matrix. */
    public static long bytes(int rows, int cols) {
        return (long) ((rows + TILE_ROWS - 1) / TILE_ROWS) * (cols / 256) * SUPER_BYTES;
    }

    /**
     * The re-laid copy of Q6_K matrix {@code w}, allocated in {@code arena}; rows are copied in
     * parallel on {@code executor}.
     *
     * @throws IllegalArgumentException when {@code w} is not a Q6_K matrix, or a super-scale is
     *     infinite or NaN (the kernels widen scales as finite binary16 values only)
     */
    public static InterleavedQ6_K of(Tensor w, Arena arena, KernelExecutor executor) {
        return of(w, arena, executor, -1);
    }

    /**
     * {@link #of(Tensor, Arena, KernelExecutor)} with the super-scales stored times 2^k for the
     * given {@code scaleExponent} k (≥ 0), or for the one {@link ScaleExponent} picks when it is
     * −1. For tests and benchmarks: k = 0 keeps the file's scales as they are.
     *
     * @throws IllegalArgumentException also when k would overflow a scale
     */
    public static InterleavedQ6_K of(Tensor w, Arena arena, KernelExecutor executor, int scaleExponent) {
        WeightMatrix wm = Checks.interleavable(w, DType.Q6_K);
        int k = ScaleExponent.forMatrix(wm, w, Q6_KCodec.BYTES, new int[] {208}, new String[] {"scale"}, scaleExponent);
        MemorySegment tiles = arena.allocate(Math.max(1, bytes(wm.rows(), wm.cols())), 64);
        InterleavedQ6_K out = new InterleavedQ6_K(w, tiles, wm.rows(), wm.cols(), k);
        RowGroupFill.run(executor, wm, tiles, SUPER_BYTES / 2 * out.superBlocks(), 256, (g, group, q) ->
                out.fillRowGroup(wm, g, group, q));
        return out;
    }

    /** Row group g's super-tiles into {@code group} ({@link RowGroupFill}); {@code q} holds one super-block's values. */
    private void fillRowGroup(WeightMatrix wm, int g, short[] group, byte[] q) {
        long first = superTile(g, 0);
        for (int r = 0; r < TILE_ROWS && TILE_ROWS * g + r < rows; r++) {
            long row = wm.row(TILE_ROWS * g + r);
            for (int sb = 0; sb < superBlocks(); sb++) {
                long src = row + (long) Q6_KCodec.BYTES * sb;
                long t = superTile(g, sb);
                short d = wm.base().get(LE.SHORT, src + 208);   // finite: checked by of
                group[(int) ((t + SUPER_SCALES + 2L * r - first) >> 1)] = ScaleExponent.scaled(d, scaleExponent);
                Q6_KCodec.values(wm.base(), src, q);
                for (int k = 0; k < 8; k++) {
                    long b = block(t, k);
                    for (int c = 0; c < 16; c++) {
                        int pair = (q[32 * k + 2 * c] & 0xFF) | (q[32 * k + 2 * c + 1] << 8);
                        group[(int) ((b + VALUES + 64L * c + 2L * r - first) >> 1)] = (short) pair;
                    }
                    // sub-blocks 2k and 2k + 1 of the super-block (columns 32k .. +15 and 32k + 16 .. +31)
                    int low = wm.base().get(LE.BYTE, src + 192 + 2 * k) & 0xFF;
                    int high = wm.base().get(LE.BYTE, src + 192 + 2 * k + 1);
                    group[(int) ((b + SCALES + 2L * r - first) >> 1)] = (short) (low | high << 8);
                }
            }
        }
    }
}
