package dev.llmj.runtime.model;

import dev.llmj.kernels.Kernels;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The off-heap activation rows one forward pass works on, for up to {@code rows} tokens at once,
 * and the per-row steps both passes share ({@link ForwardPass} for consecutive tokens of one
 * sequence, {@link BatchDecoder} for one token of each of several sequences). Sharing them keeps
 * the two passes' arithmetic the same, which batched decoding's bit-identity relies on.
 *
 * <pre>
 *   x     [rows][dim]            residual stream
 *   xb    [rows][max(dim, qDim)] normalised rows, then projection outputs
 *   q     [rows][qDim]   kNew, vNew [rows][kvDim]   this step's queries, keys, values
 *   att   [rows][qDim]           attention output (heads concatenated)
 *   gate, up [rows][hidden]      feed-forward halves (gate becomes silu(gate)·up)
 * </pre>
 */
final class Activations {
    final MemorySegment x;
    final MemorySegment xb;
    final MemorySegment q;
    final MemorySegment kNew;
    final MemorySegment vNew;
    final MemorySegment att;
    final MemorySegment gate;
    final MemorySegment up;
    private final ModelConfig c;
    private final ModelWeights w;
    private final Kernels k;
    private final float[] embedRow;
    private final MemorySegment[] qkv;
    private final MemorySegment[] gateUp;

    Activations(Model model, Arena arena, int rows) {
        this.c = model.config();
        this.w = model.weights();
        this.k = model.kernels();
        long r = rows;
        this.x = floats(arena, r * c.dim());
        this.xb = floats(arena, r * Math.max(c.dim(), c.queryDim()));
        this.q = floats(arena, r * c.queryDim());
        this.kNew = floats(arena, r * c.kvDim());
        this.vNew = floats(arena, r * c.kvDim());
        this.att = floats(arena, r * c.queryDim());
        this.gate = floats(arena, r * c.hiddenDim());
        this.up = floats(arena, r * c.hiddenDim());
        this.embedRow = new float[c.dim()];
        this.qkv = new MemorySegment[] {q, kNew, vNew};
        this.gateUp = new MemorySegment[] {gate, up};
    }

    /** q, kNew, vNew: the outputs of {@link LayerWeights#qkv()}. */
    MemorySegment[] qkv() {
        return qkv;
    }

    /** gate, up: the outputs of {@link LayerWeights#gateUp()}. */
    MemorySegment[] gateUp() {
        return gateUp;
    }

    static MemorySegment floats(Arena arena, long n) {
        return arena.allocate(n * Float.BYTES, Tensor.ALIGNMENT);
    }

    /** x[i] = embedding of {@code ids[from + i]} for i in 0..n−1. */
    void embed(int[] ids, int from, int n) {
        Tensor e = w.tokenEmbedding();
        var codec = Codecs.forType(e.dtype());
        for (int i = 0; i < n; i++) {
            codec.dequantize(e.base(), e.rowOffset(ids[from + i]), embedRow, 0, c.dim());
            MemorySegment.copy(embedRow, 0, x, ValueLayout.JAVA_FLOAT, (long) i * c.dim() * Float.BYTES, c.dim());
        }
    }

    /** xb[r] = rmsnorm(x[r]) ⊙ weight for rows from..to−1. */
    void normRows(Tensor weight, int from, int to) {
        int dim = c.dim();
        for (int r = from; r < to; r++) {
            long off = (long) r * dim * Float.BYTES;
            k.rmsnorm(xb, off, x, off, weight.base(), weight.byteOffset(), dim, c.normEps());
        }
    }

    /** rows[r] += bias for each of the n rows of {@code width} floats. */
    void addBias(MemorySegment rows, Tensor bias, int n, int width) {
        for (int r = 0; r < n; r++) {
            long off = (long) r * width * Float.BYTES;
            k.add(rows, off, rows, off, bias.base(), bias.byteOffset(), width);
        }
    }
}
