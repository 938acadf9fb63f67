package dev.llmj.runtime.model;

import dev.llmj.kernels.Kernels;
import dev.llmj.rope.RopeScheme;
import dev.llmj.rope.attention.KvType;
import dev.llmj.runtime.tokenizer.Tokenizer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A loaded model: weights mapped read-only from the file (never copied to the Java heap), its
 * config and tokenizer. Thread-safe and shared by any number of {@link Session}s, each of which
 * owns its own KV cache.
 *
 * <p>The model owns the arena its file is mapped in; {@link #close()} unmaps it, after which its
 * sessions fail with {@link IllegalStateException} instead of reading freed memory.
 */
public final class Model implements AutoCloseable {
    private final Path source;
    private final Arena arena;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Tokenizer tokenizer;
    private final Kernels kernels;
    private final Projections projections;

    private Model(Path source, Arena arena, ModelLoader.Loaded loaded, Kernels kernels, boolean interleave) {
        this.source = source;
        this.arena = arena;
        this.config = loaded.config();
        this.weights = loaded.weights();
        this.tokenizer = loaded.tokenizer();
        this.kernels = kernels;
        this.projections = Projections.of(weights, kernels, arena, interleave);
    }

    /** Loads a GGUF file, or a llama2.c checkpoint with {@code tokenizer.bin} beside it. */
    public static Model load(Path file) throws IOException {
        return load(file, null, Kernels.get());
    }

    /**
     * @param tokenizerFile llama2.c tokenizer (null: {@code tokenizer.bin} beside the checkpoint; ignored for GGUF)
     * @param kernels       the kernels (and executor) the forward pass runs on
     */
    public static Model load(Path file, Path tokenizerFile, Kernels kernels) throws IOException {
        return load(file, tokenizerFile, kernels, Projections.interleaveByDefault());
    }

    /**
     * {@link #load(Path, Path, Kernels)}, choosing whether Q4_0, Q8_0, Q4_K and Q6_K matrices run on
     * interleaved copies (decoding with Q8_0 activations, prefill's GEMM with F32 ones; see
     * {@link Projections}); the public loaders follow {@code -Dllmj.interleaved} (default true).
     */
    static Model load(Path file, Path tokenizerFile, Kernels kernels, boolean interleave) throws IOException {
        Objects.requireNonNull(kernels, "kernels");
        Arena arena = Arena.ofShared();
        try {
            return new Model(file, arena, ModelLoader.load(file, tokenizerFile, arena), kernels, interleave);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path source() {
        return source;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Kernels kernels() {
        return kernels;
    }

    /**
     * How many weight matrices run on interleaved copies (Q4_0, Q8_0, Q4_K and Q6_K, unless
     * {@code -Dllmj.interleaved=false}): decoding's 16-bit kernels and prefill's GEMM read the
     * copies; the others run the float kernels on the file's layout.
     */
    public int interleavedMatrices() {
        return projections.interleavedCount();
    }

    /**
     * Bytes of the mapped file's pages handed back to the OS at load because nothing reads them
     * once their matrices are copied (see {@link #interleavedMatrices}); 0 when nothing was copied
     * or the weights are not a mapped file.
     */
    public long releasedSourceBytes() {
        return projections.releasedBytes();
    }

    /** The projections (interleaved Q4_0/Q8_0/Q4_K/Q6_K copies), owned with the weights. */
    Projections projections() {
        return projections;
    }

    /** A new session with the file's own rope scheme and a context of {@code contextLength} tokens. */
    public Session newSession(int contextLength) {
        return newSession(contextLength, config.ropeScheme());
    }

    /** A new session applying {@code scheme} with a context of {@code contextLength} tokens. */
    public Session newSession(int contextLength, RopeScheme scheme) {
        return newSession(contextLength, scheme, KvType.F32);
    }

    /** A new session applying {@code scheme}, with a KV cache of {@code kvType} elements. */
    public Session newSession(int contextLength, RopeScheme scheme, KvType kvType) {
        return new Session(this, contextLength, scheme, config.ropeTrainingLength(), kvType);
    }

    /**
     * A new session applying {@code scheme} as if the model had been trained at
     * {@code ropeTrainingLength} tokens: the L of the scheme's formulas (default factor n/L,
     * dynamic NTK's base, YaRN's ramp, Llama 3's wavelengths, the +logn scale).
     */
    public Session newSession(int contextLength, RopeScheme scheme, int ropeTrainingLength) {
        return newSession(contextLength, scheme, ropeTrainingLength, KvType.F32);
    }

    /** As above, with a KV cache of {@code kvType} elements. */
    public Session newSession(int contextLength, RopeScheme scheme, int ropeTrainingLength, KvType kvType) {
        return new Session(this, contextLength, scheme, ropeTrainingLength, kvType);
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "Model[" + source.getFileName() + ", " + config.architecture() + " " + config.nLayers() + " layers, dim "
                + config.dim() + ", vocab " + config.vocabSize() + ", " + weights.layers().get(0).wq().dtype() + "]";
    }
}
