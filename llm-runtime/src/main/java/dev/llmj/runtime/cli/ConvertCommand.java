package dev.llmj.runtime.cli;

import dev.llmj.runtime.convert.ConvertProgress;
import dev.llmj.runtime.convert.GgufTypeConverter;
import dev.llmj.runtime.convert.Llama2cToGguf;
import dev.llmj.runtime.convert.TargetType;
import dev.llmj.tensor.gguf.GgufFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code llm convert}: a llama2.c checkpoint (+ tokenizer.bin) or a GGUF file into a GGUF file of
 * the requested weight type. The input format is recognised by its magic.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a llama2.c checkpoint (with its tokenizer.bin) or a GGUF file into a GGUF file.",
                "Matrices get --type, with llama-quantize's exceptions (the classifier in Q6_K for q4_0 and the",
                "K-quants; q4_k_m's Q6_K layers) unless --pure; 1-D tensors (norms) stay F32."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
            description = "llama2.c checkpoint (model.bin) or GGUF file")
    Path input;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "llama2.c tokenizer.bin (default: tokenizer.bin beside the checkpoint; llama2.c input only)")
    Path tokenizer;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "GGUF file to write")
    Path output;

    @Option(names = {"-t", "--type"}, paramLabel = "TYPE", defaultValue = "f32", converter = TypeConverter.class,
            description = "weight type: f32, f16, bf16, q8_0, q4_0, q4_k_m, q6_k (default: ${DEFAULT-VALUE})")
    TargetType type;

    @Option(names = "--pure", description = "every matrix in --type (no Q6_K classifier or Q4_K_M layers)")
    boolean pure;

    /** Turns a bad --type into picocli's usage error (exit 2) with the list of valid types. */
    static final class TypeConverter implements CommandLine.ITypeConverter<TargetType> {
        @Override
        public TargetType convert(String value) {
            try {
                return TargetType.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new NoSuchFileException(input.toString());
        }
        Path outDir = output.toAbsolutePath().getParent();
        if (outDir == null || !Files.isDirectory(outDir)) {
            throw new IllegalArgumentException("output directory does not exist: " + outDir);
        }
        if (Files.isDirectory(output)) {
            throw new IllegalArgumentException("--output " + output + " is a directory; give a file name");
        }
        if (Files.exists(output) && Files.isSameFile(input, output)) {
            throw new IllegalArgumentException("--output is the input file " + input + "; choose another name");
        }
        PrintWriter err = spec.commandLine().getErr();
        ConvertProgress progress = progressPrinter(err);
        if (GgufFile.isGguf(input)) {
            if (tokenizer != null) {
                throw new IllegalArgumentException("--tokenizer applies to llama2.c checkpoints; " + input
                        + " is a GGUF file, which carries its own vocabulary");
            }
            GgufTypeConverter.convert(input, output, type, pure, progress);
        } else {
            checkLlama2c();
            Path tok = tokenizer != null ? tokenizer : input.toAbsolutePath().resolveSibling("tokenizer.bin");
            if (!Files.isRegularFile(tok)) {
                throw new IllegalArgumentException("tokenizer not found: " + tok
                        + (tokenizer == null ? " (a llama2.c checkpoint needs its tokenizer.bin; pass --tokenizer FILE)" : ""));
            }
            Llama2cToGguf.convert(input, tok, output, type, pure, progress);
        }
        err.println("wrote " + output + " (" + Files.size(output) + " bytes, " + type.cliName() + ")");
        err.flush();
        return 0;
    }

    /** Validates the checkpoint first, so a non-model file is named as such before the tokenizer is looked for. */
    private void checkLlama2c() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            InspectCommand.openLlama2c(input, arena);
        }
    }

    private static int digits(int n) {
        return Integer.toString(n).length();
    }

    /** One line per tensor on stderr: index, name, shape, dtype change. */
    static ConvertProgress progressPrinter(PrintWriter err) {
        return (i, n, name, shape, source, target) -> {
            err.printf("[%" + digits(n) + "d/%d] %-28s %-14s %s%s%n", i + 1, n, name,
                    InspectCommand.shape(shape), source, source == target ? "" : " -> " + target);
            err.flush();
        };
    }
}
