package dev.llmj.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmj.runtime.generate.GenerationOptions;
import dev.llmj.runtime.generate.GenerationResult;
import dev.llmj.runtime.generate.Generator;
import dev.llmj.runtime.generate.TokenListener;
import dev.llmj.runtime.model.Model;
import dev.llmj.runtime.model.Session;
import dev.llmj.runtime.sampling.SamplerConfig;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llm generate}: text generation on the CPU. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a prompt (streams to stdout; statistics on stderr).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    CacheTypeOption cacheType;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-p", "--prompt"}, required = true, description = "the prompt text")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "tokens the penalty looks back (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--seed", description = "sampling seed (default: random; printed on stderr)")
    Long seed;

    @Option(names = "--ctx", description = "context length in tokens (default: the model's training length)")
    Integer ctx;

    @Option(names = "--stop", description = "stop when the output contains this text (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--ignore-eos", description = "keep generating after the end-of-sequence token")
    boolean ignoreEos;

    @Option(names = "--no-bos", description = "do not start the prompt with the BOS token")
    boolean noBos;

    @Option(names = "--json", description = "print one JSON object: prompt ids, generated ids, text, timings")
    boolean json;

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
        SamplerConfig sampler = new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
        GenerationOptions options = new GenerationOptions(maxTokens, sampler, stop, !ignoreEos);
        PrintStream out = System.out; // UTF-8: bin/llm sets stdout.encoding
        try (Model model = modelOptions.load()) {
            int context = ctx != null ? ctx : model.config().contextLength();
            int[] promptIds = model.tokenizer().encode(prompt, !noBos);
            if ((long) promptIds.length + maxTokens - 1 > context) {
                throw new IllegalArgumentException("the prompt (" + promptIds.length + " tokens) and --max-tokens "
                        + maxTokens + " do not fit in a context of " + context + " tokens; raise --ctx or lower --max-tokens");
            }
            try (Session session = model.newSession(context, modelOptions.scheme(model), cacheType.kvType())) {
                if (!json) {
                    out.print(prompt);
                    out.flush();
                }
                TokenListener listener = json ? TokenListener.NONE : (id, text) -> {
                    out.print(text);
                    out.flush();
                };
                GenerationResult r = Generator.generate(session, promptIds, options, listener);
                if (json) {
                    out.println(toJson(r, s, session));
                } else {
                    out.println();
                }
                System.err.printf("llm generate: seed %d; prompt %d tokens at %.1f tok/s; generated %d tokens at %.1f tok/s"
                                + " (%s, %s, %d threads, rope %s, %s cache)%n",
                        s, promptIds.length, r.promptTokensPerSecond(), r.generatedIds().length,
                        r.generatedTokensPerSecond(), r.stopReason().name().toLowerCase(), model.kernels().name(),
                        model.kernels().executor().threads(), session.scheme(), session.kvType());
            }
        }
        return 0;
    }

    private static String toJson(GenerationResult r, long seed, Session session) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.putPOJO("prompt_ids", r.promptIds());
        o.putPOJO("generated_ids", r.generatedIds());
        o.put("text", r.text());
        o.put("stop_reason", r.stopReason().name().toLowerCase());
        o.put("seed", seed);
        o.put("rope", session.scheme().toString());
        o.put("cache_type", session.kvType().toString());
        o.put("prompt_tokens_per_second", r.promptTokensPerSecond());
        o.put("generated_tokens_per_second", r.generatedTokensPerSecond());
        return mapper.writeValueAsString(o);
    }
}
