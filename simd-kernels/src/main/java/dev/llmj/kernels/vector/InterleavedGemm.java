package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedWeights;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * C_i = A · W_iᵀ (prefill) for weights kept only as {@link InterleavedWeights} tiles, so that a
 * model's source matrices need not stay in memory beside the copies decoding runs on.
 *
 * <p>{@link VectorGemm} with the roles of A and W swapped: the tiles hold 32 rows side by side
 * (one short lane each), so a row group decodes in vectors straight into panels with lanes running
 * along W's rows, which is the layout {@link VectorGemm}'s packed A has; A's rows, copied once into
 * a float[], are what the {@link MicroKernels} broadcast. Each C element is the same single fma chain
 * over k, in the same order, of the same float values as {@link VectorGemm} on the source computes
 * (the decoders give the codec's floats, and an fma's product is commutative), so the result is
 * {@code gemm} on the source, bit for bit.
 *
 * <p>A panel's lanes hold the rows in the order the short-lane kernels split them: lane l &lt; L
 * is the part's row 2l, lane L + l its row 2l + 1 (the even and odd halves of an int lane). The
 * results are put back in row order when they are written to C.
 */
final class InterleavedGemm {
    private InterleavedGemm() {}

    private static final int L = F_LANES;
    /** Panel width: 2L rows, the short lanes of one vector. */
    private static final int PW = 2 * L;
    /** Rows per tile of every interleaved layout. */
    static final int TILE_ROWS = InterleavedQ4_0.TILE_ROWS;
    /** Panels per row group. */
    private static final int PARTS = TILE_ROWS / PW;
    /** Row groups per task: 64 rows, about {@link VectorGemm#TASK_COLS}. */
    private static final int GROUPS_PER_TASK = 2;

    /**
     * Writes row group g of weight i (32 rows × k columns) as {@link #PARTS} panels from byte
     * {@code off}: panel q at off + 4·k·PW·q, holding the group's rows PW·q .. PW·q + PW − 1 with
     * column p's values at + 4·p·PW, lanes in even/odd order (see the class comment); rows past the
     * matrix's last are zeros.
     */
    @FunctionalInterface
    interface GroupDecoder {
        void decode(int i, int g, MemorySegment panel, long off);
    }

    /**
     * Tokens left to {@link MicroKernels#k2x4} (or one five-column k2x6) after the six-column tiles, by
     * m mod 6: a six-column tile over the last 1..4 tokens would spend the full tile's work on them
     * (at m = 128, 3 % of the GEMM). 7 = 4 + 3, 8 = 4 + 4.
     */
    private static final int[] TAIL = {0, 7, 8, 3, 4, 5};

    /**
     * Lane l of the even-row vector and lane l of the odd-row vector side by side: the first half of
     * the lanes (rows 0 .. L−1 of a panel in row order), then the second (indices ≥ L pick from the
     * second vector).
     */
    static final VectorShuffle<Float> ZIP_LOW = zip(F, 0);
    static final VectorShuffle<Float> ZIP_HIGH = zip(F, L / 2);

    /**
     * Lane k of the first vector, then lane k of the second, for k from {@code first} over half
     * the lanes (as a two-vector rearrange: indices ≥ the lane count pick from the second vector).
     */
    static <E> VectorShuffle<E> zip(VectorSpecies<E> species, int first) {
        int n = species.length();
        int[] lanes = new int[n];
        for (int k = 0; k < n / 2; k++) {
            lanes[2 * k] = first + k;
            lanes[2 * k + 1] = n + first + k;
        }
        return VectorShuffle.fromValues(species, lanes);
    }

    /** Rows of A a thread copies at least (48 KiB of a 768-wide A), so no hand-off is spent on a few rows. */
    private static final int A_COPY_ROWS = 16;

    /** The caller's A rows, read by every task of a call. */
    private static final ThreadLocal<float[]> A_ROWS = ThreadLocal.withInitial(() -> new float[0]);
    /** A task's block of C (m tokens × the task's rows, in panel lane order), per thread. */
    private static final ThreadLocal<float[]> C_BLOCK = ThreadLocal.withInitial(() -> new float[0]);
    /** One row of C's part a task writes, in row order, per thread. */
    private static final ThreadLocal<float[]> C_ROW = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * C_i (m × ws[i].rows(), row-major, from byte cOffs[i] of cs[i]) = A (m × k, row-major, from
     * aOff) · W_iᵀ, the row groups of all the weights handed out as one list of tasks.
     */
    static void gemmGroup(KernelExecutor executor, int m, InterleavedWeights[] ws, GroupDecoder decoder,
            MemorySegment a, long aOff, MemorySegment[] cs, long[] cOffs) {
        int k = ws[0].cols();
        if (m == 0) {
            return;
        }
        if ((long) m * k > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("A of " + m + " × " + k + " floats is too large for one GEMM call"
                    + " on interleaved weights (at most 2^31 elements): split its rows");
        }
        float[] ab = Scratch.floats(A_ROWS, m * k);
        // copied by every thread, a range of rows each: on the calling thread alone it was 5 % of a
        // two-thread prefill, with the other thread waiting (the job hand-offs order the writes
        // before the tasks' reads)
        executor.reaching(a).parallelRanges(m, A_COPY_ROWS, (r0, r1) ->
                MemorySegment.copy(a, LE.FLOAT, aOff + 4L * r0 * k, ab, r0 * k, (r1 - r0) * k));
        int[] tasks = tasks(ws);
        executor.reaching(reach(ws, cs)).parallelFor(tasks.length / 3, t -> {
            int i = tasks[3 * t];
            runTask(decoder, i, ws[i].rows(), k, tasks[3 * t + 1], tasks[3 * t + 2], ab, m, cs[i], cOffs[i]);
        });
    }

