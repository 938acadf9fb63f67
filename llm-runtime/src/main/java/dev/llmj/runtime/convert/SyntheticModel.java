package dev.llmj.runtime.convert;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufArray;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufValue;
import dev.llmj.tensor.quant.BlockCodec;
import dev.llmj.tensor.quant.Codecs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Llama-architecture GGUF files with random weights of realistic shapes, for benchmarks: normal
 * weights with σ = 0.02 (as the llama.cpp reference benchmarks use), norm weights of 1. Each
 * tensor's values come from its own seeded generator, so a shape, dtype and seed always give the
 * same file, and tensors are produced one at a time (a 1B model never sits in memory whole).
 */
public final class SyntheticModel {
    private SyntheticModel() {}

    /** A named model shape. */
    public record Shape(String name, int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int context) {
        public long parameters() {
            long kvDim = (long) dim / heads * kvHeads;
            long perLayer = 2L * dim * dim + 2L * kvDim * dim + 3L * hidden * dim + 2L * dim;
            return 2L * vocab * dim + layers * perLayer + dim;
        }
    }

    public static final List<Shape> SHAPES = List.of(
            new Shape("llama-tiny", 128, 384, 2, 4, 2, 32000, 2048),
            new Shape("llama-110m", 768, 2048, 12, 12, 12, 32000, 2048),
            new Shape("llama-1b", 2048, 8192, 16, 32, 8, 32000, 2048));

