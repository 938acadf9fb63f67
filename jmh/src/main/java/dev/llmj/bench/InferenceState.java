package dev.llmj.bench;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.runtime.convert.ConvertProgress;
import dev.llmj.runtime.convert.SyntheticModel;
import dev.llmj.runtime.convert.TargetType;
import dev.llmj.runtime.model.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The model the inference benchmarks run: {@code -Dllmj.bench.model=FILE.gguf} when given, else a
 * synthetic {@code llama-110m} (random weights, seeded) of the benchmark's dtype written to a temp
 * directory that {@link #close()} deletes.
 */
final class InferenceState implements AutoCloseable {
    final Model model;
    final KernelExecutor executor;
    private final Path tempDir;

    private InferenceState(Model model, KernelExecutor executor, Path tempDir) {
        this.model = model;
        this.executor = executor;
        this.tempDir = tempDir;
    }

    static InferenceState open(String dtype, int threads) {
        try {
            String given = System.getProperty("llmj.bench.model");
            Path tempDir = null;
            Path file;
            if (given != null && !given.isBlank()) {
                file = Path.of(given);
            } else {
                tempDir = Files.createTempDirectory("llmj-bench-");
                file = tempDir.resolve("llama-110m-" + dtype.toLowerCase() + ".gguf");
                SyntheticModel.write(SyntheticModel.shape("llama-110m"), TargetType.valueOf(dtype), 42, null, file,
                        ConvertProgress.NONE);
            }
            KernelExecutor ex = KernelExecutor.withThreads(threads);
            Model m = Model.load(file, null, Kernels.get().withExecutor(ex));
            return new InferenceState(m, ex, tempDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        model.close();
        executor.close();
        if (tempDir != null) {
            try (Stream<Path> files = Files.walk(tempDir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
