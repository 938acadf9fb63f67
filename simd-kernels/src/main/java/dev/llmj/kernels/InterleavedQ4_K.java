package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Q4_KCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Q4_K weight matrix re-laid for decoding with 16-bit integer lanes. A Q4_K sub-block is 32
 * elements, as a Q8_0 activation block is, so each 32-column block is an {@link InterleavedQ4_0}
 * tile (nibbles stored as q − 8) with the rows' 6-bit scale and min beside it, one byte each; the
 * super-scales d and dmin open each 256-column super-tile.
 *
 * <pre>
 *   super-tile (g, sb) = rows 32g .. 32g+31 × columns 256·sb .. +255, 4736 bytes at
 *   (g · superBlocks + sb) · 4736:
 *     bytes 0 .. 63: row r's d times 2^scaleExponent (binary16, finite) at 2r;  bytes 64 .. 127:
 *       its dmin, likewise
 *     block j = 0..7 (sub-block j), 576 bytes at 128 + 576·j:
 *       bytes 0 .. 511: as an InterleavedQ4_0 tile's values (short r of chunk c: row r's
 *         columns 4c .. 4c+3, each q − 8 as a 4-bit two's complement)
 *       bytes 512 .. 575: row r's scale sc (0..63) in the low byte of the short at 512 + 2r,
 *         its min m in the high byte
 *   rows past the matrix's last hold zeros
 * </pre>
 *
 * A kernel reads a row group front to back: the super-scales come first, a block's scales right
 * after the values they scale, which is where the kernels read them (see {@link InterleavedQ6_K}
 * for what a load ahead of the stream cost). With d and dmin at the end of the super-tile, as
 * before, the 48 MiB GEMV (768 columns, one thread, JMH) took 3.43 ms; first, 2.88 ms.
 *
 * 4.625 bits per weight against Q4_K's 4.5 (5.125 with the scale and the min in a short each:
 * decoding streams these bytes from memory, so fewer bytes are faster). The source keeps its own
 * layout.
 *
 * <p>d and dmin are stored times 2^{@code scaleExponent} ({@link ScaleExponent}), so that none is a
 * subnormal binary16 (llama-quantize's d is one where a tensor's weights are small).
 *
 * @param source        the Q4_K matrix this copy was made from
 * @param tiles         the re-laid weights, {@link #bytes} long
 * @param scaleExponent k: the copy holds each d and dmin times 2^k
 */
public record InterleavedQ4_K(Tensor source, MemorySegment tiles, int rows, int cols, int scaleExponent)
        implements InterleavedWeights {
    public static final int TILE_ROWS = 32;
    public static final int BLOCK_BYTES = 576;
    /** Offset of the rows' (scale, min) byte pairs inside a block. */
    public static final int SCALES = 512;
    /** Offset of d inside a super-tile (dmin: + 64). */
    public static final int SUPER_SCALES = 0;
    public static final int SUPER_MINS = SUPER_SCALES + 64;
    /** Offset of block 0 inside a super-tile. */
    public static final int BLOCKS = 128;
    public static final int SUPER_BYTES = BLOCKS + 8 * BLOCK_BYTES;

    public InterleavedQ4_K {
        Checks.tiles(tiles, rows, cols, bytes(rows, cols));
        ScaleExponent.checkRange(scaleExponent);
    }

    /** 2^(112 − scaleExponent): what the kernels multiply a widened d or dmin by ({@link ScaleExponent}). */
    public float rebias() {
        return ScaleExponent.rebias(scaleExponent);
    }

    public int superBlocks() {
        return cols / 256;
    }


    /** Byte offset of super-tile (g, sb). */
    public long superTile(int g, int sb) {
        return ((long) g * superBlocks() + sb) * SUPER_BYTES;
    }

    /** Byte offset of block j of the super-tile at {@code superTile}. */
    public static long block(long superTile, int j) {
        return superTile + BLOCKS + (long) BLOCK_BYTES * j;
    }

    @Override
    public long rowGroupBytes() {
        return bytes(TILE_ROWS, cols);
    }

    /** Bytes of the re-laid copy of a rows × cols matrix. */
    public static long bytes(int rows, int cols) {
        return (long) ((rows + TILE_ROWS - 1) / TILE_ROWS) * (cols / 256) * SUPER_BYTES;
    }

    /**
     * The re-laid copy of Q4_K matrix {@code w}, allocated in {@code arena}.
     *
     * @throws IllegalArgumentException when {@code w} is not a Q4_K matrix, or a d or dmin is
     *     infinite or NaN (the kernels widen them as finite binary16 values only)
     */
    public static InterleavedQ4_K of(Tensor w, Arena arena, KernelExecutor executor) {
        return of(w, arena, executor, -1);
    }

    /**
     * {@link #of(Tensor, Arena, KernelExecutor)} with d and dmin stored times 2^k for the given
     * {@code scaleExponent} k (≥ 0), or for the one {@link ScaleExponent} picks when it is −1.
     * For tests and benchmarks: k = 0 keeps the file's scales as they are.
     *
     * @throws IllegalArgumentException also when k would overflow a scale
     */
    public static InterleavedQ4_K of(Tensor w, Arena arena, KernelExecutor executor, int scaleExponent) {
        WeightMatrix wm = Checks.interleavable(w, DType.Q4_K);
        int k = ScaleExponent.forMatrix(wm, w, Q4_KCodec.BYTES, new int[] {0, 2}, new String[] {"d", "dmin"}, scaleExponent);
        MemorySegment tiles = arena.allocate(Math.max(1, bytes(wm.rows(), wm.cols())), 64);
        InterleavedQ4_K out = new InterleavedQ4_K(w, tiles, wm.rows(), wm.cols(), k);
        RowGroupFill.run(executor, wm, tiles, SUPER_BYTES / 2 * out.superBlocks(), 0, (g, group, unused) ->
                out.fillRowGroup(wm, g, group));
        return out;
    }

    /** Row group g's super-tiles into {@code group} ({@link RowGroupFill}). */
    private void fillRowGroup(WeightMatrix wm, int g, short[] group) {
        long first = superTile(g, 0);
        MemorySegment base = wm.base();
        for (int r = 0; r < TILE_ROWS && TILE_ROWS * g + r < rows; r++) {
            long row = wm.row(TILE_ROWS * g + r);
            for (int sb = 0; sb < superBlocks(); sb++) {
                long src = row + (long) Q4_KCodec.BYTES * sb;
                long t = superTile(g, sb);
                for (int half = 0; half < 2; half++) {
                    short d = base.get(LE.SHORT, src + 2L * half);   // finite: checked by of
                    group[(int) ((t + SUPER_SCALES + 64L * half + 2L * r - first) >> 1)] = ScaleExponent.scaled(d, scaleExponent);
                }
                for (int j = 0; j < 8; j++) {
                    long b = block(t, j);
                    group[(int) ((b + SCALES + 2L * r - first) >> 1)] = (short) (Q4_KCodec.scaleOrMin(base, src + 4, j, false)
                            | Q4_KCodec.scaleOrMin(base, src + 4, j, true) << 8);
                    // sub-block j: the low (j even) or high (j odd) nibbles of the 32 bytes at 16 + 32·(j/2)
                    long q = src + 16 + 32L * (j / 2);
                    int shift = 4 * (j % 2);
                    for (int c = 0; c < 8; c++) {
                        int four = base.get(LE.INT, q + 4L * c) >>> shift;
                        group[(int) ((b + 64L * c + 2L * r - first) >> 1)] = InterleavedQ4_0.fourNibbles(four);
                    }
                }
            }
        }
    }
}
