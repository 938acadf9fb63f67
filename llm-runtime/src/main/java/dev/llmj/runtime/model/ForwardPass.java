package dev.llmj.runtime.model;

import dev.llmj.kernels.Kernels;
import dev.llmj.rope.ResolvedRope;
import dev.llmj.rope.attention.Attention;
import dev.llmj.rope.attention.KvCache;
import dev.llmj.rope.attention.ParallelFor;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    private final ParallelFor parallel;
    private final int maxBatch;
    private final MemorySegment x;
    private final MemorySegment xb;
    private final MemorySegment q;
    private final MemorySegment kNew;
    private final MemorySegment vNew;
    private final MemorySegment att;
    private final MemorySegment gate;
    private final MemorySegment up;
    private final MemorySegment logits;
    private final float[] embedRow;

    ForwardPass(Model model, Arena arena, int maxBatch) {
        this.c = model.config();
        this.w = model.weights();
        this.k = model.kernels();
        this.parallel = (count, body) -> k.executor().parallelFor(count, body);
        this.maxBatch = maxBatch;
        this.x = floats(arena, (long) maxBatch * c.dim());
        this.xb = floats(arena, (long) maxBatch * Math.max(c.dim(), c.queryDim()));
        this.q = floats(arena, (long) maxBatch * c.queryDim());
        this.kNew = floats(arena, (long) maxBatch * c.kvDim());
        this.vNew = floats(arena, (long) maxBatch * c.kvDim());
        this.att = floats(arena, (long) maxBatch * c.queryDim());
        this.gate = floats(arena, (long) maxBatch * c.hiddenDim());
        this.up = floats(arena, (long) maxBatch * c.hiddenDim());
        this.logits = floats(arena, (long) Math.min(maxBatch, LOGIT_ROWS) * c.vocabSize());
        this.embedRow = new float[c.dim()];
    }

    private static MemorySegment floats(Arena arena, long n) {
        return arena.allocate(n * Float.BYTES, Tensor.ALIGNMENT);
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
        embed(ids, from, n);
        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers().get(l);
            normRows(x, lw.attnNorm(), n);
            matmul(lw.wq(), xb, n, q);
            matmul(lw.wk(), xb, n, kNew);
            matmul(lw.wv(), xb, n, vNew);
            if (lw.bq() != null) {
                addBias(q, lw.bq(), n, c.queryDim());
                addBias(kNew, lw.bk(), n, c.kvDim());
                addBias(vNew, lw.bv(), n, c.kvDim());
            }
            Attention.forward(rope, caches[l], slice(q, n, c.queryDim()), slice(kNew, n, c.kvDim()),
                    slice(vNew, n, c.kvDim()), startPos, n, slice(att, n, c.queryDim()), parallel);
            matmul(lw.wo(), att, n, xb);
            k.add(x, 0, x, 0, xb, 0, n * dim);

            normRows(x, lw.ffnNorm(), n);
            matmul(lw.ffnGate(), xb, n, gate);
            matmul(lw.ffnUp(), xb, n, up);
            k.swiglu(gate, 0, gate, 0, up, 0, n * c.hiddenDim());
            matmul(lw.ffnDown(), gate, n, xb);
            k.add(x, 0, x, 0, xb, 0, n * dim);
        }
        int first = allLogits ? 0 : n - 1;
        for (int r0 = first; r0 < n; r0 += LOGIT_ROWS) {
            int rows = Math.min(LOGIT_ROWS, n - r0);
            for (int r = 0; r < rows; r++) {
                long off = (long) (r0 + r) * dim * Float.BYTES;
                k.rmsnorm(xb, (long) r * dim * Float.BYTES, x, off, w.outputNorm().base(), w.outputNorm().byteOffset(),
                        dim, c.normEps());
            }
            matmul(w.output(), xb, rows, logits);
            for (int r = 0; r < rows; r++) {
                sink.accept(startPos + r0 + r, logits, (long) r * c.vocabSize() * Float.BYTES);
            }
        }
    }

    /**
     * out = in · wᵀ for n rows. A single row is a streaming GEMV ({@code gemvBatchF32} with one
     * vector) instead of GEMM, which would dequantize every weight to F32 for one row. Activations
     * stay F32 for every dtype, as in GEMM: decode and prefill of a position agree up to float
     * rounding (Q8_0-quantized activations would shift logits by up to ~1/254 per element and
     * change llama.cpp's reference text for the shared Q8_0 model). {@link BatchDecoder} runs the
     * same kernel with several vectors, bit-identical per vector, so a sequence decodes the same
     * alone or in a batch.
     */
    private void matmul(Tensor weight, MemorySegment in, int n, MemorySegment out) {
        if (n == 1) {
            k.gemvBatchF32(weight, in, 0, 1, out, 0);
        } else {
            k.gemm(weight, in, 0, n, out, 0);
        }
    }

    private void embed(int[] ids, int from, int n) {
        Tensor e = w.tokenEmbedding();
        var codec = Codecs.forType(e.dtype());
        for (int i = 0; i < n; i++) {
            codec.dequantize(e.base(), e.rowOffset(ids[from + i]), embedRow, 0, c.dim());
            MemorySegment.copy(embedRow, 0, x, ValueLayout.JAVA_FLOAT, (long) i * c.dim() * Float.BYTES, c.dim());
        }
    }

    /** xb[r] = rmsnorm(x[r]) ⊙ weight for each of the n rows. */
    private void normRows(MemorySegment src, Tensor weight, int n) {
        int dim = c.dim();
        for (int r = 0; r < n; r++) {
            long off = (long) r * dim * Float.BYTES;
            k.rmsnorm(xb, off, src, off, weight.base(), weight.byteOffset(), dim, c.normEps());
        }
    }

    private void addBias(MemorySegment rows, Tensor bias, int n, int width) {
        for (int r = 0; r < n; r++) {
            long off = (long) r * width * Float.BYTES;
            k.add(rows, off, rows, off, bias.base(), bias.byteOffset(), width);
        }
    }

    private static MemorySegment slice(MemorySegment s, int n, int width) {
        return s.asSlice(0, (long) n * width * Float.BYTES);
    }
}
