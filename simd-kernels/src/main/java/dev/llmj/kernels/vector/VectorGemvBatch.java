package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.kernels.GemvBatchKernels;
import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.InterleavedWeights;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.MatrixKernels;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Batched GEMV: b activation vectors against one weight matrix, each weight row decoded once per
 * group of {@link #G} vectors and read from memory once for all of them (the later groups find it
 * in L1). Decode is memory-bound, so b sequences cost little more than one.
 *
 * <p>{@link #gemvBatchF32} (what decoding runs, single or batched) for F32, Q8_0 and Q4_0 weights:
 * register tiles of 4 rows × 4 vectors ({@link BatchTiles}) with one fixed accumulation order per
 * (row, vector) pair, the same for every tile shape and batch size, so results are bit-identical
 * across b and equal {@link dev.llmj.kernels.scalar.ScalarGemvBatch}; quantized rows are first
 * dequantized (w = d·q) into a per-thread 4-row panel that serves all vectors, except at 512 bits
 * with b ≥ 8, where two rows at a time are decoded in registers for eight vectors
 * ({@link DecodeTiles}, same per-pair order). A single vector
 * (plain decoding) instead runs two rows at a time from two long streams ({@link #decodeRange}),
 * quantized rows decoded in registers ({@link DecodeRows}), with the same per-pair order.
 *
 * <p>{@link #gemvBatch} (Q8_0 activations; used by properties): every (row, vector) result repeats
 * the single-vector GEMV arithmetic, so it equals
 * {@link VectorMatrix#gemv} up to the order of the final sum over lanes:
 * <ul>
 *   <li>F32: {@link VectorDot#dotBody}'s structure (four accumulators over 4L-wide steps, one L
 *       step, the same add tree, a scalar fma tail);</li>
 *   <li>Q8_0/Q4_0: {@link VectorGemv} — each vector quantized to Q8_0 and widened to floats (plus the
 *       Q4_0 A/B/C lanes) by {@link #prepare}, then the same per-block mul/fma chain, block scale
 *       product and accumulator fma.</li>
 * </ul>
 * The lanes are summed in one fixed order ({@link Lanes#sum}) instead of
 * {@code reduceLanes}, whose order differs between interpreted and compiled code: so a vector's
 * result is bit-identical whatever the batch size and whichever kernel variant (x4 or x1) and JIT
 * tier ran it. F16 with b ≥ {@link HalfGemv#MIN_BATCH} runs {@link HalfGemv#gemvBatch} and Q4_K/Q6_K
 * at 512 bits {@link KQuantGemv#gemvBatch}: each pair of rows read once for all vectors, every
 * result its row's vector dot. Other dtypes (and fewer F16 vectors) run one {@code gemv} per vector.
 *
 * <pre>
 *   per-vector scratch (Q8_0/Q4_0), stride = 4·cols + 4·blocks (+ 192·blocks for Q4_0):
 *     [xf: cols floats = q_x] [xd: blocks floats = d_x] [Q4_0: per block A[16] B[16] C[16]]
 * </pre>
 */
public final class VectorGemvBatch implements GemvBatchKernels {
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F_LANES;
    /** Vectors whose accumulators are held in registers at once (F32: 4 × 4 accumulators). */
    static final int G = 4;

    private final MatrixKernels matrix;
    private final KernelExecutor executor;

    public VectorGemvBatch(MatrixKernels matrix, KernelExecutor executor) {
        this.matrix = matrix;
        this.executor = executor;
    }

    @Override
    public void gemvBatch(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        int cols = wm.cols();
        int rows = wm.rows();
        switch (wm.dtype()) {
            case F32 -> f32(wm, xs, xOff, b, ys, yOff);
            case Q8_0, Q4_0 -> quantized(wm, xs, xOff, b, ys, yOff);
            case F16 -> {
                if (b >= HalfGemv.MIN_BATCH) {
                    HalfGemv.gemvBatch(executor, wm, xs, xOff, b, ys, yOff);
                } else {
                    gemvEach(w, xs, xOff, b, ys, yOff, cols, rows);
                }
            }
            case Q4_K, Q6_K -> {
                if (KQuantGemv.PAIRED) {
                    KQuantGemv.gemvBatch(executor, wm, xs, xOff, b, ys, yOff);
                } else {
                    gemvEach(w, xs, xOff, b, ys, yOff, cols, rows);
                }
            }
            default -> gemvEach(w, xs, xOff, b, ys, yOff, cols, rows);
        }
    }

    /** One {@code gemv} per vector. */
    private void gemvEach(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff, int cols, int rows) {
        for (int v = 0; v < b; v++) {
            matrix.gemv(w, xs, xOff + 4L * v * cols, ys, yOff + 4L * v * rows);
        }
    }

    @Override
    public void gemvBatchF32(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        DType t = w.dtype();
        if (t == DType.F32 || t == DType.Q8_0 || t == DType.Q4_0) {
            tiled(WeightMatrix.of(w), xs, xOff, b, ys, yOff);
        } else {
            gemvBatch(w, xs, xOff, b, ys, yOff);
        }
    }

    // ---- F32 activations: register tiles with one order per (row, vector) pair ------------------

    /** Rows per tile; with {@link #G} vectors per tile the 4×4 tile holds 16 accumulators. */
    static final int R = 4;

    /**
     * ys[v][r] by {@link BatchTiles}. One vector (b == 1) goes to {@link #decodeRange}. Otherwise each
     * thread's range of rows is cut into four quarters read as four long sequential streams: rows
     * from + i + j·q (j &lt; 4) form a 4-row tile, run against the vectors four at a time
     * ({@link BatchTiles#r4v4}, activations from a float[] copy made once per call) and the remainder one by
     * one ({@link BatchTiles#r2v1}); a quarter running past the range repeats row from + i (the
     * same bits written twice). Q8_0/Q4_0 rows are first dequantized (w = d·q) into a per-thread
     * 4-row panel that serves all b vectors (at 512 bits with b ≥ 8 they are instead decoded in
     * registers two rows at a time, see {@link #pairVectors}); F32 rows are read in place.
     *
     * <p>Why this shape (measured on a 2048×768 F32 matrix streamed from DRAM, b = 8, one thread):
     * a tile whose weight loads miss keeps only as many lines in flight as fit in the out-of-order
     * window, so the fewer instructions per weight line the better. 2 rows × 8 vectors (14 µops per
     * line) ran at 610 µs per call; 4 rows × 4 vectors run twice over the same rows (6 µops per
     * line in the pass that misses, the second pass hits L1) at 400 µs, against 240 µs for b = 1.
     * Four adjacent rows instead of four streams: 550 µs (short interleaved runs defeat the
     * hardware prefetcher).
     */
    private void tiled(WeightMatrix wm, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        // copied once per call on the calling thread; the tasks only read it (the executor's job
        // hand-off orders the copy before them)
        float[] xa = activationsFor(wm, xs, xOff, b);
        executor.reaching(wm.base(), xs, ys).parallelRanges(wm.rows(), 16,
                (from, to) -> rowRange(wm, xa, xs, xOff, b, ys, yOff, from, to));
    }

    /**
     * The activations as the calling thread's float[] when the kernels of b vectors read them so
     * ({@link #tileRange}: b ≥ {@link #G}; {@link #decodeRange}: Q8_0/Q4_0 pairs), else null.
     */
    private static float[] activationsFor(WeightMatrix wm, MemorySegment xs, long xOff, int b) {
        int cols = wm.cols();
        if (b == 1) {
            return wm.dtype() != DType.F32 && DecodeRows.PAIRED ? activations(xs, xOff, cols) : null;
        }
        return b >= G ? activations(xs, xOff, b * cols) : null;
    }

    /**
     * Rows [from, to) of ys = w·xs: {@link #decodeRange} for one vector and for Q4_0/Q8_0 rows
     * against b ≥ 8 vectors at 512 bits (pairs decoded in registers), {@link #tileRange} otherwise.
     */
    private static void rowRange(WeightMatrix wm, float[] xa, MemorySegment xs, long xOff, int b, MemorySegment ys,
            long yOff, int from, int to) {
        if (b == 1 || (wm.dtype() != DType.F32 && DecodeRows.PAIRED && b >= DecodeTiles.V)) {
            decodeRange(wm, xa, xs, xOff, b, ys, yOff, from, to);
        } else {
            tileRange(wm, xa, xs, xOff, b, ys, yOff, from, to);
        }
    }

    /**
     * Several weights of one width and dtype against the same vectors: their rows laid end to end
     * and handed out as one job of row ranges (a range is cut where one weight ends), with the
     * activations copied once. Each row's result is the one {@link #tiled} gives.
     */
    @Override
    public void gemvBatchF32Group(Tensor[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        WeightMatrix[] wms = new WeightMatrix[ws.length];
        int total = 0;
        for (int i = 0; i < ws.length; i++) {
            wms[i] = WeightMatrix.of(ws[i]);
            DType t = wms[i].dtype();
            if ((t != DType.F32 && t != DType.Q8_0 && t != DType.Q4_0) || t != wms[0].dtype()) {
                GemvBatchKernels.super.gemvBatchF32Group(ws, xs, xOff, b, ys);
                return;
            }
            total += wms[i].rows();
        }
        float[] xa = activationsFor(wms[0], xs, xOff, b);
        executor.reaching(wms, ys, xs).parallelRanges(total, 16, (from, to) -> {
            int start = 0;
            for (int i = 0; i < wms.length && start < to; i++) {
                int lo = Math.max(from, start) - start;
                int hi = Math.min(to, start + wms[i].rows()) - start;
                if (lo < hi) {
                    rowRange(wms[i], xa, xs, xOff, b, ys[i], 0, lo, hi);
                }
                start += wms[i].rows();
            }
        });
    }

    /** Rows [from, to) for b ≥ 2 vectors through the 4 × 4 tiles (see {@link #tiled}). */
    private static void tileRange(WeightMatrix wm, float[] xa, MemorySegment xs, long xOff, int b, MemorySegment ys,
            long yOff, int from, int to) {
        int cols = wm.cols();
        int rows = wm.rows();
        DType t = wm.dtype();
        long xStride = 4L * cols;
        long yStride = 4L * rows;
        MemorySegment base = wm.base();
        boolean f32 = t == DType.F32;
        float[] panel = f32 ? null : Scratch.floats(PANEL, R * cols);
        long[] p = new long[R];
        long[] y = new long[R];
        float[] acc = new float[BatchTiles.ACC_FLOATS];
        float[] buf = new float[2 * L];
        int n = to - from;
        int q = (n + R - 1) / R;
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < R; j++) {
                int r = i + j * q < n ? from + i + j * q : from + i;
                y[j] = yOff + 4L * r;
                p[j] = wm.row(r);
                if (!f32) {
                    BatchTiles.dequantize(t, base, p[j], cols / 32, panel, j * cols);
                }
            }
            int v = 0;
            for (; v + G <= b; v += G) {
                long yv = v * yStride;
                if (f32) {
                    BatchTiles.r4v4(base, p[0], p[1], p[2], p[3], xa, v * cols, cols, cols, acc);
                } else {
                    BatchTiles.r4v4(panel, 0, cols, 2 * cols, 3 * cols, xa, v * cols, cols, cols, acc);
                }
                BatchTiles.finish(acc, f32 ? base : null, p[0], p[1], p[2], p[3], xs, xOff + v * xStride, xStride,
                        cols, ys, y[0] + yv, y[1] + yv, y[2] + yv, y[3] + yv, yStride);
            }
            for (; v < b; v++) {
                long xv = xOff + v * xStride;
                long yv = v * yStride;
                if (f32) {
                    BatchTiles.r2v1(base, p[0], p[1], xs, xv, cols, ys, y[0] + yv, y[1] + yv, buf);
                    BatchTiles.r2v1(base, p[2], p[3], xs, xv, cols, ys, y[2] + yv, y[3] + yv, buf);
                } else {
                    BatchTiles.r2v1(panel, 0, cols, xs, xv, cols, ys, y[0] + yv, y[1] + yv, buf);
                    BatchTiles.r2v1(panel, 2 * cols, 3 * cols, xs, xv, cols, ys, y[2] + yv, y[3] + yv, buf);
                }
            }
        }
    }

    /**
     * One pair of Q4_0/Q8_0 rows (byte offsets pa, pb; outputs ya, yb of vector 0) against b ≥ 8
     * vectors at 512 bits ({@link #decodeRange}): each block of the two rows decoded in registers
     * once per eight vectors ({@link DecodeTiles}), leftover vectors (b mod 8) one at a time by the
     * pair kernels. Every (row, vector) result has the same bits as in any other tile.
     */
    private static void pairVectors(boolean q4, MemorySegment base, long pa, long pb, float[] xa, int cols, int b,
            MemorySegment ys, long ya, long yb, long yStride, float[] acc, float[] buf) {
        int blocks = cols / 32;
        int v = 0;
        for (; v + DecodeTiles.V <= b; v += DecodeTiles.V) {
            if (q4) {
                DecodeTiles.q4r2v8(base, pa, pb, xa, v * cols, cols, blocks, acc);
            } else {
                DecodeTiles.q8r2v8(base, pa, pb, xa, v * cols, cols, blocks, acc);
            }
            DecodeTiles.finish(acc, ys, ya + v * yStride, yb + v * yStride, yStride);
        }
        for (; v < b; v++) {
            if (q4) {
                DecodeRows.q4Pair(base, pa, pb, xa, v * cols, blocks, ys, ya + v * yStride, yb + v * yStride, buf);
            } else {
                DecodeRows.q8Pair(base, pa, pb, xa, v * cols, blocks, ys, ya + v * yStride, yb + v * yStride, buf);
            }
        }
    }

    /**
     * Dequantized Q8_0/Q4_0 rows of a tile, per thread. A float[], written with {@code intoArray}:
     * decoded into a native panel, the stores went through the segment's liveness and bounds
     * checks (a third of a Q4_0 batched step).
     */
    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[0]);

    private static final ThreadLocal<float[]> ACTIVATIONS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * The first {@code floats} activations as the calling thread's float[] (see
     * {@link BatchTiles#r4v4}); valid until this thread's next batched call. Copied on the calling
     * thread before a parallel job; its tasks only read it (the executor's hand-off orders the copy
     * before them). Also the activations of {@link KQuantGemv} and {@link HalfGemv}.
     */
    static float[] activations(MemorySegment xs, long xOff, int floats) {
        float[] a = Scratch.floats(ACTIVATIONS, floats);
        MemorySegment.copy(xs, LE.FLOAT, xOff, a, 0, floats);
        return a;
    }

    /**
     * One vector (decoding a single sequence), two rows at a time, each with the per-pair order of
     * the tiles ({@link BatchTiles#r2v1} for F32 rows, {@link DecodeRows} for Q4_0/Q8_0 at 512
     * bits; other widths decode quantized rows one by one). Rows are paired as {@link RowPairs}
     * says: each half of the thread's range [from, to) is one long sequential stream. Two long
     * streams measured faster than one (two independent fma chains, shared activation loads).
     * The quantized pair kernels read the activations from the float[] copy {@code xa} (made once
     * per call, read-only here): segment loads carry bounds and liveness checks into the loop.
     * With b ≥ 8 vectors (Q4_0/Q8_0 at 512 bits only) each pair goes to {@link #pairVectors}.
     */
    private static void decodeRange(WeightMatrix wm, float[] xa, MemorySegment xs, long xOff, int b,
            MemorySegment ys, long yOff, int from, int to) {
        int cols = wm.cols();
        int blocks = cols / 32;
        DType t = wm.dtype();
        MemorySegment base = wm.base();
        float[] buf = new float[2 * F_LANES]; // lane sums go through arrays: see Lanes.sum(float[], int)
        if (t != DType.F32 && !DecodeRows.PAIRED) {
            for (int r = from; r < to; r++) {
                float y = t == DType.Q4_0 ? BatchTiles.q4r1v1(base, wm.row(r), xs, xOff, blocks, buf)
                        : BatchTiles.q8r1v1(base, wm.row(r), xs, xOff, blocks, buf);
                ys.set(LE.FLOAT, yOff + 4L * r, y);
            }
            return;
        }
        float[] acc = b > 1 ? new float[DecodeTiles.ACC_FLOATS] : null;
        for (int i = 0; i < RowPairs.count(from, to); i++) {
            int ra = from + i;
            int rb = RowPairs.partner(from, to, i);
            long pa = wm.row(ra);
            long pb = wm.row(rb);
            long ya = yOff + 4L * ra;
            long yb = yOff + 4L * rb;
            if (b > 1) {
                pairVectors(t == DType.Q4_0, base, pa, pb, xa, cols, b, ys, ya, yb, 4L * wm.rows(), acc, buf);
                continue;
            }
            switch (t) {
                case F32 -> BatchTiles.r2v1(base, pa, pb, xs, xOff, cols, ys, ya, yb, buf);
                case Q4_0 -> DecodeRows.q4Pair(base, pa, pb, xa, 0, blocks, ys, ya, yb, buf);
                default -> DecodeRows.q8Pair(base, pa, pb, xa, 0, blocks, ys, ya, yb, buf);
            }
        }
    }

    // ---- F32 ------------------------------------------------------------------------------------

    private void f32(WeightMatrix wm, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        int cols = wm.cols();
        int rows = wm.rows();
        long xStride = 4L * cols;
        long yStride = 4L * rows;
        MemorySegment base = wm.base();
        executor.reaching(base, xs, ys).parallelRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long row = wm.row(r);
                long yr = yOff + 4L * r;
                int v = 0;
                for (; v + G <= b; v += G) {
                    BatchDots.f32x4(base, row, xs, xOff + v * xStride, xStride, cols, ys, yr + v * yStride, yStride);
                }
                for (; v < b; v++) {
                    ys.set(LE.FLOAT, yr + v * yStride, BatchDots.f32x1(base, row, xs, xOff + v * xStride, cols));
                }
            }
        });
    }

    // ---- Q8_0 / Q4_0 ----------------------------------------------------------------------------

    /** Bytes of one vector's prepared activations. */
    static long preparedStride(int cols, boolean q4) {
        int blocks = cols / 32;
        return 4L * cols + 4L * blocks + (q4 ? 3L * 64 * blocks : 0);
    }

    private void quantized(WeightMatrix wm, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        int cols = wm.cols();
        int rows = wm.rows();
        int blocks = cols / 32;
        boolean q4 = wm.dtype() == DType.Q4_0;
        long stride = preparedStride(cols, q4);
        MemorySegment xf = Scratch.get(Scratch.Slot.BATCH_ACTIVATIONS, stride * b);
        MemorySegment xq = Scratch.get(Scratch.Slot.ACTIVATIONS_Q8, 34L * blocks);
        for (int v = 0; v < b; v++) {
            prepare(xs, xOff + 4L * v * cols, cols, q4, xq, xf, v * stride);
        }
        long scales = 4L * cols;
        long abc = scales + 4L * blocks;
        long yStride = 4L * rows;
        MemorySegment base = wm.base();
        executor.reaching(base, ys).parallelRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long row = wm.row(r);
                long yr = yOff + 4L * r;
                int v = 0;
                for (; v + G <= b; v += G) {
                    if (q4) {
                        BatchDots.q4x4(base, row, xf, v * stride, stride, scales, abc, blocks, ys, yr + v * yStride, yStride);
                    } else {
                        BatchDots.q8x4(base, row, xf, v * stride, stride, scales, blocks, ys, yr + v * yStride, yStride);
                    }
                }
                for (; v < b; v++) {
                    long x0 = v * stride;
                    float y = q4 ? BatchDots.q4x1(base, row, xf, x0, scales, abc, blocks)
                            : BatchDots.q8x1(base, row, xf, x0, scales, blocks);
                    ys.set(LE.FLOAT, yr + v * yStride, y);
                }
            }
        });
    }

    /**
     * One vector's activations as {@link VectorGemv#quantized} prepares them: Q8_0 (the same
     * quantizer), int8 values widened to floats, block scales decoded, and for Q4_0 the A/B/C lanes
     * (A = x[j] − x[j+16]/16, B = x[j+16]/16, C = −8·x[j]), at byte {@code at} of {@code xf}.
     */
    private static void prepare(MemorySegment x, long xOff, int cols, boolean q4, MemorySegment xq,
            MemorySegment xf, long at) {
        int blocks = cols / 32;
        long scales = at + 4L * cols;
        long abc = scales + 4L * blocks;
        VectorQuantize.q8_0(x, xOff, xq, 0, cols);
        for (int blk = 0; blk < blocks; blk++) {
            xf.set(LE.FLOAT, scales + 4L * blk, HalfFloats.f16ToFloat(xq.get(LE.SHORT, 34L * blk)));
            for (int c = 0; c < 32; c += L) {
                VectorDot.bytesToFloats(xq, 34L * blk + 2 + c).intoMemorySegment(xf, at + 4L * (32 * blk + c), LITTLE);
            }
        }
        if (q4) {
            for (int blk = 0; blk < blocks; blk++) {
                for (int j = 0; j < 16; j++) {
                    float lo = xf.get(LE.FLOAT, at + 4L * (32 * blk + j));
                    float hi = xf.get(LE.FLOAT, at + 4L * (32 * blk + 16 + j));
                    long p = abc + 3L * 64 * blk + 4L * j;
                    xf.set(LE.FLOAT, p, lo - hi / 16);
                    xf.set(LE.FLOAT, p + 64, hi / 16);
                    xf.set(LE.FLOAT, p + 128, -8 * lo);
                }
            }
        }
    }

    @Override
    public void gemvBatch(InterleavedQ4_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        InterleavedQ4_0Gemv.gemvBatchGroup(executor, new InterleavedQ4_0[] {w}, xs, xOff, b, new MemorySegment[] {ys},
                new long[] {yOff});
    }

    @Override
    public void gemvBatchGroup(InterleavedQ4_0[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        InterleavedQ4_0Gemv.gemvBatchGroup(executor, ws, xs, xOff, b, ys, new long[ws.length]);
    }

    @Override
    public void gemvBatch(InterleavedQ8_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        InterleavedQ8_0Gemv.gemvBatchGroup(executor, new InterleavedQ8_0[] {w}, xs, xOff, b, new MemorySegment[] {ys},
                new long[] {yOff});
    }

    @Override
    public void gemvBatchGroup(InterleavedQ8_0[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        InterleavedQ8_0Gemv.gemvBatchGroup(executor, ws, xs, xOff, b, ys, new long[ws.length]);
    }

    @Override
    public void gemvBatch(InterleavedQ6_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        KQuantGroupGemv.gemvBatchGroup(executor, new InterleavedWeights[] {w}, xs, xOff, b, new MemorySegment[] {ys},
                new long[] {yOff});
    }

    @Override
    public void gemvBatch(InterleavedQ4_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        KQuantGroupGemv.gemvBatchGroup(executor, new InterleavedWeights[] {w}, xs, xOff, b, new MemorySegment[] {ys},
                new long[] {yOff});
    }

    @Override
    public void gemvBatchKQuantGroup(InterleavedWeights[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        KQuantGroupGemv.gemvBatchGroup(executor, ws, xs, xOff, b, ys, new long[ws.length]);
    }
}
