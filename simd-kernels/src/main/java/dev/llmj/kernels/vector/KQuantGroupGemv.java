package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedWeights;
import dev.llmj.kernels.KernelExecutor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * GEMVs of the same vectors against interleaved K-quant weights of one width, Q4_K and Q6_K in
 * any mix, as one parallel job: a Q4_K_M layer's q, k and v (v in Q6_K in some layers), or its
 * gate and up. One job instead of one per weight saves a hand-off and a wait per weight at two
 * threads, and the activations are prepared once per thread. Every row is computed by its type's
 * kernel exactly as alone ({@link InterleavedQ4_KGemv}, {@link InterleavedQ6_KGemv}), so the same
 * bits; a single weight is a group of one.
 *
 * <p>Where {@link InterleavedQ4_0Gemv#eachRowGroup} pairs two row groups of one type, that type's
 * pair kernel reads them side by side, whether they belong to one weight or two; a Q4_K group
 * paired with a Q6_K one runs as two singles.
 */
final class KQuantGroupGemv {
    private KQuantGroupGemv() {}

    private static final int IL = I.length();

    /** ws: Q4_K and Q6_K copies only ({@code Kernels.gemvBatchKQuantGroup} checks). */
    static void gemvBatchGroup(KernelExecutor executor, InterleavedWeights[] ws, MemorySegment xs, long xOff, int b,
            MemorySegment[] ys, long[] yOffs) {
        int cols = ws[0].cols();
        int blocks = cols / 32;
        // what the kernels derive from the activations: Q4_K block sums, Q6_K column pairs
        boolean needsSums = Arrays.stream(ws).anyMatch(w -> w instanceof InterleavedQ4_K);
        boolean needsColumnPairs = Arrays.stream(ws).anyMatch(w -> w instanceof InterleavedQ6_K);
        long call = InterleavedQ4_0Gemv.newCall();
        InterleavedQ4_0Gemv.eachRowGroup(executor, ws, b, ys, yOffs, (i, g, i2, g2, p, v, out, o) -> {
            InterleavedQ4_0Gemv.Activations a = InterleavedQ4_0Gemv.activations(call, xs, xOff, b, cols);
            if (needsSums) {
                InterleavedQ4_KGemv.blockSums(a, call, b * blocks);
            }
            if (needsColumnPairs) {
                InterleavedQ6_KGemv.columnPairs(a, call, b * cols);
            }
            long lane0 = 4L * IL * p;
            InterleavedWeights w = ws[i];
            InterleavedWeights w2 = i2 >= 0 ? ws[i2] : null;
            if (w instanceof InterleavedQ4_K k && w2 instanceof InterleavedQ4_K k2) {
                InterleavedQ4_KGemv.part2(k, g, k2, g2, lane0, a.pairs, v * cols, a.dx, a.sums, v * blocks, out, o);
            } else if (w instanceof InterleavedQ6_K k && w2 instanceof InterleavedQ6_K k2) {
                InterleavedQ6_KGemv.part2(k, g, k2, g2, lane0, a.columnPairs, v * cols / 2, a.dx, v * blocks, out, o);
            } else {
                one(w, g, lane0, a, v, cols, out, o);
                if (w2 != null) {
                    one(w2, g2, lane0, a, v, cols, out, InterleavedQ4_0Gemv.PAIRED + o);
                }
            }
            return 1;
        });
    }

    /** Row group g of w alone: its type's single kernel, results to out[o ..]. */
    private static void one(InterleavedWeights w, int g, long lane0, InterleavedQ4_0Gemv.Activations a, int v, int cols,
            float[] out, int o) {
        int blocks = cols / 32;
        if (w instanceof InterleavedQ4_K k) {
            InterleavedQ4_KGemv.part(k, g, lane0, a.pairs, v * cols, a.dx, a.sums, v * blocks, out, o);
        } else {
            InterleavedQ6_KGemv.part((InterleavedQ6_K) w, g, lane0, a.columnPairs, v * cols / 2, a.dx, v * blocks, out, o);
        }
    }
}
