package dev.llmj.runtime.model;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.rope.ResolvedRope;
import dev.llmj.rope.attention.Attention;
import dev.llmj.rope.attention.KvCache;
import dev.llmj.rope.attention.ParallelFor;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The transformer's arithmetic for a batch of consecutive tokens, on off-heap scratch owned by one
 * session. Every projection is one GEMM over the whole batch (decode is the batch of one, which
 * the kernels run as GEMV):
 *
 * <pre>
 *   x = embed(tokens)
 *   per layer:  h = rmsnorm(x)·attn_norm;  q,k,v = h·Wqᵀ, h·Wkᵀ, h·Wvᵀ (+ biases)
 *               x += attention(q, k, v; KV cache, rope scheme)·Woᵀ
 *               h = rmsnorm(x)·ffn_norm;   x += (silu(h·Wgateᵀ) ⊙ h·Wupᵀ)·Wdownᵀ
 *   logits = (rmsnorm(x)·output_norm)·Woutᵀ
 * </pre>
 */
final class ForwardPass {
    /** Rows of logits computed at a time when every position's logits are wanted. */
    private static final int LOGIT_ROWS = 32;

    private final ModelConfig c;
    private final ModelWeights w;
    private final Kernels k;
    private final Projections projections;
    private final ParallelFor parallel;
    private final int maxBatch;
    private final Activations a;
    private final MemorySegment logits;

    ForwardPass(Model model, Arena arena, int maxBatch) {
        this.c = model.config();
        this.w = model.weights();
        this.k = model.kernels();
        this.projections = model.projections();
        this.parallel = (count, body) -> k.executor().parallelFor(count, body);
        this.maxBatch = maxBatch;
        this.a = new Activations(model, arena, maxBatch);
        this.logits = Activations.floats(arena, (long) Math.min(maxBatch, LOGIT_ROWS) * c.vocabSize());
    }

    int maxBatch() {
        return maxBatch;
    }

    /**
     * Runs tokens {@code ids[from .. from+n)} at positions {@code startPos ..}, appending them to
     * the caches. With {@code allLogits} every position's logits go to {@code sink}; otherwise only
     * the last one's.
     */
    void run(int[] ids, int from, int n, int startPos, KvCache[] caches, ResolvedRope rope,
             boolean allLogits, LogitsSink sink) {
        assert n >= 1 && n <= maxBatch;
        int dim = c.dim();
        a.embed(ids, from, n);
        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers().get(l);
            rows(n, (r0, r1) -> a.normRows(lw.attnNorm(), r0, r1));
            matmuls(lw.qkv(), a.xb, n, a.qkv());
            if (lw.bq() != null) {
                a.addBias(a.q, lw.bq(), n, c.queryDim());
                a.addBias(a.kNew, lw.bk(), n, c.kvDim());
                a.addBias(a.vNew, lw.bv(), n, c.kvDim());
            }
            Attention.forward(rope, caches[l], slice(a.q, n, c.queryDim()), slice(a.kNew, n, c.kvDim()),
                    slice(a.vNew, n, c.kvDim()), startPos, n, slice(a.att, n, c.queryDim()), parallel);
            matmul(lw.wo(), a.att, n, a.xb);
            addRows(n);

            rows(n, (r0, r1) -> a.normRows(lw.ffnNorm(), r0, r1));
            matmuls(lw.gateUp(), a.xb, n, a.gateUp());
            rows(n, (r0, r1) -> {
                long off = (long) r0 * c.hiddenDim() * Float.BYTES;
                k.swiglu(a.gate, off, a.gate, off, a.up, off, (r1 - r0) * c.hiddenDim());
            });
            matmul(lw.ffnDown(), a.gate, n, a.xb);
            addRows(n);
        }
        int first = allLogits ? 0 : n - 1;
        for (int r0 = first; r0 < n; r0 += LOGIT_ROWS) {
            int rows = Math.min(LOGIT_ROWS, n - r0);
            for (int r = 0; r < rows; r++) {
                long off = (long) (r0 + r) * dim * Float.BYTES;
                k.rmsnorm(a.xb, (long) r * dim * Float.BYTES, a.x, off, w.outputNorm().base(),
                        w.outputNorm().byteOffset(), dim, c.normEps());
            }
            matmul(w.output(), a.xb, rows, logits);
            for (int r = 0; r < rows; r++) {
                sink.accept(startPos + r0 + r, logits, (long) r * c.vocabSize() * Float.BYTES);
            }
        }
    }

    /**
     * Runs {@code body} over row ranges covering 0..n−1: on the pool for a prefill batch (the
     * element-wise steps between projections ran on the calling thread alone, and the other
     * threads waited, about 5 % of a two-thread prefill), inline for a single row.
     */
    private void rows(int n, KernelExecutor.RangeBody body) {
        if (n >= PARALLEL_ROWS) {
            k.executor().parallelRanges(n, PARALLEL_ROWS / 2, body);
        } else {
            body.run(0, n);
        }
    }

    /** Batches from this many rows spread their element-wise steps over the pool. */
    private static final int PARALLEL_ROWS = 8;

    /** x += xb over n rows (the residual connection). */
    private void addRows(int n) {
        int dim = c.dim();
        rows(n, (r0, r1) -> {
            long off = (long) r0 * dim * Float.BYTES;
            k.add(a.x, off, a.x, off, a.xb, off, (r1 - r0) * dim);
        });
    }

    /**
     * out = in · wᵀ for n rows. A single row is a streaming GEMV ({@link Projections}) instead
     * of GEMM, which would dequantize every weight to F32 for one row. Its activations stay F32, as
     * in GEMM, except for Q4_0, Q8_0, Q4_K and Q6_K weights, which run with Q8_0 activations
     * (llama.cpp's arithmetic for Q4_0 and Q8_0) on interleaved copies: for Q8_0 and the K-quants
     * decode and prefill of a position differ by the activations' rounding, ≈ 1/254 of each block's
     * largest value; Q4_0's prefill rounds them too and gives decode's bits. For the other dtypes
     * they agree up to float rounding. {@link BatchDecoder} runs the same kernels with several vectors,
     * bit-identical per vector, so a sequence decodes the same alone or in a batch. Several rows
     * go through GEMM ({@link Projections#gemm}: on the interleaved copy where there is one, with
     * the source's bits; for a Q4_0 copy the batched GEMV).
     */
    private void matmul(Tensor weight, MemorySegment in, int n, MemorySegment out) {
        if (n == 1) {
            projections.project(weight, in, 1, out);
        } else {
            projections.gemm(weight, in, n, out);
        }
    }

    /**
     * {@link #matmul} of one input against several weights of one width (q, k, v; gate, up) as
     * one kernel call: one parallel job over all their rows or columns, and for GEMM one packing
     * of the input; each output is the one {@code matmul} gives.
     */
    private void matmuls(Tensor[] weights, MemorySegment in, int n, MemorySegment[] outs) {
        if (n == 1) {
            projections.projectGroup(weights, in, 1, outs);
        } else {
            projections.gemmGroup(weights, in, n, outs);
        }
    }

    private static MemorySegment slice(MemorySegment s, int n, int width) {
        return s.asSlice(0, (long) n * width * Float.BYTES);
    }
}