    public static Shape shape(String name) {
        return SHAPES.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown shape '" + name + "'; known: "
                        + SHAPES.stream().map(Shape::name).toList()));
    }

    /**
     * Writes {@code shape} with matrices in {@code dtype} (norms stay F32) to {@code output}. The
     * vocabulary's {@code tokenizer.*} keys are copied from {@code vocabGguf} when given (its token
     * count must equal the shape's vocab), else a byte-fallback SentencePiece-style vocabulary is made.
     */
    public static void write(Shape shape, TargetType dtype, long seed, Path vocabGguf, Path output,
                             ConvertProgress progress) throws IOException {
        write(shape, dtype, false, seed, vocabGguf, output, progress);
    }

    /**
     * {@link #write(Shape, TargetType, long, Path, Path, ConvertProgress)}, the matrices' types as
     * llama-quantize picks them for {@code dtype} ({@link QuantMix}), or all {@code dtype} when
     * {@code pure}.
     */
    public static void write(Shape shape, TargetType dtype, boolean pure, long seed, Path vocabGguf, Path output,
                             ConvertProgress progress) throws IOException {
        StreamingGgufWriter w = new StreamingGgufWriter();
        w.put("general.architecture", GgufValue.string("llama"));
        w.put("general.name", GgufValue.string(shape.name() + " (random weights, seed " + seed + ")"));
        w.put("llama.context_length", GgufValue.uint32(shape.context()));
        w.put("llama.embedding_length", GgufValue.uint32(shape.dim()));
        w.put("llama.feed_forward_length", GgufValue.uint32(shape.hidden()));
        w.put("llama.block_count", GgufValue.uint32(shape.layers()));
        w.put("llama.attention.head_count", GgufValue.uint32(shape.heads()));
        w.put("llama.attention.head_count_kv", GgufValue.uint32(shape.kvHeads()));
        w.put("llama.rope.dimension_count", GgufValue.uint32(shape.dim() / shape.heads()));
        w.put("llama.rope.freq_base", GgufValue.float32(10000f));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(1e-5f));
        w.put("general.file_type", GgufValue.uint32(dtype.fileType()));
        try (Arena vocabArena = Arena.ofConfined()) {
            Map<String, GgufValue> vocab = vocabGguf != null ? copiedVocabulary(vocabGguf, vocabArena, shape.vocab())
                    : byteFallbackVocabulary(shape.vocab());
            vocab.forEach(w::put);
            if (dtype.dtype().isQuantized()) {
                w.put("general.quantization_version", GgufValue.uint32(2));
            }
            List<TensorSpec> tensors = tensors(shape);
            QuantMix mix = QuantMix.of(dtype, pure, tensors.stream().map(TensorSpec::name).toList());
            int[] index = {0};
            for (TensorSpec t : tensors) {
                if (t.rows() == 0) {
                    ones(w, t.name(), (int) t.cols());
                } else {
                    matrix(w, mix, t.name(), seed, index, t.rows(), t.cols());
                }
            }
            w.write(output, progress);
        }
    }

    /** One tensor of the file: a matrix of rows × cols, or (rows = 0) a norm vector of cols ones. */
    record TensorSpec(String name, long rows, long cols) {}

    /** The tensors {@link #write} emits for {@code shape}, in file order. */
    static List<TensorSpec> tensors(Shape shape) {
        long dim = shape.dim();
        long hidden = shape.hidden();
        long kvDim = dim / shape.heads() * shape.kvHeads();
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("token_embd.weight", shape.vocab(), dim));
        for (int l = 0; l < shape.layers(); l++) {
            String p = "blk." + l + ".";
            t.add(new TensorSpec(p + "attn_norm.weight", 0, dim));
            t.add(new TensorSpec(p + "attn_q.weight", dim, dim));
            t.add(new TensorSpec(p + "attn_k.weight", kvDim, dim));
            t.add(new TensorSpec(p + "attn_v.weight", kvDim, dim));
            t.add(new TensorSpec(p + "attn_output.weight", dim, dim));
            t.add(new TensorSpec(p + "ffn_norm.weight", 0, dim));
            t.add(new TensorSpec(p + "ffn_gate.weight", hidden, dim));
            t.add(new TensorSpec(p + "ffn_down.weight", dim, hidden));
            t.add(new TensorSpec(p + "ffn_up.weight", hidden, dim));
        }
        t.add(new TensorSpec("output_norm.weight", 0, dim));
        t.add(new TensorSpec("output.weight", shape.vocab(), dim));
        return t;
    }

    private static void matrix(StreamingGgufWriter w, QuantMix mix, String name, long seed, int[] index, long rows,
            long cols) {
        DType dtype = mix.dtypeFor(name, new long[] {rows, cols}, DType.F32);
        long tensorSeed = seed * 1_000_003L + index[0]++;
        w.addProduced(name, dtype, new long[] {rows, cols}, arena -> {
            Tensor t = Tensor.allocate(arena, dtype, rows, cols);
            BlockCodec codec = Codecs.forType(dtype);
            SplittableRandom rnd = new SplittableRandom(tensorSeed);
            float[] row = new float[Math.toIntExact(cols)];
            for (long r = 0; r < rows; r++) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) (rnd.nextGaussian() * 0.02);
                }
                codec.quantize(row, 0, t.base(), t.rowOffset(r), row.length);
            }
            return t;
        });
    }

    private static void ones(StreamingGgufWriter w, String name, int n) {
        w.addProduced(name, DType.F32, new long[] {n}, arena -> {
            float[] v = new float[n];
            java.util.Arrays.fill(v, 1f);
            return Tensor.ofFloats(arena, v, n);
        });
    }

    private static Map<String, GgufValue> copiedVocabulary(Path vocabGguf, Arena arena, int vocab) throws IOException {
        GgufFile g = GgufFile.open(vocabGguf, arena);
        int tokens = g.getArray("tokenizer.ggml.tokens").size();
        if (tokens != vocab) {
            throw new IllegalArgumentException(vocabGguf + " has " + tokens + " tokens; the shape needs " + vocab);
        }
        Map<String, GgufValue> out = new java.util.LinkedHashMap<>();
        g.metadata().forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** <unk>, <s>, </s>, the 256 byte pieces, then filler pieces: any text tokenizes (as bytes). */
    static Map<String, GgufValue> byteFallbackVocabulary(int vocab) {
        List<String> tokens = new ArrayList<>(vocab);
        int[] types = new int[vocab];
        tokens.add("<unk>");
        tokens.add("<s>");
        tokens.add("</s>");
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            types[tokens.size()] = 6;
            tokens.add(String.format("<0x%02X>", b));
        }
        while (tokens.size() < vocab) {
            types[tokens.size()] = 1;
            tokens.add("▁filler" + tokens.size());
        }
        Map<String, GgufValue> out = new java.util.LinkedHashMap<>();
        out.put("tokenizer.ggml.model", GgufValue.string("llama"));
        out.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(tokens)));
        out.put("tokenizer.ggml.scores", GgufValue.array(GgufArray.ofFloats(new float[vocab])));
        out.put("tokenizer.ggml.token_type", GgufValue.array(GgufArray.ofInts(types)));
        out.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(1));
        out.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(2));
        out.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(0));
        return out;
    }
}
