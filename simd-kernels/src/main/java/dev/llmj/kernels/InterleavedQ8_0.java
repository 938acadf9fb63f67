package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Q8_0 weight matrix re-laid for decoding with 16-bit integer lanes, as {@link InterleavedQ4_0}
 * does for Q4_0: lane r of a vector is row r of a 32-row tile.
 *
 * <p>A Q8_0 value times a Q8_0 activation reaches 16129, so two products already overflow a
 * short. The kernel therefore splits each activation into two base-16 digits, x = 16·h + l with
 * h in −8..8 and l in −8..7, and sums q·h and q·l separately: each is at most 127·8 in
 * magnitude, so a block's 32 of them stay within ±32512 and fit a short; 16·Σq·h + Σq·l is the
 * exact block sum. That needs values in −127..127: a −128 (which llama.cpp's quantizer never
 * writes, its scale maps the block's largest magnitude to 127) could reach +32768, so a matrix
 * holding one is refused and stays on the float kernel.
 *
 * <pre>
 *   tile (g, blk) = rows 32g .. 32g+31 × block blk (columns 32·blk .. +31), 1088 bytes at
 *   (g · blocks + blk) · 1088:
 *     bytes 64c .. 64c+63 (c = 0..15): 32 little-endian shorts; short r holds row 32g+r's
 *       values (signed bytes) of columns 2c (low byte) and 2c+1 (high byte)
 *     bytes 1024 .. 1087: row 32g+r's block scale d (binary16, finite) at 1024 + 2r
 *   rows past the matrix's last hold zeros
 * </pre>
 *
 * 34 bytes per 32 weights, as in Q8_0 itself. The source keeps its own layout; GEMM can read this
 * copy too ({@link MatrixKernels#gemmReadsCopy}). This copy lives in the arena it was made in.
 *
 * @param source the Q8_0 matrix this copy was made from
 * @param tiles  the re-laid weights, {@link #bytes} long
 */
public record InterleavedQ8_0(Tensor source, MemorySegment tiles, int rows, int cols) implements InterleavedWeights {
    public static final int TILE_ROWS = InterleavedQ4_0.TILE_ROWS;
    /** Bytes of one 32-row × 32-column tile: 1024 of values, 64 of scales. */
    public static final int TILE_BYTES = 1088;
    /** Offset of the scales inside a tile. */
    public static final int SCALES = 1024;

    public InterleavedQ8_0 {
        Checks.tiles(tiles, rows, cols, bytes(rows, cols));
    }

    /** Blocks (columns / 32) per row. */
    public int blocks() {
        return cols / 32;
    }

    /** Byte offset of tile (g, blk). */
    public long tile(int g, int blk) {
        return ((long) g * blocks() + blk) * TILE_BYTES;
    }

    @Override
    public long rowGroupBytes() {
        return bytes(TILE_ROWS, cols);
    }

    /** Bytes of the re-laid copy of a rows × cols matrix. */
    public static long bytes(int rows, int cols) {
        return (long) ((rows + TILE_ROWS - 1) / TILE_ROWS) * (cols / 32) * TILE_BYTES;
    }

    /**
     * The re-laid copy of Q8_0 matrix {@code w}, allocated in {@code arena}; rows are copied in
     * parallel on {@code executor}.
     *
     * @throws IllegalArgumentException when {@code w} is not a Q8_0 matrix, a block scale is
     *     infinite or NaN (the kernels widen scales as finite binary16 values only), or a value is
     *     −128 (see the class comment)
     */
    public static InterleavedQ8_0 of(Tensor w, Arena arena, KernelExecutor executor) {
        WeightMatrix wm = Checks.interleavable(w, DType.Q8_0);
        MemorySegment tiles = arena.allocate(Math.max(1, bytes(wm.rows(), wm.cols())), 64);
        InterleavedQ8_0 out = new InterleavedQ8_0(w, tiles, wm.rows(), wm.cols());
        RowGroupFill.run(executor, wm, tiles, TILE_BYTES / 2 * out.blocks(), 0, (g, group, unused) ->
                out.fillRowGroup(wm, g, group));
        return out;
    }

    /**
     * Every tile of row group g into {@code group} ({@link RowGroupFill}). A Q8_0 block is 17
     * little-endian shorts (the scale, then the values two by two), which is the tiles' own unit,
     * so each row is read as shorts and each value pair moved whole: byte by byte, loading 1b Q8_0
     * took 3.4 s.
     */
    private void fillRowGroup(WeightMatrix wm, int g, short[] group) {
        int tileShorts = TILE_BYTES / 2;
        short[] row = new short[17 * blocks()];
        for (int r = 0; r < TILE_ROWS && TILE_ROWS * g + r < rows; r++) {
            MemorySegment.copy(wm.base(), LE.SHORT, wm.row(TILE_ROWS * g + r), row, 0, row.length);
            for (int blk = 0; blk < blocks(); blk++) {
                int src = 17 * blk;
                int t = tileShorts * blk;
                short d = row[src];
                if ((d & 0x7C00) == 0x7C00) {
                    Checks.finiteScale(d, "scale", "row " + (TILE_ROWS * g + r) + ", block " + blk, source);
                }
                group[t + SCALES / 2 + r] = d;
                int minus128 = 0;
                for (int c = 0; c < 16; c++) {
                    short pair = row[src + 1 + c];
                    // a byte of 0x80 is −128
                    minus128 |= ((pair & 0xFF) == 0x80 ? 1 : 0) | ((pair & 0xFF00) == 0x8000 ? 1 : 0);
                    group[t + 32 * c + r] = pair;
                }
                if (minus128 != 0) {
                    throw new IllegalArgumentException("row " + (TILE_ROWS * g + r) + ", block " + blk + " of " + source
                            + " holds the value -128, which the 16-bit kernel cannot sum exactly; only matrices"
                            + " with values in -127..127 (what llama.cpp writes) are interleaved");
                }
            }
        }
    }
}
