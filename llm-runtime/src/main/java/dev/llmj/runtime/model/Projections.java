package dev.llmj.runtime.model;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.InterleavedWeights;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.tensor.MappedFile;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The model's projections, {@code out = in · wᵀ}, through the kernel that suits each weight: the
 * GEMVs of decoding (one row per sequence) and the GEMMs of prefill.
 *
 * <ul>
 *   <li>Q4_0, Q8_0, Q4_K and Q6_K matrices are copied once, at load, into {@link InterleavedQ4_0} /
 *       {@link InterleavedQ8_0} / {@link InterleavedQ4_K} / {@link InterleavedQ6_K} tiles, and
 *       decoding runs them on the 16-bit integer kernels with Q8_0 activations: llama.cpp's
 *       arithmetic for Q4_0 and Q8_0 (its {@code ggml_vec_dot_q4_0_q8_0} and {@code _q8_0_q8_0}:
 *       exact integer block sums, activations rounded to 8 bits per 32-element block, ≈ 1/254 of
 *       the block's largest value), and for the K-quants the
 *       same with a finer activation scale than their Q8_K (per 32 elements, not 256). 1.7–2.5×
 *       faster per weight than the float kernels (JMH, 48 MiB GEMV).</li>
 *   <li>Prefill on a Q4_0 copy runs the same function with all the prompt's rows
 *       ({@link Kernels#gemvBatch}, which takes a register-tiled GEMM kernel for large batches): Q8_0
 *       activations, as llama.cpp's prefill has them for Q4_0, and every row the bits decoding that
 *       token alone gives. 16-bit integer multiplies cover 32 rows each against a float fma's 16,
 *       and the GEMM ran 1.1–1.3× the float GEMM on the same copy (one thread, 128 rows).</li>
 *   <li>Prefill's GEMM keeps F32 activations for every other dtype. Where the kernels can read a copy
 *       ({@link Kernels#gemmReadsCopy}: the vector kernels read every layout's) it runs on the copy, with the source's bits, and the
 *       source's pages are handed back to the OS once the copy is made
 *       ({@link MappedFile#release}): the mapped file then costs no memory beside the copy
 *       (1b Q4_0 with {@code -Xmx64m}: peak RSS 1275 → 720 MiB). Anything that still reads the
 *       source (the token embedding, when the classifier shares it) pages it back in from the file.</li>
 *   <li>Every other matrix (and these when {@code -Dllmj.interleaved=false}, or one whose
 *       scales are not all finite, or a Q8_0 one holding −128) runs the float kernels
 *       ({@link Kernels#gemvBatchF32}, {@link Kernels#gemm}).</li>
 * </ul>
 *
 * Either decode kernel gives each row the same bits whatever the batch, so a sequence decodes to
 * the same tokens alone or batched.
 */
final class Projections {
    /** System property that turns the interleaved copies off (default on). */
    static final String INTERLEAVE_PROPERTY = "llmj.interleaved";

    private final Kernels k;
    /** Each interleaved matrix's copy. */
    private final Map<Tensor, InterleavedWeights> interleaved;
    /** Bytes of source pages handed back to the OS once copied. */
    private final long releasedBytes;

    private Projections(Kernels k, Map<Tensor, InterleavedWeights> interleaved, long releasedBytes) {
        this.k = k;
        this.interleaved = interleaved;
        this.releasedBytes = releasedBytes;
    }

    /** {@code -Dllmj.interleaved}, true unless set to false. */
    static boolean interleaveByDefault() {
        return Boolean.parseBoolean(System.getProperty(INTERLEAVE_PROPERTY, "true"));
    }

    /**
     * The projections of w; with {@code interleave}, interleaved copies of its Q4_0, Q8_0, Q4_K
     * and Q6_K matrices, allocated in {@code arena} (the model's).
     */
    static Projections of(ModelWeights w, Kernels k, Arena arena, boolean interleave) {
        Map<Tensor, InterleavedWeights> copies = new IdentityHashMap<>();
        long released = 0;
        if (interleave) {
            for (LayerWeights lw : w.layers()) {
                for (Tensor t : new Tensor[] {lw.wq(), lw.wk(), lw.wv(), lw.wo(), lw.ffnGate(), lw.ffnUp(), lw.ffnDown()}) {
                    released += interleave(t, k, arena, copies);
                }
            }
            released += interleave(w.output(), k, arena, copies);
        }
        return new Projections(k, copies, released);
    }

    /** Copies t when its dtype has an interleaved layout; returns the bytes of its source released. */
    private static long interleave(Tensor t, Kernels k, Arena arena, Map<Tensor, InterleavedWeights> copies) {
        if (copies.containsKey(t)) {
            return 0;
        }
        KernelExecutor ex = k.executor();
        InterleavedWeights copy;
        try {
            copy = switch (t.dtype()) {
                case Q4_0 -> InterleavedQ4_0.of(t, arena, ex);
                case Q8_0 -> InterleavedQ8_0.of(t, arena, ex);
                case Q4_K -> InterleavedQ4_K.of(t, arena, ex);
                case Q6_K -> InterleavedQ6_K.of(t, arena, ex);
                default -> null;
            };
        } catch (IllegalArgumentException notInterleavable) {
            // a non-finite scale, or a Q8_0 −128: stays on the float kernel, which carries
            // infinities and NaNs through as the codec decodes them
            return 0;
        }
        if (copy == null) {
            return 0;
        }
        copies.put(t, copy);
        // nothing reads these pages on the hot paths any more; a reader elsewhere pages them back in
        return k.gemmReadsCopy(copy) ? MappedFile.release(t.segment()) : 0;
    }

    /** Bytes of the mapped sources handed back to the OS once copied (0 when none were mapped). */
    long releasedBytes() {
        return releasedBytes;
    }

    /** Matrices that run on the interleaved kernel. */
    int interleavedCount() {
        return interleaved.size();
    }

    /** out (b rows of w.rows()) = in (b rows of w.cols()) · wᵀ, both from byte 0. */
    void project(Tensor w, MemorySegment in, int b, MemorySegment out) {
        switch (interleaved.get(w)) {
            case InterleavedQ4_0 q4 -> k.gemvBatch(q4, in, 0, b, out, 0);
            case InterleavedQ8_0 q8 -> k.gemvBatch(q8, in, 0, b, out, 0);
            case InterleavedQ4_K q4k -> k.gemvBatch(q4k, in, 0, b, out, 0);
            case InterleavedQ6_K q6 -> k.gemvBatch(q6, in, 0, b, out, 0);
            case null -> k.gemvBatchF32(w, in, 0, b, out, 0);
        }
    }

    /**
     * {@link #project} of one input against weights of one width (q, k, v; gate, up): one job when
     * they all run on one kernel that takes groups (interleaved Q4_0, interleaved Q8_0, interleaved
     * K-quants in any mix of Q4_K and Q6_K, or none interleaved), else one call per weight.
     */
    void projectGroup(Tensor[] ws, MemorySegment in, int b, MemorySegment[] outs) {
        InterleavedQ4_0[] q4 = new InterleavedQ4_0[ws.length];
        InterleavedQ8_0[] q8 = new InterleavedQ8_0[ws.length];
        InterleavedWeights[] kq = new InterleavedWeights[ws.length];
        int plain = 0;
        int q4Count = 0;
        int q8Count = 0;
        int kqCount = 0;
        for (int i = 0; i < ws.length; i++) {
            InterleavedWeights r = interleaved.get(ws[i]);
            plain += r == null ? 1 : 0;
            if (r instanceof InterleavedQ4_0 x) {
                q4[i] = x;
                q4Count++;
            } else if (r instanceof InterleavedQ8_0 x) {
                q8[i] = x;
                q8Count++;
            } else if (r instanceof InterleavedQ4_K || r instanceof InterleavedQ6_K) {
                kq[i] = r;
                kqCount++;
            }
        }
        if (plain == ws.length) {
            k.gemvBatchF32Group(ws, in, 0, b, outs);
        } else if (q4Count == ws.length) {
            k.gemvBatchGroup(q4, in, 0, b, outs);
        } else if (q8Count == ws.length) {
            k.gemvBatchGroup(q8, in, 0, b, outs);
        } else if (kqCount == ws.length) {
            k.gemvBatchKQuantGroup(kq, in, 0, b, outs);
        } else {
            for (int i = 0; i < ws.length; i++) {
                project(ws[i], in, b, outs[i]);
            }
        }
    }

    /**
     * out (n rows of w.rows()) = in (n rows of w.cols()) · wᵀ through GEMM, on w's copy when it has
     * one; a Q4_0 copy as decoding runs it ({@link #project}, all n rows at once: Q8_0 activations,
     * see the class comment).
     */
    void gemm(Tensor w, MemorySegment in, int n, MemorySegment out) {
        InterleavedWeights copy = interleaved.get(w);
        if (copy instanceof InterleavedQ4_0) {
            project(w, in, n, out);
        } else if (copy != null) {
            k.gemm(copy, in, 0, n, out, 0);
        } else {
            k.gemm(w, in, 0, n, out, 0);
        }
    }

    /**
     * {@link #gemm} of one input against weights of one width: one job when all or none have
     * copies (all Q4_0 copies: {@link #projectGroup}'s one job, as for {@link #gemm}).
     */
    void gemmGroup(Tensor[] ws, MemorySegment in, int n, MemorySegment[] outs) {
        if (Arrays.stream(ws).allMatch(w -> interleaved.get(w) instanceof InterleavedQ4_0)) {
            projectGroup(ws, in, n, outs);
            return;
        }
        InterleavedWeights[] copies = new InterleavedWeights[ws.length];
        int count = 0;
        for (int i = 0; i < ws.length; i++) {
            copies[i] = interleaved.get(ws[i]);
            count += copies[i] == null ? 0 : 1;
        }
        if (count == ws.length) {
            k.gemmGroup(copies, in, 0, n, outs);
        } else if (count == 0) {
            k.gemmGroup(ws, in, 0, n, outs);
        } else {
            for (int i = 0; i < ws.length; i++) {
                gemm(ws[i], in, n, outs[i]);
            }
        }
    }
}
