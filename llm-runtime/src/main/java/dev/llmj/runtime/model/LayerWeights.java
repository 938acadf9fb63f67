package dev.llmj.runtime.model;

import dev.llmj.tensor.Tensor;

/**
 * One transformer block's weights; matrices are {@code [out, in]}, any dtype the kernels take.
 * The q/k/v biases are null except for architectures that have them (qwen2).
 */
public record LayerWeights(
        Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        Tensor bq, Tensor bk, Tensor bv,
        Tensor ffnNorm, Tensor ffnGate, Tensor ffnDown, Tensor ffnUp) {

    /** The projections of the normed input before attention, in the order q, k, v. */
    public Tensor[] qkv() {
        return new Tensor[] {wq, wk, wv};
    }

    /** The projections of the normed input before the feed-forward nonlinearity: gate, up. */
    public Tensor[] gateUp() {
        return new Tensor[] {ffnGate, ffnUp};
    }
}
