package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Q4_0 weight matrix re-laid for decoding with 16-bit integer lanes: lane r of a vector is row r
 * of a 32-row tile, so one vector multiply-add covers 32 rows at one column and a block's integer
 * sum never has to be gathered across lanes. (The Vector API cannot emit the int8 dot-product
 * instructions llama.cpp uses; 16-bit multiplies and adds are the closest it has, and a Q4_0 value
 * (−8..7) times a Q8_0 activation (−127..127), summed over a 32-element block, stays within
 * ±32512, inside a short.)
 *
 * <pre>
 *   tile (g, blk) = rows 32g .. 32g+31 × block blk (columns 32·blk .. +31), 576 bytes at
 *   (g · blocks + blk) · 576:
 *     bytes 64c .. 64c+63 (c = 0..7): 32 little-endian shorts; short r holds row 32g+r's
 *       elements 4c .. 4c+3, element 4c+k in bits 4k .. 4k+3 as a 4-bit two's complement q − 8
 *       (the Q4_0 nibble q with its top bit flipped)
 *     bytes 512 .. 575: row 32g+r's block scale d (binary16, finite) at 512 + 2r
 *   rows past the matrix's last (the final tile, when rows % 32 ≠ 0) hold q − 8 = 0 and d = 0
 * </pre>
 *
 * The source keeps its own layout; GEMM can read this copy too (same bits, see
 * {@link MatrixKernels#gemmReadsCopy}), so a model need not keep the source's pages. This copy lives
 * in the arena it was made in and has the same owner as the model.
 *
 * @param source the Q4_0 matrix this copy was made from
 * @param tiles  the re-laid weights, {@link #bytes} long
 */
public record InterleavedQ4_0(Tensor source, MemorySegment tiles, int rows, int cols) implements InterleavedWeights {
    /** Rows per tile: one short lane each in a 512-bit vector. */
    public static final int TILE_ROWS = 32;
    /** Bytes of one 32-row × 32-column tile: 512 of values, 64 of scales. */
    public static final int TILE_BYTES = 576;
    /** Offset of the scales inside a tile. */
    public static final int SCALES = 512;

    public InterleavedQ4_0 {
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
     * The re-laid copy of Q4_0 matrix {@code w}, allocated in {@code arena}; the rows are copied in
     * parallel on {@code executor}.
     *
     * @throws IllegalArgumentException when {@code w} is not a Q4_0 matrix, or a block scale is
     *     infinite or NaN (the kernels widen scales as finite binary16 values only)
     */
    public static InterleavedQ4_0 of(Tensor w, Arena arena, KernelExecutor executor) {
        WeightMatrix wm = Checks.interleavable(w, DType.Q4_0);
        int rows = wm.rows();
        int cols = wm.cols();
        MemorySegment tiles = arena.allocate(Math.max(1, bytes(rows, cols)), 64);
        InterleavedQ4_0 out = new InterleavedQ4_0(w, tiles, rows, cols);
        RowGroupFill.run(executor, wm, tiles, TILE_BYTES / 2 * out.blocks(), 18 * out.blocks(), (g, group, row) ->
                out.fillRowGroup(wm, g, group, row));
        return out;
    }

    /** Every tile of row group g into {@code group} ({@link RowGroupFill}), one row's bytes at a time in {@code row}. */
    private void fillRowGroup(WeightMatrix wm, int g, short[] group, byte[] row) {
        int blocks = blocks();
        int tileShorts = TILE_BYTES / 2;
        for (int r = 0; r < TILE_ROWS && TILE_ROWS * g + r < rows; r++) {
            MemorySegment.copy(wm.base(), java.lang.foreign.ValueLayout.JAVA_BYTE, wm.row(TILE_ROWS * g + r), row, 0, row.length);
            for (int blk = 0; blk < blocks; blk++) {
                int src = 18 * blk;
                int t = tileShorts * blk;
                short d = (short) ((row[src] & 0xFF) | (row[src + 1] << 8));
                if ((d & 0x7C00) == 0x7C00) {
                    Checks.finiteScale(d, "scale", "row " + (TILE_ROWS * g + r) + ", block " + blk, source);
                }
                group[t + SCALES / 2 + r] = d;
                // bytes 4c .. 4c+3: elements 4c .. 4c+3 (low nibbles), 16 + 4c .. (high)
                for (int c = 0; c < 4; c++) {
                    int b = src + 2 + 4 * c;
                    int x = (row[b] & 0xFF) | (row[b + 1] & 0xFF) << 8 | (row[b + 2] & 0xFF) << 16 | row[b + 3] << 24;
                    group[t + 32 * c + r] = fourNibbles(x);
                    group[t + 32 * (c + 4) + r] = fourNibbles(x >>> 4);
                }
            }
        }
    }

    /**
     * The low nibbles of x's four bytes packed into one short (byte k's in bits 4k..4k+3), each
     * with its top bit flipped: q becomes the 4-bit two's complement of q − 8.
     */
    static short fourNibbles(int x) {
        int n = x & 0x0F0F0F0F;              // nibble k at bit 8k
        n = (n | (n >>> 4)) & 0x00FF00FF;    // nibbles 0,1 at bits 0..7; 2,3 at 16..23
        n = (n | (n >>> 8)) & 0xFFFF;        // all four in bits 0..15
        return (short) (n ^ 0x8888);
    }
}
