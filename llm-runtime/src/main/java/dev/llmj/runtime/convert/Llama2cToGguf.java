package dev.llmj.runtime.convert;

import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufType;
import dev.llmj.tensor.gguf.GgufValue;
import dev.llmj.tensor.llama2c.Llama2cCheckpoint;
import dev.llmj.tensor.llama2c.Llama2cConfig;
import dev.llmj.tensor.llama2c.Llama2cTokenizerFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a llama2.c checkpoint and its {@code tokenizer.bin} into a GGUF v3 file with the
 * metadata keys, key types, tensor names, tensor order and shapes that llama.cpp's own converter
 * ({@code examples/convert-llama2c-to-ggml}) writes, so either file works with either program.
 *
 * <p>Deliberate differences from llama.cpp's converter:
 * <ul>
 *   <li>{@code llama.context_length} is the checkpoint's {@code seq_len} (the context it was
 *       trained with). llama.cpp's converter writes its own default context instead (128 in the
 *       shared reference file), which has nothing to do with the model.</li>
 *   <li>{@code llama.rope.freq_base} (10000, the base llama2.c's rotary embedding uses) and
 *       {@code general.file_type} are added; llama.cpp's converter leaves both out and readers
 *       fall back to the same defaults.</li>
 *   <li>With a quantized {@code type}, {@code general.quantization_version} (2) is added, as
 *       llama.cpp's quantizer does.</li>
 * </ul>
 * Like llama.cpp's converter, the file always holds {@code output.weight}: for a checkpoint whose
 * classifier shares the token embedding it is a copy of {@code token_embd.weight}.
 */
public final class Llama2cToGguf {
    /** llama2.c's rotary base (its run.c hard-codes 10000). */
    public static final float ROPE_FREQ_BASE = 10000f;
    /** llama2.c's RMSNorm epsilon (hard-coded in run.c and model.py). */
    public static final float RMS_NORM_EPS = 1e-5f;
    /** GGML_QNT_VERSION, written by llama.cpp's quantizer into quantized files. */
    public static final int QUANTIZATION_VERSION = 2;
    /** llama.cpp writes "no such token" ids as UINT32 −1. */
    private static final long NO_TOKEN = 0xFFFF_FFFFL;

    private Llama2cToGguf() {}

    /**
     * Converts {@code checkpoint} + {@code tokenizer} into {@code output} (replaced atomically when
     * everything succeeded), matrices in {@code type}.
     */
    public static void convert(Path checkpoint, Path tokenizer, Path output, TargetType type, ConvertProgress progress)
            throws IOException {
        convert(checkpoint, tokenizer, output, type, false, progress);
    }

    /**
     * {@link #convert(Path, Path, Path, TargetType, ConvertProgress)} with llama-quantize's per-tensor
     * types ({@link QuantMix}), or {@code type} for every matrix when {@code pure}.
     */
    public static void convert(Path checkpoint, Path tokenizer, Path output, TargetType type, boolean pure,
            ConvertProgress progress) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(checkpoint, arena);
            Llama2cConfig c = ck.config();
            Llama2cVocabulary vocab = Llama2cVocabulary.of(Llama2cTokenizerFile.read(tokenizer, c.vocabSize()));
            StreamingGgufWriter w = new StreamingGgufWriter();
            metadata(c, vocab, type).forEach(w::put);
            List<String> names = tensorNames(c);
            QuantMix mix = QuantMix.of(type, pure, names);
            for (String name : names) {
                Tensor t = name.equals("output.weight") && c.sharedClassifier()
                        ? ck.tensor("token_embd.weight")
                        : ck.tensor(name);
                w.addTensor(name, t, mix.dtypeFor(name, t.shape(), t.dtype()));
            }
            w.write(output, progress);
        }
    }

    /** The metadata, in the order llama.cpp's converter writes it, then this converter's additions. */
    public static Map<String, GgufValue> metadata(Llama2cConfig c, Llama2cVocabulary vocab, TargetType type) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.tokens", GgufValue.array(vocab.tokens()));
        m.put("tokenizer.ggml.scores", GgufValue.array(vocab.scores()));
        m.put("tokenizer.ggml.token_type", GgufValue.array(vocab.tokenTypes()));
        m.put("tokenizer.ggml.model", GgufValue.string("llama"));
        m.put("general.architecture", GgufValue.string("llama"));
        m.put("general.name", GgufValue.string("llama"));
        m.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(Llama2cVocabulary.UNKNOWN_ID));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(Llama2cVocabulary.BOS_ID));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(Llama2cVocabulary.EOS_ID));
        // Sic: llama.cpp's key is spelled "seperator".
        m.put("tokenizer.ggml.seperator_token_id", GgufValue.uint32(NO_TOKEN));
        m.put("tokenizer.ggml.padding_token_id", GgufValue.uint32(NO_TOKEN));
        // The training context (llama.cpp's converter writes its own default here instead).
        m.put("llama.context_length", GgufValue.uint32(c.seqLen()));
        m.put("llama.embedding_length", GgufValue.uint32(c.dim()));
        m.put("llama.feed_forward_length", GgufValue.uint32(c.hiddenDim()));
        m.put("llama.attention.head_count", GgufValue.uint32(c.nHeads()));
        m.put("llama.attention.head_count_kv", GgufValue.uint32(c.nKvHeads()));
        m.put("llama.block_count", GgufValue.uint32(c.nLayers()));
        // llama2.c rotates every dimension of a head.
        m.put("llama.rope.dimension_count", GgufValue.uint32(c.headDim()));
        m.put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(RMS_NORM_EPS));
        m.put("llama.rope.freq_base", GgufValue.float32(ROPE_FREQ_BASE));
        if (type.dtype().isQuantized()) {
            m.put("general.quantization_version", GgufValue.uint32(QUANTIZATION_VERSION));
        }
        m.put("general.file_type", GgufValue.uint32(type.fileType()));
        assert m.get("tokenizer.ggml.token_type").asArray().elementType() == GgufType.INT32;
        return m;
    }

    /** Tensor names in llama.cpp's converter's order: embedding, final norm, classifier, then per layer. */
    public static List<String> tensorNames(Llama2cConfig c) {
        List<String> names = new ArrayList<>(List.of("token_embd.weight", "output_norm.weight", "output.weight"));
        for (int i = 0; i < c.nLayers(); i++) {
            for (String kind : new String[] {"attn_q", "attn_k", "attn_v", "attn_output", "attn_norm",
                    "ffn_gate", "ffn_down", "ffn_up", "ffn_norm"}) {
                names.add("blk." + i + "." + kind + ".weight");
            }
        }
        return names;
    }
}
