package dev.llmj.runtime.cli;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.rope.RopeScheme;
import dev.llmj.runtime.model.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by every command that runs a model. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "FILE",
            description = "GGUF file or llama2.c checkpoint (default: the embedded ${DEFAULT-VALUE})",
            defaultValue = "models/tinyshakespeare-f32.gguf")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "llama2.c tokenizer.bin (default: beside a llama2.c checkpoint)")
    Path tokenizer;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--rope", paramLabel = "SCHEME",
            description = "rotary scheme, e.g. rope, linear:factor=2, ntk, dynamic-ntk, yarn:factor=4, rerope:w=128, "
                    + "leaky-rerope:w=128,k=8, local:w=256, with +logn to add log-n scaling (default: the model's)")
    String rope;

    /** The embedded default resolves against the project root when not found where given. */
    Path modelPath() throws IOException {
        if (Files.exists(model) || model.isAbsolute()) {
            if (!Files.exists(model)) {
                throw new NoSuchFileException(model.toString());
            }
            return model;
        }
        Path fromRoot = projectRoot().resolve(model);
        if (!Files.exists(fromRoot)) {
            throw new NoSuchFileException(model.toString());
        }
        return fromRoot;
    }

    static Path projectRoot() {
        String root = System.getProperty("llmj.root");
        if (root != null) {
            return Path.of(root);
        }
        try { // <root>/llm-runtime/target/llm.jar
            Path jar = Path.of(ModelOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path up = jar.toAbsolutePath().getParent().getParent().getParent();
            // a jar copied elsewhere (/tmp/llm.jar) has no such root: the working directory stands in
            return up != null ? up : Path.of(".");
        } catch (Exception e) {
            return Path.of(".");
        }
    }

    Kernels kernels() {
        if (threads == null) {
            return Kernels.get();
        }
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("--threads must be between 1 and 1024, got " + threads);
        }
        return Kernels.get().withExecutor(KernelExecutor.withThreads(threads));
    }

    Model load() throws IOException {
        return Model.load(modelPath(), tokenizer, kernels());
    }

    /** The scheme to apply: --rope when given, else the model's own. */
    RopeScheme scheme(Model m) {
        return rope == null ? m.config().ropeScheme() : RopeScheme.parse(rope);
    }
}
