package dev.llmj.runtime.cli;

import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.llama2c.Llama2cCheckpoint;
import dev.llmj.tensor.llama2c.Llama2cConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code llm inspect FILE}: metadata and tensor table of a GGUF file or llama2.c checkpoint. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a GGUF file's or llama2.c checkpoint's metadata and tensor table.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "GGUF file or llama2.c checkpoint")
    Path file;

    @Override
    public Integer call() throws IOException {
        PrintStream out = System.out;
        try (Arena arena = Arena.ofConfined()) {
            if (GgufFile.isGguf(file)) {
                GgufInspector.print(file, arena, out);
            } else {
                printLlama2c(openLlama2c(file, arena), out);
            }
        }
        return 0;
    }

    /** Files without the GGUF magic are read as llama2.c checkpoints; say so when that fails too. */
    static Llama2cCheckpoint openLlama2c(Path file, Arena arena) throws IOException {
        try {
            return Llama2cCheckpoint.open(file, arena);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(null, e.field(), e.byteOffset(),
                    "not a GGUF file (no GGUF magic) and not a valid llama2.c checkpoint: " + e.getMessage());
        }
    }

    private static void printLlama2c(Llama2cCheckpoint ck, PrintStream out) {
        Llama2cConfig c = ck.config();
        out.println("file: " + ck.path());
        out.println("format: llama2.c checkpoint, " + (ck.version() == 0 ? "legacy layout" : "version " + ck.version()));
        out.println("metadata:");
        out.printf("  %-20s %d%n", "dim", c.dim());
        out.printf("  %-20s %d%n", "hidden_dim", c.hiddenDim());
        out.printf("  %-20s %d%n", "n_layers", c.nLayers());
        out.printf("  %-20s %d%n", "n_heads", c.nHeads());
        out.printf("  %-20s %d%n", "n_kv_heads", c.nKvHeads());
        out.printf("  %-20s %d%n", "head_dim", c.headDim());
        out.printf("  %-20s %d%n", "vocab_size", c.vocabSize());
        out.printf("  %-20s %d%n", "seq_len", c.seqLen());
        out.printf("  %-20s %s%n", "shared_classifier", c.sharedClassifier());
        TensorTable table = new TensorTable();
        for (var e : ck.tensors().entrySet()) {
            Tensor t = e.getValue();
            table.add(e.getKey(), t.dtype().name(), t.shape(), t.byteOffset(), t.byteSize());
        }
        table.print(out);
    }

    /** Shapes print row-major (outermost first), as {@link Tensor} uses them. */
    static String shape(long[] shape) {
        return String.join(" x ", Arrays.stream(shape).mapToObj(Long::toString).toList());
    }
}
