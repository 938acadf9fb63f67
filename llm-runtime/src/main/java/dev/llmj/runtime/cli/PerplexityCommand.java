package dev.llmj.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmj.rope.RopeScheme;
import dev.llmj.runtime.eval.TokenStream;
import dev.llmj.runtime.eval.WindowMetrics;
import dev.llmj.runtime.eval.WindowScorer;
import dev.llmj.runtime.model.Model;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm perplexity}: mean next-token NLL and perplexity over non-overlapping windows. */
@Command(name = "perplexity", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Mean next-token loss (nats) and perplexity over the non-overlapping windows of --ctx tokens "
                + "from the start of the stream. No BOS is added; each window is a fresh sequence and a trailing "
                + "partial window is dropped. Progress on stderr."})
final class PerplexityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    TokenInputOptions input;

    @Mixin
    CacheTypeOption cacheType;

    @Option(names = "--ctx", required = true, paramLabel = "N", description = "window length in tokens (≥ 2)")
    int ctx;

    @Option(names = "--max-windows", paramLabel = "K", description = "score at most K windows (default: all)")
    Integer maxWindows;

    @Option(names = "--per-position", description = "also give the mean loss at each position of the window")
    boolean perPosition;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        input.check(cmd);
        if (ctx < 2) {
            throw new CommandLine.ParameterException(cmd, "--ctx must be ≥ 2 (a window needs one token to predict from), got " + ctx);
        }
        if (maxWindows != null && maxWindows < 1) {
            throw new CommandLine.ParameterException(cmd, "--max-windows must be ≥ 1, got " + maxWindows);
        }
        try (Model model = modelOptions.load()) {
            RopeScheme scheme = modelOptions.scheme(model);
            TokenStream stream = input.read(model);
            int available = stream.size() / ctx;
            if (available == 0) {
                throw new IllegalArgumentException(stream.source() + " has " + stream.size()
                        + " tokens, fewer than one window of --ctx " + ctx);
            }
            int windows = maxWindows == null ? available : Math.min(available, maxWindows);
            WindowMetrics metrics = new WindowMetrics(ctx, model.config().ropeTrainingLength());
            ProgressLine progress = new ProgressLine(cmd.getErr());
            try (WindowScorer scorer = new WindowScorer(model, scheme, ctx, model.config().ropeTrainingLength(),
                    cacheType.kvType())) {
                for (int w = 0; w < windows; w++) {
                    metrics.add(scorer.score(stream.ids(), w * ctx));
                    double rate = (double) (w + 1) * ctx / progress.elapsedSeconds();
                    String line = String.format(Locale.ROOT, "perplexity %s windows %d/%d, %.0f tokens/s, ETA %s",
                            ProgressLine.bar((w + 1.0) / windows), w + 1, windows, rate,
                            ProgressLine.duration((windows - w - 1.0) * ctx / rate));
                    if (w + 1 == windows) {
                        progress.finish(line);
                    } else {
                        progress.update(line);
                    }
                }
            }
            int scored = windows * ctx;
            PrintWriter out = cmd.getOut();
            if (json) {
                out.println(toJson(model, stream, scheme, windows, scored, metrics, progress.elapsedSeconds()));
            } else {
                printText(out, stream, scheme, windows, available, scored, metrics);
            }
            out.flush();
        }
        return 0;
    }

    private void printText(PrintWriter out, TokenStream stream, RopeScheme scheme, int windows, int available, int scored,
                           WindowMetrics m) {
        out.printf(Locale.ROOT, "%d window%s of %d tokens from %s (scheme %s, no BOS): %d of %d tokens scored, %d predicted%n",
                windows, windows == 1 ? "" : "s", ctx, stream.source(), scheme, scored, stream.size(),
                (long) windows * (ctx - 1));
        int partial = stream.size() - available * ctx;
        if (partial > 0) {
            out.printf("dropped the trailing partial window of %d tokens%n", partial);
        }
        if (windows < available) {
            out.printf("stopped after --max-windows %d of %d windows%n", windows, available);
        }
        out.printf(Locale.ROOT, "mean NLL %.4f nats/token, perplexity %.3f, accuracy %.2f%%%n",
                m.loss(), m.perplexity(), 100 * m.accuracy());
        if (perPosition) {
            out.println("position  mean_nll   (predicting token position+1; mean over windows)");
            double[] p = m.perPosition();
            for (int t = 0; t < p.length; t++) {
                out.printf(Locale.ROOT, "%8d  %.4f%n", t, p[t]);
            }
        }
    }

    private ObjectNode toJson(Model model, TokenStream stream, RopeScheme scheme, int windows, int scored, WindowMetrics m,
                              double seconds) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model", model.source().toString());
        o.put("input", stream.source());
        o.put("rope", scheme.toString());
        o.put("cache_type", cacheType.kvType().toString());
        o.put("ctx", ctx);
        o.put("windows", windows);
        o.put("tokens_total", stream.size());
        o.put("tokens_scored", scored);
        o.put("tokens_dropped", stream.size() - scored);
        o.put("predicted_tokens", (long) windows * (ctx - 1));
        o.put("mean_nll", m.loss());
        o.put("perplexity", m.perplexity());
        o.put("accuracy", m.accuracy());
        o.put("seconds", seconds);
        o.put("tokens_per_second", scored / seconds);
        if (perPosition) {
            ArrayNode a = o.putArray("per_position_nll");
            for (double v : m.perPosition()) {
                a.add(v);
            }
        }
        return o;
    }
}
