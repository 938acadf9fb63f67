package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * C = A · Wᵀ, blocked and packed, with float lanes running along M.
 *
 * <p>Why along M: W is {@code [N, K]} row-major and A is {@code [M, K]}; a register tile holds
 * C[i..i+2L)[j..j+6) as twelve vectors whose lanes are rows i. Each step over k loads two vectors
 * of A<sup>T</sup> and broadcasts six weights W[j][k] read straight from their rows, so the weights
 * need no transposition (only A is packed, M×K copies for M×N×K work) and every C element is one
 * sequential fma chain over k, exactly as in the scalar twin.
 *
 * <pre>
 *   packed A, one panel per 2L rows (L rows for a short last panel), zero-padded:
 *     panel t: [k = 0][row 0 .. PW)  [k = 1][row 0 .. PW)  ...      PW = 2L or L
 *   tasks: column ranges of TASK_COLS weight rows (narrower towards the end, see taskStarts),
 *          first copied (F32) or decoded (quantized, half) into a per-thread float[] panel of
 *          TASK_COLS × K reused for every row of A
 *   per task:  for k-block (KC)  for panel-block (PANELS_PER_BLOCK ≈ half of L2)
 *                for column tile (6 or 12, the last narrower)  for panel  micro-kernel
 * </pre>
 * Partial sums across k-blocks live in C: a later k-block loads C into the accumulators, so the
 * fma chain continues unbroken.
 */
final class VectorGemm {
    private VectorGemm() {}

    static final int L = F_LANES;
    /** Weight rows (output columns) per task: a multiple of both tile widths 6 and 12. */
    static final int TASK_COLS = 48;
    /** K block: a 2L-row panel slice of KC is KC·2L·4 bytes (128 KiB at L = 16). */
    static final int KC = 2048;
    /** Panels kept hot in L2 while column tiles sweep over them. */
    static final int PANELS_PER_BLOCK = 2;

    static void gemm(KernelExecutor executor, int m, WeightMatrix w, MemorySegment a, long aOff, int lda,
            MemorySegment c, long cOff, int ldc) {
        gemmGroup(executor, m, new WeightMatrix[] {w}, a, aOff, lda, new MemorySegment[] {c}, new long[] {cOff},
                new int[] {ldc});
    }

    /**
     * C_i = A · W_iᵀ for weights of one width K (the callers check it), with A packed once and
     * the columns of all the weights handed out as one list of tasks (a task never spans two
     * weights): one parallel job instead of one per weight. Each C element is computed exactly as
     * by {@link #gemm} alone.
     */
    static void gemmGroup(KernelExecutor executor, int m, WeightMatrix[] ws, MemorySegment a, long aOff, int lda,
            MemorySegment[] cs, long[] cOffs, int[] ldcs) {
        int k = ws[0].cols();
        int total = 0;
        for (WeightMatrix w : ws) {
            total += w.rows();
        }
        if (m == 0 || total == 0) {
            return;
        }
        if (k == 0) {
            for (int g = 0; g < ws.length; g++) {
                for (int i = 0; i < m; i++) {
                    cs[g].asSlice(cOffs[g] + 4L * i * ldcs[g], 4L * ws[g].rows()).fill((byte) 0);
                }
            }
            return;
        }
        KernelExecutor ex = executor.reaching(ws, cs, a);
        PackedA packed = PackedA.pack(ex, m, k, a, aOff, lda);
        int[] tasks = groupTasks(ws, taskStarts(total, ex.threads()));
        ex.parallelFor(tasks.length / 3, t -> {
            int g = tasks[3 * t];
            runTask(packed, ws[g], tasks[3 * t + 1], tasks[3 * t + 2], cs[g], cOffs[g], ldcs[g]);
        });
    }

