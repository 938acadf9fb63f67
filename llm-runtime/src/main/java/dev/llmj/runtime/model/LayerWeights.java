package dev.llmj.runtime.model;

import dev.llmj.tensor.Tensor;

/**
 * One transformer block's weights; matrices are {@code [out, in]}, any dtype the kernels take.
 * The q/k/v biases are null except for architectures that have them (qwen2).
 */
public record LayerWeights(
        Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        Tensor bq, Tensor bk, Tensor bv,
        Tensor ffnNorm, Tensor ffnGate, Tensor ffnDown, Tensor ffnUp) {}
