package dev.llmj.runtime.model;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The projections of decoding (one row per sequence): {@code out = in · wᵀ} for b rows, through
 * the kernel that suits each weight.
 *
 * <ul>
 *   <li>Q4_0 matrices are copied once, at load, into {@link InterleavedQ4_0} tiles and run by the
 *       16-bit integer kernel with Q8_0 activations: llama.cpp's arithmetic for Q4_0 (its
 *       {@code ggml_vec_dot_q4_0_q8_0}: exact integer block sums, activations rounded to 8 bits
 *       per 32-element block, ≈ 1/254 of the block's largest value), 2–2.5× faster per weight
 *       than the float kernel. The copy costs the matrices' size again in memory.</li>
 *   <li>Every other matrix (and Q4_0 when {@code -Dllmj.q4_0.interleaved=false}, or one whose
 *       scales are not all finite) keeps F32 activations ({@link Kernels#gemvBatchF32}).</li>
 * </ul>
 *
 * Either kernel gives each row the same bits whatever the batch, so a sequence decodes to the same
 * tokens alone or batched. Prefill (GEMM) keeps F32 activations for every dtype.
 */
final class DecodeProjections {
    /** System property that turns the interleaved Q4_0 copies off (default on). */
    static final String INTERLEAVE_PROPERTY = "llmj.q4_0.interleaved";

    private final Kernels k;
    private final Map<Tensor, InterleavedQ4_0> interleaved;

    private DecodeProjections(Kernels k, Map<Tensor, InterleavedQ4_0> interleaved) {
        this.k = k;
        this.interleaved = interleaved;
    }

    /** {@code -Dllmj.q4_0.interleaved}, true unless set to false. */
    static boolean interleaveByDefault() {
        return Boolean.parseBoolean(System.getProperty(INTERLEAVE_PROPERTY, "true"));
    }

    /**
     * The projections of w; with {@code interleaveQ4_0}, interleaved copies of its Q4_0 matrices,
     * allocated in {@code arena} (the model's).
     */
    static DecodeProjections of(ModelWeights w, Kernels k, Arena arena, boolean interleaveQ4_0) {
        Map<Tensor, InterleavedQ4_0> copies = new IdentityHashMap<>();
        if (interleaveQ4_0) {
            KernelExecutor ex = k.executor();
            for (LayerWeights lw : w.layers()) {
                for (Tensor t : new Tensor[] {lw.wq(), lw.wk(), lw.wv(), lw.wo(), lw.ffnGate(), lw.ffnUp(), lw.ffnDown()}) {
                    interleave(t, arena, ex, copies);
                }
            }
            interleave(w.output(), arena, ex, copies);
        }
        return new DecodeProjections(k, copies);
    }

    private static void interleave(Tensor t, Arena arena, KernelExecutor ex, Map<Tensor, InterleavedQ4_0> copies) {
        if (t.dtype() != DType.Q4_0 || copies.containsKey(t)) {
            return;
        }
        try {
            copies.put(t, InterleavedQ4_0.of(t, arena, ex));
        } catch (IllegalArgumentException nonFiniteScale) {
            // stays on the float kernel, which carries infinities and NaNs through as the codec decodes them
        }
    }

    /** Matrices that run on the interleaved kernel. */
    int interleavedCount() {
        return interleaved.size();
    }

    /** out (b rows of w.rows()) = in (b rows of w.cols()) · wᵀ, both from byte 0. */
    void project(Tensor w, MemorySegment in, int b, MemorySegment out) {
        InterleavedQ4_0 iw = interleaved.get(w);
        if (iw != null) {
            k.gemvBatch(iw, in, 0, b, out, 0);
        } else {
            k.gemvBatchF32(w, in, 0, b, out, 0);
        }
    }

    /** {@link #project} of one input against weights of one width (q, k, v; gate, up) as one job. */
    void projectGroup(Tensor[] ws, MemorySegment in, int b, MemorySegment[] outs) {
        InterleavedQ4_0[] iws = new InterleavedQ4_0[ws.length];
        for (int i = 0; i < ws.length; i++) {
            iws[i] = interleaved.get(ws[i]);
            if (iws[i] == null) {
                k.gemvBatchF32Group(ws, in, 0, b, outs);
                return;
            }
        }
        k.gemvBatchGroup(iws, in, 0, b, outs);
    }
}