    /**
     * The tasks over the weights' columns laid end to end ({@code starts}, see {@link #taskStarts}),
     * cut where one weight ends and the next begins: (weight, first column, end column) triples,
     * columns counted within the weight.
     */
    static int[] groupTasks(WeightMatrix[] ws, int[] starts) {
        int[] out = new int[3 * (starts.length - 1 + ws.length)];
        int count = 0;
        int g = 0;
        int gStart = 0;
        for (int t = 0; t + 1 < starts.length; t++) {
            int s = starts[t];
            int e = starts[t + 1];
            while (s < e) {
                while (s >= gStart + ws[g].rows()) {
                    gStart += ws[g].rows();
                    g++;
                }
                int end = Math.min(e, gStart + ws[g].rows());
                out[count++] = g;
                out[count++] = s - gStart;
                out[count++] = end - gStart;
                s = end;
            }
        }
        return java.util.Arrays.copyOf(out, count);
    }

    /**
     * Column ranges of the tasks, in the order they are handed out: {@link #TASK_COLS} wide while
     * there is plenty left, then narrower (down to 12) as the remaining columns shrink below
     * 2·TASK_COLS per thread. Why: with equal 48-column tasks (16 of them for N = 768) a thread that
     * finished early waited on the other's last task, and two-thread prefill left a thread idle for
     * ≈ 10 % of the time; a narrow task re-reads the packed A, which is hot in cache.
     */
    static int[] taskStarts(int n, int threads) {
        int[] starts = new int[n / 12 + 2];
        int count = 0;
        for (int j = 0; j < n; ) {
            starts[count++] = j;
            int remaining = n - j;
            int width = threads == 1 ? TASK_COLS : Math.max(12, Math.min(TASK_COLS, remaining / (2 * threads) / 12 * 12));
            j = Math.min(n, j + width);
        }
        starts[count++] = n;
        return java.util.Arrays.copyOf(starts, count);
    }