    /** Every weight's tiles and every output: the segments a job's tasks touch. */
    static MemorySegment[] reach(InterleavedWeights[] ws, MemorySegment[] cs) {
        MemorySegment[] reach = new MemorySegment[2 * ws.length];
        for (int i = 0; i < ws.length; i++) {
            reach[2 * i] = ws[i].tiles();
            reach[2 * i + 1] = cs[i];
        }
        return reach;
    }

    /** (weight, first group, end group) triples: {@link #GROUPS_PER_TASK} groups each, never two weights. */
    static int[] tasks(InterleavedWeights[] ws) {
        int count = 0;
        for (InterleavedWeights w : ws) {
            count += (w.rowGroups() + GROUPS_PER_TASK - 1) / GROUPS_PER_TASK;
        }
        int[] out = new int[3 * count];
        int n = 0;
        for (int i = 0; i < ws.length; i++) {
            int groups = ws[i].rowGroups();
            for (int g = 0; g < groups; g += GROUPS_PER_TASK) {
                out[n++] = i;
                out[n++] = g;
                out[n++] = Math.min(groups, g + GROUPS_PER_TASK);
            }
        }
        return out;
    }

    private static void runTask(GroupDecoder decoder, int i, int rows, int k, int g0, int g1, float[] ab, int m,
            MemorySegment c, long cOff) {
        int panels = (g1 - g0) * PARTS;
        long panelBytes = 4L * k * PW;
        MemorySegment panel = Scratch.get(Scratch.Slot.WEIGHT_PANEL, panelBytes * panels);
        for (int g = g0; g < g1; g++) {
            decoder.decode(i, g, panel, (g - g0) * PARTS * panelBytes);
        }
        float[] tile = new float[MicroKernels.TILE_FLOATS];
        // Cᵀ's columns are C's rows: the block holds C (m tokens × the task's rows, in panel lane order)
        int width = panels * PW;
        float[] cBlock = Scratch.floats(C_BLOCK, m * width);
        int sixes = m - TAIL[m % 6];
        if (sixes < 0) {
            sixes = 0;
        }
        for (int pc = 0; pc < k; pc += VectorGemm.KC) {
            int kc = Math.min(VectorGemm.KC, k - pc);
            boolean first = pc == 0;
            for (int t = 0; t < panels; t++) {
                long apOff = t * panelBytes + 4L * pc * PW;
                int j = 0;
                for (; j < sixes; j += 6) {
                    MicroKernels.k2x6(panel, apOff, kc, ab, j * k + pc, k, cBlock, j * width + t * PW, 1, width, PW, 6,
                            first, tile);
                }
                for (; j < m; j += 4) {
                    if (m - j == 5) {
                        MicroKernels.k2x6(panel, apOff, kc, ab, j * k + pc, k, cBlock, j * width + t * PW, 1, width, PW, 5,
                                first, tile);
                        break;
                    }
                    MicroKernels.k2x4(panel, apOff, kc, ab, j * k + pc, k, cBlock, j * width + t * PW, 1, width, PW,
                            Math.min(4, m - j), first, tile);
                }
            }
        }
        // each token's row, lanes back in row order, to C
        int r0 = g0 * TILE_ROWS;
        int valid = Math.min(rows, g1 * TILE_ROWS) - r0;
        float[] row = Scratch.floats(C_ROW, width);
        for (int tok = 0; tok < m; tok++) {
            int from = tok * width;
            for (int p = 0; p < width; p += PW) {
                FloatVector even = FloatVector.fromArray(F, cBlock, from + p);
                FloatVector odd = FloatVector.fromArray(F, cBlock, from + p + L);
                even.rearrange(ZIP_LOW, odd).intoArray(row, p);
                even.rearrange(ZIP_HIGH, odd).intoArray(row, p + L);
            }
            MemorySegment.copy(row, 0, c, LE.FLOAT, cOff + 4L * ((long) tok * rows + r0), valid);
        }
    }
}
