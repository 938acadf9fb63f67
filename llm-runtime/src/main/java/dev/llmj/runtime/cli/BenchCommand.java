package dev.llmj.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmj.runtime.model.BatchDecoder;
import dev.llmj.runtime.model.Model;
import dev.llmj.runtime.model.Session;
import dev.llmj.runtime.sampling.Sampler;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm bench}: prefill and decode throughput, measured as llama-bench does: prefill = one
 * batch of {@code --prompt-tokens} random tokens in a fresh context; decode = {@code --gen-tokens}
 * tokens evaluated one at a time from an empty context. With {@code --depth D} (llama-bench's
 * {@code -d}) both start after D random tokens already in the context, evaluated untimed: decode
 * at depth is what long-context generation costs, where attention reads D cached positions per
 * token. Medians over repeats, after warm-up runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure prefill and decode tokens/s (JSON on stdout, progress on stderr).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CacheTypeOption cacheType;

    @Option(names = "--depth", defaultValue = "0", paramLabel = "D",
            description = "tokens already in the context when prefill and decode are timed (default: ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "prefill batch (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "64", description = "decode steps (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = "--repeats", defaultValue = "3", description = "measured runs; the median is reported (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "auto", paramLabel = "N|auto",
            description = "unmeasured runs first, for the JIT: N, or auto = until a run in which the JIT compiled "
                    + "for at most 2 %% of the run's time (1 to " + JitWarmup.MAX_RUNS + " runs; default: ${DEFAULT-VALUE})")
    String warmup;

    @Option(names = "--batch", defaultValue = "0", paramLabel = "B",
            description = "also decode B sequences at once (batched, one pass over the weights per step) and report "
                    + "the aggregate tokens/s, next to the same batched path at B = 1 (default: off)")
    int batch;

    @Option(names = "--json", description = "accepted for symmetry; the output is always JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (promptTokens < 1 || genTokens < 1 || repeats < 1 || batch < 0 || depth < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prompt-tokens, --gen-tokens and --repeats must be ≥ 1, --batch and --depth ≥ 0");
        }
        JitWarmup warm;
        try {
            warm = JitWarmup.parse(warmup);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        LiveHeap liveHeap = LiveHeap.track();
        long loadStart = System.nanoTime();
        try (Model model = modelOptions.load()) {
            // mapping, validation and the interleaved copies (the JIT is cold: a first load in the process)
            double loadMs = (System.nanoTime() - loadStart) / 1e6;
            int vocab = model.config().vocabSize();
            int ctx = depth + Math.max(promptTokens, genTokens);
            int[] prompt = new SplittableRandom(42).ints(promptTokens, 3, vocab).toArray();
            int[] context = new SplittableRandom(7).ints(depth, 3, vocab).toArray();
            double[] prefill = new double[repeats];
            double[] decode = new double[repeats];
            int warmRuns = warm.run(() -> run(model, ctx, context, prompt), "");
            long kvBytes = 0;
            for (int i = 0; i < repeats; i++) {
                System.err.printf("llm bench: measured run %d/%d%n", i + 1, repeats);
                Run r = run(model, ctx, context, prompt);
                prefill[i] = r.prefill();
                decode[i] = r.decode();
                kvBytes = r.kvBytes();
            }
            double[] batch1 = new double[repeats];
            double[] batchB = new double[repeats];
            int batchWarmRuns = 0;
            if (batch > 0) {
                batchWarmRuns = warm.run(() -> {
                    batchedDecode(model, 1, prompt);
                    batchedDecode(model, batch, prompt);
                }, "batched decode, ");
                for (int i = 0; i < repeats; i++) {
                    System.err.printf("llm bench: batched decode, measured run %d/%d%n", i + 1, repeats);
                    batch1[i] = batchedDecode(model, 1, prompt);
                    batchB[i] = batchedDecode(model, batch, prompt);
                }
            }
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("model", model.source().toString());
            o.put("weights_dtype", model.weights().layers().get(0).wq().dtype().name());
            o.put("kernels", model.kernels().name());
            o.put("interleaved_matrices", model.interleavedMatrices());
            o.put("load_ms", loadMs);
            o.put("released_source_mib", model.releasedSourceBytes() / (1024.0 * 1024.0));
            o.put("threads", model.kernels().executor().threads());
            o.put("cache_type", cacheType.kvType().toString());
            o.put("kv_cache_mib", kvBytes / (1024.0 * 1024.0));
            o.put("depth", depth);
            o.put("prompt_tokens", promptTokens);
            o.put("gen_tokens", genTokens);
            o.put("repeats", repeats);
            o.put("warmup_runs", warmRuns);
            o.put("prefill_tokens_per_second", Median.of(prefill));
            o.put("decode_tokens_per_second", Median.of(decode));
            ArrayNode pr = o.putArray("prefill_runs");
            Arrays.stream(prefill).forEach(pr::add);
            ArrayNode dr = o.putArray("decode_runs");
            Arrays.stream(decode).forEach(dr::add);
            if (batch > 0) {
                o.put("batch", batch);
                o.put("batch1_decode_tokens_per_second", Median.of(batch1));
                o.put("batch_decode_tokens_per_second", Median.of(batchB));
                o.put("batch_speedup", Median.of(batchB) / Median.of(batch1));
                o.put("batch_warmup_runs", batchWarmRuns);
            }
            o.put("peak_rss_mib", peakRssMiB());
            o.put("peak_heap_mib", peakHeapMiB());
            o.put("peak_live_heap_mib", liveHeap.peakMiB());
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        }
        return 0;
    }

    /** One run's prefill and decode tokens/s, and its session's KV cache bytes. */
    private record Run(double prefill, double decode, long kvBytes) {}

    /**
     * One run in a fresh session: prefill tokens/s of {@code prompt} (after {@code context},
     * untimed), then decode tokens/s of {@code genTokens} greedy steps from the context alone.
     */
    private Run run(Model model, int ctx, int[] context, int[] prompt) {
        try (Session s = model.newSession(ctx, modelOptions.scheme(model), cacheType.kvType())) {
            if (depth > 0) {
                s.append(context);
            }
            long t0 = System.nanoTime();
            s.append(prompt);
            double p = promptTokens / ((System.nanoTime() - t0) / 1e9);
            s.rewind(depth);
            int token = model.tokenizer().bos() >= 0 ? model.tokenizer().bos() : prompt[0];
            long t1 = System.nanoTime();
            for (int i = 0; i < genTokens; i++) {
                float[] logits = s.append(token);
                token = Sampler.argmax(logits);
            }
            return new Run(p, genTokens / ((System.nanoTime() - t1) / 1e9), s.kvCacheBytes());
        }
    }

    /**
     * Aggregate decode tokens/s of {@code b} sequences generated together from an empty context
     * ({@code genTokens} steps, greedy), each starting from a different prompt token, through
     * {@link BatchDecoder}: every step streams the weights once for all b sequences.
     */
    private double batchedDecode(Model model, int b, int[] prompt) {
        List<Session> sessions = new ArrayList<>();
        try (BatchDecoder decoder = new BatchDecoder(model, b)) {
            for (int i = 0; i < b; i++) {
                sessions.add(model.newSession(genTokens, modelOptions.scheme(model), cacheType.kvType()));
            }
            int[] ids = new int[b];
            for (int i = 0; i < b; i++) {
                ids[i] = prompt[i % prompt.length];
            }
            long t0 = System.nanoTime();
            for (int step = 0; step < genTokens; step++) {
                float[][] logits = decoder.step(sessions, ids);
                for (int i = 0; i < b; i++) {
                    ids[i] = Sampler.argmax(logits[i]);
                }
            }
            return (double) b * genTokens / ((System.nanoTime() - t0) / 1e9);
        } finally {
            sessions.forEach(Session::close);
        }
    }

    /** Peak resident set size (VmHWM) from /proc; −1 where there is no /proc. */
    static double peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (Exception e) {
            // not Linux: fall through
        }
        return -1;
    }

    /** Sum of the heap pools' peak usage since start. */
    static double peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / (1024.0 * 1024.0);
    }
}