    /**
     * Per-thread weight panel: the task's rows as plain floats. The micro-kernels read weights
     * from a Java array, not a MemorySegment: a segment access compiles through shared JDK
     * code whose type profile other kernels also feed, and one C2 compilation in three of k2x6
     * on Q4_0 panels ran 2.7× slower with the same code and data; an array load has no such
     * dependence. F32 rows are copied in, Q8_0/Q4_0/Q4_K/Q6_K rows decoded straight into it, other dtypes
     * decoded into native scratch and copied in (once per task, then reused for every row of A).
     */
    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[0]);

    private static void runTask(PackedA ap, WeightMatrix w, int j0, int j1, MemorySegment c, long cOff, int ldc) {
        int k = w.cols();
        float[] b = Scratch.floats(PANEL, k * (j1 - j0));
        int bStride = k;
        if (w.dtype() == DType.F32) {
            for (int j = j0; j < j1; j++) {
                MemorySegment.copy(w.base(), LE.FLOAT, w.row(j), b, (j - j0) * k, k);
            }
        } else if (w.dtype() == DType.Q8_0 || w.dtype() == DType.Q4_0) {
            // decoded straight into the array with intoArray (the batched decoder's decoders: the
            // products d·q are exact in float, so these are the bits VectorDequant gives)
            for (int j = j0; j < j1; j++) {
                BatchTiles.dequantize(w.dtype(), w.base(), w.row(j), k / 32, b, (j - j0) * k);
            }
        } else if (w.dtype() == DType.Q4_K || w.dtype() == DType.Q6_K) {
            // the codec's floats, decoded in vectors straight into the array
            KQuantRows.dequantize(w, j0, j1, b);
        } else {
            // decoded into native scratch, then copied: decoding straight into the array through
            // a heap segment made the JDK's shared vector-store code see a second segment kind,
            // and the batched decoder's row decoding, compiled against that profile, ran 2× slower
            MemorySegment rows = Scratch.get(Scratch.Slot.WEIGHT_PANEL, 4L * k * (j1 - j0));
            for (int j = j0; j < j1; j++) {
                VectorDequant.row(w.dtype(), w.base(), w.row(j), rows, 4L * (j - j0) * k, k);
            }
            MemorySegment.copy(rows, LE.FLOAT, 0, b, 0, k * (j1 - j0));
        }
        float[] tile = new float[MicroKernels.TILE_FLOATS];
        int nc = j1 - j0;
        float[] cBlock = Scratch.floats(C_BLOCK, ap.m * nc);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean first = pc == 0;
            for (int pb = 0; pb < ap.panels; pb += PANELS_PER_BLOCK) {
                int pbEnd = Math.min(ap.panels, pb + PANELS_PER_BLOCK);
                boolean narrowLast = ap.panelWidth(pbEnd - 1) == L;
                int wideEnd = narrowLast ? pbEnd - 1 : pbEnd;
                // wide panels (2L rows): tiles of 6 columns, the last one possibly narrower
                for (int j = j0; j < j1 && pb < wideEnd; j += 6) {
                    int cols = Math.min(6, j1 - j);
                    int bj = (j - j0) * bStride + pc;
                    for (int t = pb; t < wideEnd; t++) {
                        int rowBase = t * 2 * L;
                        int rows = Math.min(2 * L, ap.m - rowBase);
                        long apOff = ap.panelOffset(t) + 4L * pc * 2 * L;
                        int cTile = rowBase * nc + (j - j0);
                        MicroKernels.k2x6(ap.seg, apOff, kc, b, bj, bStride, cBlock, cTile, nc, 1, rows, cols, first, tile);
                    }
                }
                // a last panel of at most L rows: tiles of 12 columns, the last one possibly narrower
                if (narrowLast) {
                    int t = pbEnd - 1;
                    int rowBase = t * 2 * L;
                    int rows = ap.m - rowBase;
                    long apOff = ap.panelOffset(t) + 4L * pc * L;
                    for (int j = j0; j < j1; j += 12) {
                        int cols = Math.min(12, j1 - j);
                        int bj = (j - j0) * bStride + pc;
                        int cTile = rowBase * nc + (j - j0);
                        MicroKernels.k1x12(ap.seg, apOff, kc, b, bj, bStride, cBlock, cTile, nc, rows, cols, first, tile);
                    }
                }
            }
        }
        for (int r = 0; r < ap.m; r++) {
            MemorySegment.copy(cBlock, r * nc, c, LE.FLOAT, cOff + 4L * ((long) r * ldc + j0), nc);
        }
    }

    /** The task's block of C (M rows × its columns, row-major), per thread. */
    private static final ThreadLocal<float[]> C_BLOCK = ThreadLocal.withInitial(() -> new float[0]);

    /** A transposed into zero-padded panels; built once per call in the caller's scratch. */
    static final class PackedA {
        final MemorySegment seg;
        final int m;
        final int k;
        final int panels;

        private PackedA(MemorySegment seg, int m, int k) {
            this.seg = seg;
            this.m = m;
            this.k = k;
            this.panels = (m + 2 * L - 1) / (2 * L);
        }

        /** 2L, or L for a last panel holding at most L rows. */
        int panelWidth(int t) {
            int rows = m - t * 2 * L;
            return rows <= L ? L : 2 * L;
        }

        long panelOffset(int t) {
            return 4L * k * 2 * L * t;
        }

        static PackedA pack(KernelExecutor executor, int m, int k, MemorySegment a, long aOff, int lda) {
            int panels = (m + 2 * L - 1) / (2 * L);
            MemorySegment seg = Scratch.get(Scratch.Slot.PACKED_A, 4L * k * 2 * L * panels);
            PackedA p = new PackedA(seg, m, k);
            executor.parallelFor(panels, t -> p.packPanel(t, a, aOff, lda));
            return p;
        }

        private void packPanel(int t, MemorySegment a, long aOff, int lda) {
            int pw = panelWidth(t);
            int rowBase = t * 2 * L;
            int rows = Math.min(pw, m - rowBase);
            long base = panelOffset(t);
            for (int r = 0; r < pw; r++) {
                if (r < rows) {
                    long src = aOff + 4L * (long) (rowBase + r) * lda;
                    for (int p = 0; p < k; p++) {
                        seg.set(LE.FLOAT, base + 4L * ((long) p * pw + r), a.get(LE.FLOAT, src + 4L * p));
                    }
                } else {
                    for (int p = 0; p < k; p++) {
                        seg.set(LE.FLOAT, base + 4L * ((long) p * pw + r), 0f);
                    }
                }
            }
        }
    }
}
