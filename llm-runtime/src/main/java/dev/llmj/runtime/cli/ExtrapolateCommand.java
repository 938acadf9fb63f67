package dev.llmj.runtime.cli;

import dev.llmj.rope.RopeScheme;
import dev.llmj.runtime.eval.Extrapolation;
import dev.llmj.runtime.eval.LossPlot;
import dev.llmj.runtime.eval.ResultsTables;
import dev.llmj.runtime.eval.SchemeList;
import dev.llmj.runtime.eval.TokenStream;
import dev.llmj.runtime.model.Model;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm extrapolate}: the long-context extrapolation lab. */
@Command(name = "extrapolate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Scores every rope scheme at every length on the same first S tokens of the stream: for "
                + "length n, the S/n non-overlapping windows of n tokens from the start (no BOS added), each a fresh "
                + "sequence. A scheme's factor defaults to n/L. Writes DIR/results.csv, DIR/results.md and DIR/loss.svg."})
final class ExtrapolateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    TokenInputOptions input;

    @Mixin
    CacheTypeOption cacheType;

    @Option(names = "--train-len", required = true, paramLabel = "L",
            description = "training length L: the L of every scheme formula (default factor n/L, dynamic NTK, YaRN, "
                    + "Llama 3, +logn; replaces the model's own), and loss_last covers each window's last L predictions")
    int trainLength;

    @Option(names = "--lengths", required = true, split = ",", paramLabel = "N,N,…", description = "window lengths, e.g. 256,512,1024,2048")
    List<Integer> lengths;

    @Option(names = "--schemes", required = true, paramLabel = "LIST",
            description = "comma-separated rope schemes, e.g. rope,linear,ntk,dynamic-ntk,ntk-mixed,yarn,llama3,local:w=256,"
                    + "rerope:w=128,leaky-rerope:w=128,k=8,rerope:w=128+logn (a key=value piece continues the scheme before it)")
    String schemes;

    @Option(names = "--logn", description = "also run every scheme with +logn (query scale max(1, ln(m+1)/ln L)), right after it")
    boolean logn;

    @Option(names = "--span", paramLabel = "S", description = "tokens every length is scored on (default: 4 × the longest length)")
    Integer span;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created if missing)")
    Path out;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        input.check(cmd);
        if (modelOptions.rope != null) {
            throw new CommandLine.ParameterException(cmd, "extrapolate takes its schemes from --schemes, not --rope");
        }
        if (trainLength < 1) {
            throw new CommandLine.ParameterException(cmd, "--train-len must be ≥ 1, got " + trainLength);
        }
        List<RopeScheme> list;
        try {
            list = SchemeList.parse(schemes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--schemes: " + e.getMessage());
        }
        if (logn) {
            list = SchemeList.withLognVariants(list);
        }
        int longest = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int s = span != null ? span : 4 * longest;
        try {
            Extrapolation.validate(Integer.MAX_VALUE, lengths, trainLength, s);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        try (Model model = modelOptions.load()) {
            TokenStream stream = input.read(model);
            if (stream.size() < s) {
                throw new IllegalArgumentException(stream.source() + " has " + stream.size() + " tokens, fewer than the span of "
                        + s + (span == null ? " (4 × the longest length; set --span)" : ""));
            }
            Files.createDirectories(out);
            ProgressLine progress = new ProgressLine(cmd.getErr());
            List<Extrapolation.Result> results = Extrapolation.run(model, stream.ids(), list, lengths, trainLength, s,
                    cacheType.kvType(),
                    (scheme, n, done, total, tokensDone, tokensTotal) -> {
                        double elapsed = progress.elapsedSeconds();
                        String line = String.format(Locale.ROOT, "extrapolate %s %-24s n=%-5d windows %d/%d  %.0f tok/s  ETA %s",
                                ProgressLine.bar((double) tokensDone / tokensTotal), scheme, n, done, total,
                                tokensDone / elapsed, ProgressLine.duration(elapsed * (tokensTotal - tokensDone) / tokensDone));
                        if (tokensDone == tokensTotal) {
                            progress.finish(line);
                        } else {
                            progress.update(line);
                        }
                    });
            double seconds = progress.elapsedSeconds();
            List<String> description = new ArrayList<>();
            description.add("# Long-context extrapolation: " + model.source().getFileName());
            description.add("");
            description.add(String.format(Locale.ROOT, "Model `%s`, tokens `%s`: the first S = %d tokens, no BOS; "
                    + "training length L = %d; a scheme's factor defaults to n/L. %d schemes × %d lengths in %s (%s).",
                    model.source(), stream.source(), s, trainLength, list.size(), lengths.size(),
                    ProgressLine.duration(seconds), model.kernels().name()));
            Files.writeString(out.resolve("results.csv"), ResultsTables.csv(results), StandardCharsets.UTF_8);
            Files.writeString(out.resolve("results.md"), ResultsTables.markdown(results, trainLength, description),
                    StandardCharsets.UTF_8);
            Files.writeString(out.resolve("loss.svg"), LossPlot.svg(results, trainLength,
                    "Next-token loss vs evaluation length (trained at L = " + trainLength + ")"), StandardCharsets.UTF_8);
            cmd.getOut().printf("wrote %s, %s and %s (%d results in %s)%n", out.resolve("results.csv"),
                    out.resolve("results.md"), out.resolve("loss.svg"), results.size(), ProgressLine.duration(seconds));
            cmd.getOut().flush();
        }
        return 0;
    }
}
