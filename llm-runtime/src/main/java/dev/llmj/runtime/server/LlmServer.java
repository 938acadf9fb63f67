package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmj.rope.RopeScheme;
import dev.llmj.runtime.generate.DecodeStep;
import dev.llmj.runtime.model.DecodeBatcher;
import dev.llmj.runtime.model.Model;
import dev.llmj.runtime.model.Session;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible HTTP server for one loaded model, on the JDK's {@code HttpServer}:
 * {@code POST /v1/completions}, {@code POST /v1/chat/completions} (both optionally streamed as
 * server-sent events), {@code GET /v1/models} and {@code GET /health}.
 *
 * <p>Requests share the mapped model; each generation gets its own {@link Session} (KV cache),
 * closed when the generation ends, fails or its client disconnects. {@link SessionLimiter} bounds
 * how many run and wait. Forward passes of several sessions run concurrently without a lock: the
 * kernels' executor runs a call made while its pool is busy inline on the calling thread, and the
 * kernels' scratch buffers are per thread. There is no batched multi-session decode yet, so each
 * session decodes on its own.
 *
 * <p>The server does not own the model: {@link #stop()} ends the server, the caller closes the model.
 */
public final class LlmServer implements AutoCloseable {
    /** Largest request body read; larger ones get HTTP 413. */
    static final int MAX_BODY_BYTES = 8 << 20;
    /** HTTP threads beyond sessions and queue: for health checks, listings and quick refusals. */
    private static final int SPARE_THREADS = 4;

    private final Model model;
    private final ServerOptions options;
    private final String modelId;
    private final int contextLength;
    private final RopeScheme rope;
    private final ChatTemplate chatTemplate;
    private final ObjectMapper mapper = new ObjectMapper();
    private final RequestParser parser;
    private final SessionLimiter limiter;
    /** Concurrent requests' decode steps share passes over the weights. */
    private final DecodeBatcher batcher;
    private final ThreadPoolExecutor executor;
    private final HttpServer http;
    private final long created = Instant.now().getEpochSecond();
    private final AtomicInteger activeSessions = new AtomicInteger();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong requestIds = new AtomicLong();
    private volatile boolean stopping;

    private LlmServer(Model model, ServerOptions options, ChatTemplate chatTemplate) throws IOException {
        options.kvType().checkHeadDim(model.config().headDim());   // at start, not in every request
        this.model = model;
        this.options = options;
        this.modelId = model.source().getFileName().toString();
        this.contextLength = options.contextLength() != null ? options.contextLength() : model.config().contextLength();
        this.rope = options.rope() != null ? options.rope() : model.config().ropeScheme();
        this.chatTemplate = chatTemplate;
        SecureRandom seeds = new SecureRandom();
        this.parser = new RequestParser(mapper, modelId, contextLength, model.config().vocabSize(), seeds::nextLong);
        this.limiter = new SessionLimiter(options.maxSessions(), options.maxQueued(),
                options.queueTimeout().toNanos(), TimeUnit.NANOSECONDS);
        this.batcher = new DecodeBatcher(model, options.maxSessions());
        int threads = options.maxSessions() + options.maxQueued() + SPARE_THREADS;
        AtomicInteger threadNo = new AtomicInteger();
        // Bounded both ways: a fixed number of threads and a bounded hand-off queue. When both are
        // full the JDK server closes the new connection (it catches the executor's rejection).
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(threads),
                r -> {
                    Thread t = new Thread(r, "llm-serve-" + threadNo.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        http.setExecutor(executor);
        http.createContext("/", this::route);
    }

    /** Binds and starts serving; the chat template is read from the model file when it is GGUF. */
    public static LlmServer start(Model model, ServerOptions options) throws IOException {
        String template = ChatTemplate.readFromModelFile(model.source()).orElse(null);
        return start(model, options, ChatTemplate.recognise(template));
    }

    public static LlmServer start(Model model, ServerOptions options, ChatTemplate chatTemplate) throws IOException {
        LlmServer s = new LlmServer(model, options, chatTemplate);
        s.http.start();
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The name {@code /v1/models} lists and requests may give as {@code model}: the file name. */
    public String modelId() {
        return modelId;
    }

    public int contextLength() {
        return contextLength;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** Sessions (KV caches) alive right now. */
    public int activeSessions() {
        return activeSessions.get();
    }

    /** Generations stopped early because their client disconnected, since start. */
    public long cancelledGenerations() {
        return cancelled.get();
    }

    /**
     * Stops accepting connections, ends running generations at their next token and waits (a few
     * seconds at most) for the handlers to finish. Idempotent. The model stays open.
     */
    public void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        http.stop(1);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        batcher.close();
    }

    @Override
    public void close() {
        stop();
    }

    // --- package-private state for the handlers -------------------------------------------------

    Model model() {
        return model;
    }

    DecodeStep decodeStep() {
        return batcher::step;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    RequestParser parser() {
        return parser;
    }

    SessionLimiter limiter() {
        return limiter;
    }

    int defaultMaxTokens() {
        return options.defaultMaxTokens();
    }

    boolean stopping() {
        return stopping;
    }

    String nextId(String prefix) {
        return prefix + "-" + Long.toHexString(created) + "-" + requestIds.incrementAndGet();
    }

    /** A new session counted in {@link #activeSessions()} until closed through {@link #closeSession}. */
    Session openSession() {
        Session s = model.newSession(contextLength, rope, options.kvType());
        activeSessions.incrementAndGet();
        return s;
    }

    void closeSession(Session s) {
        try {
            s.close();
        } finally {
            activeSessions.decrementAndGet();
        }
    }

    void countCancelled() {
        cancelled.incrementAndGet();
    }

    // --- routing --------------------------------------------------------------------------------

    private void route(HttpExchange ex) {
        try {
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/v1/completions", "/completions" -> post(ex, () -> new CompletionsHandler(this).handle(ex));
                case "/v1/chat/completions", "/chat/completions" -> post(ex, () -> new ChatHandler(this).handle(ex));
                case "/v1/models", "/models" -> get(ex, () -> Responses.json(ex, 200, mapper, models()));
                case "/health" -> get(ex, () -> Responses.json(ex, 200, mapper, health()));
                default -> throw new ApiError(404, "not_found_error", null, "no endpoint " + path
                        + "; try POST /v1/completions, POST /v1/chat/completions, GET /v1/models, GET /health");
            }
        } catch (ApiError e) {
            Responses.error(ex, e, mapper);
        } catch (Throwable t) { // never a dead server, never a stack trace to the client
            System.err.println("llm serve: unexpected failure on " + ex.getRequestMethod() + " " + ex.getRequestURI());
            t.printStackTrace();
            Responses.error(ex, ApiError.internal(), mapper);
        } finally {
            ex.close(); // after the error responses above: a try-with-resources would close first
        }
    }

    private interface Action {
        void run() throws IOException, InterruptedException;
    }

    private static void post(HttpExchange ex, Action a) throws IOException, InterruptedException {
        method(ex, "POST", a);
    }

    private static void get(HttpExchange ex, Action a) throws IOException, InterruptedException {
        method(ex, "GET", a);
    }

    private static void method(HttpExchange ex, String wanted, Action a) throws IOException, InterruptedException {
        if (!ex.getRequestMethod().equalsIgnoreCase(wanted)) {
            ex.getResponseHeaders().set("Allow", wanted);
            throw new ApiError(405, "invalid_request_error", null, ex.getRequestURI().getPath() + " takes " + wanted
                    + ", not " + ex.getRequestMethod());
        }
        a.run();
    }

    private ObjectNode models() {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "llmj");
        m.put("context_length", contextLength);
        return root;
    }

    private ObjectNode health() {
        ObjectNode h = mapper.createObjectNode();
        h.put("status", stopping ? "stopping" : "ok");
        h.put("model", modelId);
        h.put("active_sessions", activeSessions.get());
        h.put("max_sessions", limiter.maxSessions());
        h.put("decode_steps", batcher.steps());
        h.put("decode_tokens", batcher.tokens());
        h.put("largest_decode_batch", batcher.largestBatch());
        h.put("queued", limiter.queued());
        h.put("max_queued", limiter.maxQueued());
        h.put("context_length", contextLength);
        h.put("cache_type", options.kvType().toString());
        h.put("chat_template", chatTemplate.style().name().toLowerCase());
        return h;
    }
}
