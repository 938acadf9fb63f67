package dev.llmj.runtime.model;

import dev.llmj.rope.GgufRope;
import dev.llmj.rope.PairLayout;
import dev.llmj.rope.RopeScheme;
import dev.llmj.runtime.tokenizer.Tokenizer;
import dev.llmj.runtime.tokenizer.Tokenizers;
import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufTensorInfo;
import dev.llmj.tensor.llama2c.Llama2cCheckpoint;
import dev.llmj.tensor.llama2c.Llama2cConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads a model's config, weights and tokenizer from a GGUF file or a llama2.c checkpoint. */
final class ModelLoader {
    private ModelLoader() {}

    private static final Set<String> ARCHITECTURES = Set.of("llama", "qwen2");

    record Loaded(ModelConfig config, ModelWeights weights, Tokenizer tokenizer) {}

    static Loaded load(Path file, Path tokenizerFile, Arena arena) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return GgufFile.isGguf(file) ? fromGguf(file, arena) : fromLlama2c(file, tokenizerFile, arena);
    }

    private static Loaded fromGguf(Path file, Arena arena) throws IOException {
        GgufFile g = GgufFile.open(file, arena);
        String arch = g.getString("general.architecture");
        if (!ARCHITECTURES.contains(arch)) {
            throw new ModelFormatException(file, "metadata[\"general.architecture\"]", g.keyOffset("general.architecture").orElse(0),
                    "architecture '" + arch + "' is not supported; supported: " + ARCHITECTURES);
        }
        int dim = g.getInt(arch + ".embedding_length");
        int heads = g.getInt(arch + ".attention.head_count");
        int kvHeads = (int) g.optLong(arch + ".attention.head_count_kv").orElse(heads);
        int headDim = (int) g.optLong(arch + ".attention.key_length").orElse(heads > 0 ? dim / heads : 0);
        int context = g.getInt(arch + ".context_length");
        GgufTensorInfo embd = g.tensorInfo("token_embd.weight").orElseThrow(() -> new ModelFormatException(file,
                "tensor \"token_embd.weight\"", g.dataOffset(), "the model has no token embedding"));
        int vocab = Math.toIntExact(embd.shape()[0]);
        PairLayout layout = arch.equals("qwen2") ? PairLayout.HALVES : PairLayout.ADJACENT;
        GgufRope.Config rope = GgufRope.of(
                g.optString(arch + ".rope.scaling.type").orElse(null),
                g.get(arch + ".rope.scaling.factor").map(v -> v.asDouble()).orElse(null),
                g.get(arch + ".rope.scaling.original_context_length").map(v -> v.asInt()).orElse(null),
                g.get(arch + ".rope.freq_base").map(v -> v.asDouble()).orElse(null),
                g.get(arch + ".rope.dimension_count").map(v -> v.asInt()).orElse(null),
                headDim, context, layout);
        ModelConfig c = checked(file, new ModelConfig(arch, dim, g.getInt(arch + ".feed_forward_length"),
                g.getInt(arch + ".block_count"), heads, kvHeads, headDim, vocab, context,
                (float) (double) g.get(arch + ".attention.layer_norm_rms_epsilon").map(v -> v.asDouble()).orElse(1e-5),
                rope.geometry().rotaryDims(), rope.geometry().base(), layout, rope.scheme(),
                rope.geometry().trainingLength(), arch.equals("qwen2")));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (GgufTensorInfo info : g.tensorInfos()) {
            tensors.put(info.name(), g.tensor(info.name()));
        }
        ModelWeights w = ModelWeights.fromNamedTensors(c, tensors, file.toString());
        Tokenizer tok = Tokenizers.fromGguf(g);
        if (tok.vocabulary().size() != vocab) {
            throw new ModelFormatException(file, "metadata[\"tokenizer.ggml.tokens\"]", g.keyOffset("tokenizer.ggml.tokens").orElse(0),
                    "the vocabulary has " + tok.vocabulary().size() + " tokens but token_embd.weight has " + vocab + " rows");
        }
        return new Loaded(c, w, tok);
    }

    private static Loaded fromLlama2c(Path file, Path tokenizerFile, Arena arena) throws IOException {
        Llama2cCheckpoint ck = Llama2cCheckpoint.open(file, arena);
        Llama2cConfig k = ck.config();
        Path tokPath = tokenizerFile != null ? tokenizerFile : file.resolveSibling("tokenizer.bin");
        if (!Files.isRegularFile(tokPath)) {
            throw new NoSuchFileException(tokPath.toString(), null,
                    "a llama2.c checkpoint needs its tokenizer.bin (pass --tokenizer)");
        }
        // llama2.c: rotary over the whole head, base 10000, adjacent pairs, RMSNorm eps 1e-5.
        ModelConfig c = checked(file, new ModelConfig("llama", k.dim(), k.hiddenDim(), k.nLayers(), k.nHeads(),
                k.nKvHeads(), k.headDim(), k.vocabSize(), k.seqLen(), 1e-5f, k.headDim(), 10000.0,
                PairLayout.ADJACENT, new RopeScheme.Plain(), k.seqLen(), false));
        ModelWeights w = ModelWeights.fromNamedTensors(c, ck.tensors(), file.toString());
        return new Loaded(c, w, Tokenizers.fromLlama2c(tokPath, k.vocabSize()));
    }

    private static ModelConfig checked(Path file, ModelConfig c) throws ModelFormatException {
        String problem = null;
        if (c.dim() <= 0 || c.hiddenDim() <= 0 || c.nLayers() <= 0 || c.nHeads() <= 0 || c.nKvHeads() <= 0
                || c.headDim() <= 0 || c.vocabSize() <= 0 || c.contextLength() <= 0) {
            problem = "non-positive hyper-parameter in " + c;
        } else if (c.nHeads() % c.nKvHeads() != 0) {
            problem = "head count " + c.nHeads() + " is not a multiple of the kv head count " + c.nKvHeads();
        } else if (c.ropeDims() > c.headDim() || c.ropeDims() % 2 != 0) {
            problem = "rotary dims " + c.ropeDims() + " must be even and at most the head dim " + c.headDim();
        } else if (!(c.normEps() > 0)) {
            problem = "RMSNorm epsilon must be positive, is " + c.normEps();
        }
        if (problem != null) {
            throw new ModelFormatException(file, "hyper-parameters", 0, problem);
        }
        return c;
    }
}
