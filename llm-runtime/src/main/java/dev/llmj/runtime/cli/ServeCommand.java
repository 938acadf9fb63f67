package dev.llmj.runtime.cli;

import dev.llmj.runtime.model.Model;
import dev.llmj.runtime.server.LlmServer;
import dev.llmj.runtime.server.ServerOptions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llm serve}: an OpenAI-compatible HTTP server for one model, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve the model over HTTP with OpenAI-compatible endpoints: POST /v1/completions, "
                + "POST /v1/chat/completions (stream: true for server-sent events), GET /v1/models, GET /health.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to bind (default: ${DEFAULT-VALUE}, loopback only)")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port, 0 = any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--max-sessions", defaultValue = "4",
            description = "generations at once, each with its own KV cache (default: ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--max-queue", defaultValue = "32",
            description = "requests that may wait for a session; more get HTTP 503 (default: ${DEFAULT-VALUE})")
    int maxQueue;

    @Option(names = "--queue-timeout", defaultValue = "120",
            description = "seconds a request waits for a session before HTTP 503 (default: ${DEFAULT-VALUE})")
    int queueTimeout;

    @Mixin
    CacheTypeOption cacheType;

    @Option(names = "--ctx", description = "context length per session in tokens (default: the model's training length)")
    Integer ctx;

    @Option(names = "--default-max-tokens", defaultValue = "128",
            description = "completion length when a request has no max_tokens (default: ${DEFAULT-VALUE})")
    int defaultMaxTokens;

    @Override
    public Integer call() throws Exception {
        if (queueTimeout < 0) {
            throw new IllegalArgumentException("--queue-timeout must be ≥ 0 seconds, got " + queueTimeout);
        }
        ServerOptions options;
        try {
            options = new ServerOptions(host, port, maxSessions, maxQueue, Duration.ofSeconds(queueTimeout), ctx, null,
                    defaultMaxTokens, cacheType.kvType());
        } catch (IllegalArgumentException e) { // name the flag, not the record field
            throw new IllegalArgumentException(e.getMessage().replace("max sessions", "--max-sessions")
                    .replace("max queued", "--max-queue").replace("context length", "--ctx")
                    .replace("default max tokens", "--default-max-tokens").replace("port", "--port"), e);
        }
        Model model = modelOptions.load();
        LlmServer server;
        try {
            options = options.withContext(ctx, modelOptions.scheme(model));
            server = LlmServer.start(model, options);
        } catch (Exception e) {
            model.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("llm serve: stopping");
            server.stop();
            model.close();
            stopped.countDown();
        }, "llm-serve-shutdown"));
        System.err.printf("llm serve: %s on http://%s:%d (context %d, %d sessions, %d queued, chat template %s, %s, %d threads)%n",
                server.modelId(), host, server.port(), server.contextLength(), maxSessions, maxQueue,
                server.chatTemplate().style().name().toLowerCase(), model.kernels().name(),
                model.kernels().executor().threads());
        stopped.await();
        return 0;
    }
}
