package dev.llmj.runtime.model;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
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
 *   <li>Q4_0, Q4_K and Q6_K matrices are copied once, at load, into {@link InterleavedQ4_0} /
 *       {@link InterleavedQ4_K} / {@link InterleavedQ6_K} tiles and run by the 16-bit integer
 *       kernels with Q8_0 activations: llama.cpp's arithmetic for Q4_0 (its
 *       {@code ggml_vec_dot_q4_0_q8_0}: exact integer block sums, activations rounded to 8 bits
 *       per 32-element block, ≈ 1/254 of the block's largest value), and for the K-quants the
 *       same with a finer activation scale than their Q8_K (per 32 elements, not 256). 1.7–2.5×
 *       faster per weight than the float kernels (JMH, 48 MiB GEMV). The copies cost the matrices' size again in
 *       memory (Q4_K 1.14×, Q6_K 1.4×).</li>
 *   <li>Every other matrix (and these when {@code -Dllmj.interleaved=false}, or one whose
 *       scales are not all finite) keeps F32 activations ({@link Kernels#gemvBatchF32}).</li>
 * </ul>
 *
 * Either kernel gives each row the same bits whatever the batch, so a sequence decodes to the same
 * tokens alone or batched. Prefill (GEMM) keeps F32 activations for every dtype.
 */
final class DecodeProjections {
    /** System property that turns the interleaved copies off (default on). */
    static final String INTERLEAVE_PROPERTY = "llmj.interleaved";

    private final Kernels k;
    /** Each interleaved matrix's copy: an {@link InterleavedQ4_0}, {@link InterleavedQ4_K} or {@link InterleavedQ6_K}. */
    private final Map<Tensor, Record> interleaved;

    private DecodeProjections(Kernels k, Map<Tensor, Record> interleaved) {
        this.k = k;
        this.interleaved = interleaved;
    }

    /** {@code -Dllmj.interleaved}, true unless set to false. */
    static boolean interleaveByDefault() {
        return Boolean.parseBoolean(System.getProperty(INTERLEAVE_PROPERTY, "true"));
    }

    /**
     * The projections of w; with {@code interleave}, interleaved copies of its Q4_0, Q4_K and
     * Q6_K matrices, allocated in {@code arena} (the model's).
     */
    static DecodeProjections of(ModelWeights w, Kernels k, Arena arena, boolean interleave) {
        Map<Tensor, Record> copies = new IdentityHashMap<>();
        if (interleave) {
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

    private static void interleave(Tensor t, Arena arena, KernelExecutor ex, Map<Tensor, Record> copies) {
        if (copies.containsKey(t)) {
            return;
        }
        try {
            switch (t.dtype()) {
                case Q4_0 -> copies.put(t, InterleavedQ4_0.of(t, arena, ex));
                case Q4_K -> copies.put(t, InterleavedQ4_K.of(t, arena, ex));
                case Q6_K -> copies.put(t, InterleavedQ6_K.of(t, arena, ex));
                default -> { }
            }
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
        switch (interleaved.get(w)) {
            case InterleavedQ4_0 q4 -> k.gemvBatch(q4, in, 0, b, out, 0);
            case InterleavedQ4_K q4k -> k.gemvBatch(q4k, in, 0, b, out, 0);
            case InterleavedQ6_K q6 -> k.gemvBatch(q6, in, 0, b, out, 0);
            case null, default -> k.gemvBatchF32(w, in, 0, b, out, 0);
        }
    }

    /**
     * {@link #project} of one input against weights of one width (q, k, v; gate, up): one job when
     * they all run on one kernel that takes groups (interleaved Q4_0, or none interleaved), else
     * one call per weight (the K-quants, and a Q4_K_M layer's Q6_K {@code attn_v} beside Q4_K q and k).
     */
    void projectGroup(Tensor[] ws, MemorySegment in, int b, MemorySegment[] outs) {
        InterleavedQ4_0[] q4 = new InterleavedQ4_0[ws.length];
        int plain = 0;
        int q4Count = 0;
        for (int i = 0; i < ws.length; i++) {
            Record r = interleaved.get(ws[i]);
            plain += r == null ? 1 : 0;
            if (r instanceof InterleavedQ4_0 x) {
                q4[i] = x;
                q4Count++;
            }
        }
        if (plain == ws.length) {
            k.gemvBatchF32Group(ws, in, 0, b, outs);
        } else if (q4Count == ws.length) {
            k.gemvBatchGroup(q4, in, 0, b, outs);
        } else {
            for (int i = 0; i < ws.length; i++) {
                project(ws[i], in, b, outs[i]);
            }
        }
    }
}
