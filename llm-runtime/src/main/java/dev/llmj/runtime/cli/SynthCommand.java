package dev.llmj.runtime.cli;

import dev.llmj.runtime.convert.SyntheticModel;
import dev.llmj.runtime.convert.TargetType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm synth}: a Llama GGUF with random weights of a realistic shape, for benchmarks. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a llama-architecture GGUF with random weights (σ = 0.02) for benchmarks.")
final class SynthCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shape", required = true, description = "llama-tiny, llama-110m or llama-1b")
    String shape;

    @Option(names = "--dtype", defaultValue = "f32",
            description = "f32, f16, bf16, q8_0, q4_0, q4_k_m or q6_k (default: ${DEFAULT-VALUE}); the classifier and "
                    + "some layers get llama-quantize's types unless --pure")
    String dtype;

    @Option(names = "--pure", description = "every matrix in --dtype (llama-quantize --pure)")
    boolean pure;

    @Option(names = "--out", required = true, paramLabel = "FILE.gguf", description = "output file")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "weight seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--vocab", paramLabel = "FILE.gguf",
            description = "copy tokenizer.* from this GGUF (default: ../shared/vocab/ggml-vocab-llama-spm.gguf when present, "
                    + "else a byte-fallback vocabulary)")
    Path vocab;

    @Override
    public Integer call() throws Exception {
        SyntheticModel.Shape s = SyntheticModel.shape(shape);
        TargetType type = TargetType.parse(dtype);
        Path vocabFile = vocab;
        if (vocabFile == null) {
            Path shared = ModelOptions.projectRoot().resolve("../shared/vocab/ggml-vocab-llama-spm.gguf").normalize();
            vocabFile = Files.isRegularFile(shared) ? shared : null;
        } else if (!Files.isRegularFile(vocabFile)) {
            throw new java.nio.file.NoSuchFileException(vocabFile.toString());
        }
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output directory does not exist: " + dir);
        }
        var err = spec.commandLine().getErr();
        err.printf("llm synth: %s, %,d parameters, %s%s weights, vocabulary %s%n", s.name(), s.parameters(), type.cliName(),
                pure ? " (pure)" : "",
                vocabFile == null ? "byte-fallback (synthetic)" : vocabFile);
        SyntheticModel.write(s, type, pure, seed, vocabFile, out, ConvertCommand.progressPrinter(err));
        err.printf("llm synth: wrote %s (%,d bytes)%n", out, Files.size(out));
        return 0;
    }
}
