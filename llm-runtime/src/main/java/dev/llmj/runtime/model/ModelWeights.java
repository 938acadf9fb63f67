package dev.llmj.runtime.model;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Every weight of a model, validated against its {@link ModelConfig} once at load time so the
 * forward pass can trust the shapes.
 *
 * @param output the classifier; the token embedding itself when the model ties them
 */
public record ModelWeights(Tensor tokenEmbedding, List<LayerWeights> layers, Tensor outputNorm, Tensor output) {

    /**
     * Collects the weights named as llama.cpp names them in GGUF from {@code tensors}.
     *
     * @throws IllegalArgumentException naming the first missing tensor or wrong shape
     */
    static ModelWeights fromNamedTensors(ModelConfig c, Map<String, Tensor> tensors, String source) {
        Lookup t = new Lookup(tensors, source);
        Tensor embd = t.matrix("token_embd.weight", c.vocabSize(), c.dim());
        LayerWeights[] layers = new LayerWeights[c.nLayers()];
        for (int i = 0; i < c.nLayers(); i++) {
            String p = "blk." + i + ".";
            layers[i] = new LayerWeights(
                    t.vector(p + "attn_norm.weight", c.dim()),
                    t.matrix(p + "attn_q.weight", c.queryDim(), c.dim()),
                    t.matrix(p + "attn_k.weight", c.kvDim(), c.dim()),
                    t.matrix(p + "attn_v.weight", c.kvDim(), c.dim()),
                    t.matrix(p + "attn_output.weight", c.dim(), c.queryDim()),
                    c.qkvBias() ? t.vector(p + "attn_q.bias", c.queryDim()) : null,
                    c.qkvBias() ? t.vector(p + "attn_k.bias", c.kvDim()) : null,
                    c.qkvBias() ? t.vector(p + "attn_v.bias", c.kvDim()) : null,
                    t.vector(p + "ffn_norm.weight", c.dim()),
                    t.matrix(p + "ffn_gate.weight", c.hiddenDim(), c.dim()),
                    t.matrix(p + "ffn_down.weight", c.dim(), c.hiddenDim()),
                    t.matrix(p + "ffn_up.weight", c.hiddenDim(), c.dim()));
        }
        Tensor norm = t.vector("output_norm.weight", c.dim());
        Tensor out = tensors.containsKey("output.weight") ? t.matrix("output.weight", c.vocabSize(), c.dim()) : embd;
        return new ModelWeights(embd, List.of(layers), norm, out);
    }

    private record Lookup(Map<String, Tensor> tensors, String source) {
        Tensor get(String name) {
            Tensor x = tensors.get(name);
            if (x == null) {
                throw new IllegalArgumentException(source + ": missing tensor " + name);
            }
            if (!x.dtype().isDecodable()) {
                throw new IllegalArgumentException(source + ": tensor " + name + " has dtype " + x.dtype()
                        + ", which this runtime cannot compute with");
            }
            return x;
        }

        Tensor matrix(String name, long rows, long cols) {
            Tensor x = get(name);
            if (x.rank() != 2 || x.dim(0) != rows || x.dim(1) != cols) {
                throw new IllegalArgumentException(source + ": tensor " + name + " has shape " + Arrays.toString(x.shape())
                        + ", the model's hyper-parameters need [" + rows + ", " + cols + "]");
            }
            return x;
        }

        /** Norm weights and biases are computed with as F32 vectors. */
        Tensor vector(String name, long n) {
            Tensor x = get(name);
            if (x.elementCount() != n || x.dtype() != DType.F32) {
                throw new IllegalArgumentException(source + ": tensor " + name + " must be " + n + " F32 values, is "
                        + x.dtype() + " " + Arrays.toString(x.shape()));
            }
            return x.reshape(n);
        }
    }
}
