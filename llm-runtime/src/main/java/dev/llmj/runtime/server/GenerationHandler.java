package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.llmj.runtime.generate.GenerationOptions;
import dev.llmj.runtime.generate.GenerationResult;
import dev.llmj.runtime.generate.Generator;
import dev.llmj.runtime.generate.TokenListener;
import dev.llmj.runtime.model.Session;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One generation request, shared by completions and chat: validate, tokenize, wait for a session
 * slot, generate (streaming or not), and always close the session. The subclasses say how the
 * prompt is tokenized and how responses are shaped.
 */
abstract class GenerationHandler {
    protected final LlmServer server;
    protected final ObjectMapper mapper;
    protected final String id;
    protected final long created = Instant.now().getEpochSecond();

    GenerationHandler(LlmServer server, String idPrefix) {
        this.server = server;
        this.mapper = server.mapper();
        this.id = server.nextId(idPrefix);
    }

    abstract GenerationRequest parse(byte[] body);

    /** The prompt's token ids; the name of the request field that holds the prompt is {@link #promptField()}. */
    abstract int[] encode(GenerationRequest.Prompt prompt);

    abstract String promptField();

    /** Stop strings the prompt layout adds to the request's own. */
    List<String> layoutStops() {
        return List.of();
    }

    /** Control tokens that end the answer besides EOS (end of a chat turn). */
    List<Integer> endOfTurnIds() {
        return List.of();
    }

    /** The first streamed event, before any text (null: none). */
    ObjectNode streamStart() {
        return null;
    }

    /** A streamed event carrying {@code text}, or the last one (text "" and a finish reason). */
    abstract ObjectNode streamChunk(String text, String finishReason);

    /** The whole non-streamed response. */
    abstract ObjectNode complete(String text, String finishReason, int promptTokens, int completionTokens);

    protected ObjectNode envelope(String object) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", server.modelId());
        return o;
    }

    protected ObjectNode usage(ObjectNode o, int promptTokens, int completionTokens) {
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        return o;
    }

    final void handle(HttpExchange ex) throws IOException {
        GenerationRequest req = parse(Responses.body(ex));
        int[] promptIds = encode(req.prompt());
        int ctx = server.contextLength();
        if (promptIds.length == 0) {
            throw ApiError.invalid(promptField(), "the prompt encodes to no tokens");
        }
        if (promptIds.length > ctx) {
            throw ApiError.invalid(promptField(), "the prompt is " + promptIds.length
                    + " tokens, longer than the context of " + ctx + " tokens");
        }
        // The first sampled token needs no room; each later one occupies a position.
        int room = ctx - promptIds.length + 1;
        int wanted = req.maxTokens() != null ? req.maxTokens() : server.defaultMaxTokens();
        List<String> stops = new ArrayList<>(req.stop());
        stops.addAll(layoutStops());
        GenerationOptions options = new GenerationOptions(Math.min(wanted, room), req.sampler(), stops, !req.ignoreEos());
        Set<Integer> endIds = req.ignoreEos() ? Set.of() : Set.copyOf(endOfTurnIds());

        if (server.stopping()) {
            throw ApiError.overloaded("the server is shutting down");
        }
        try {
            server.limiter().acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.overloaded("the server is shutting down");
        }
        try {
            Session session = server.openSession();
            try {
                generate(ex, req, session, promptIds, options, endIds);
            } finally {
                server.closeSession(session);
            }
        } finally {
            server.limiter().release();
        }
    }

    private void generate(HttpExchange ex, GenerationRequest req, Session session, int[] promptIds,
                          GenerationOptions options, Set<Integer> endIds) throws IOException {
        SseWriter events = req.stream() ? Responses.startEvents(ex, mapper) : null;
        StringBuilder text = new StringBuilder();
        int[] count = {0};
        TokenListener listener = (tokenId, piece) -> {
            count[0]++;
            text.append(piece);
            if (events != null && !piece.isEmpty()) {
                try {
                    events.send(streamChunk(piece, null));
                } catch (IOException e) {
                    throw new Halt(Halt.Why.CLIENT_GONE);
                }
            }
            if (endIds.contains(tokenId)) {
                throw new Halt(Halt.Why.END_OF_TURN);
            }
            if (server.stopping()) {
                throw new Halt(Halt.Why.SERVER_STOPPING);
            }
        };
        String finish;
        try {
            if (events != null && streamStart() != null) {
                events.send(streamStart());
            }
            GenerationResult r = Generator.generate(session, promptIds, options, listener, server.decodeStep());
            finish = r.stopReason() == GenerationResult.StopReason.MAX_TOKENS ? "length" : "stop";
        } catch (Halt h) {
            switch (h.why) {
                case CLIENT_GONE -> {
                    server.countCancelled();
                    return;
                }
                case SERVER_STOPPING -> {
                    if (events == null) {
                        throw ApiError.overloaded("the server is shutting down");
                    }
                    return;
                }
                default -> finish = "stop";
            }
        } catch (IOException e) { // the client left before the first event
            server.countCancelled();
            return;
        } catch (RuntimeException e) {
            if (events == null) {
                throw e;
            }
            // The stream has begun: report the failure inside it.
            System.err.println("llm serve: generation failed for " + id);
            e.printStackTrace();
            try {
                events.send(ApiError.internal().toJson(mapper));
            } catch (IOException ignored) {
                // client gone too
            }
            return;
        }
        if (events != null) {
            try {
                events.send(streamChunk("", finish));
                events.done();
            } catch (IOException ignored) {
                // the answer was complete; a client leaving before [DONE] is not a cancellation
            }
        } else {
            Responses.json(ex, 200, mapper, complete(text.toString(), finish, promptIds.length, count[0]));
        }
    }

    /** Thrown from the token listener to stop generating; never leaves this class. */
    private static final class Halt extends RuntimeException {
        enum Why { CLIENT_GONE, END_OF_TURN, SERVER_STOPPING }

        final Why why;

        Halt(Why why) {
            super(why.name(), null, false, false);
            this.why = why;
        }
    }
}
