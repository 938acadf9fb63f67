package dev.llmj.runtime.server;

import dev.llmj.rope.RopeScheme;
import dev.llmj.rope.attention.KvType;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link LlmServer} listens and admits work.
 *
 * @param host             address to bind (loopback by default)
 * @param port             TCP port; 0 picks a free one (see {@link LlmServer#port()})
 * @param maxSessions      generations running at once, each with its own KV cache
 * @param maxQueued        requests allowed to wait for a session; more get HTTP 503
 * @param queueTimeout     longest wait for a session before HTTP 503
 * @param contextLength    tokens per session (prompt + completion); null = the model's training length
 * @param rope             rotary scheme of every session; null = the model's own
 * @param defaultMaxTokens completion length when a request gives no {@code max_tokens}
 * @param kvType           element type of every session's KV cache
 */
public record ServerOptions(String host, int port, int maxSessions, int maxQueued, Duration queueTimeout,
                            Integer contextLength, RopeScheme rope, int defaultMaxTokens, KvType kvType) {
    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(kvType, "kvType");
        Objects.requireNonNull(queueTimeout, "queueTimeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (maxSessions < 1 || maxSessions > 1024) {
            throw new IllegalArgumentException("max sessions must be in 1..1024, got " + maxSessions);
        }
        if (maxQueued < 0 || maxQueued > 4096) {
            throw new IllegalArgumentException("max queued must be in 0..4096, got " + maxQueued);
        }
        if (queueTimeout.isNegative()) {
            throw new IllegalArgumentException("queue timeout must not be negative, got " + queueTimeout);
        }
        if (contextLength != null && contextLength < 1) {
            throw new IllegalArgumentException("context length must be ≥ 1, got " + contextLength);
        }
        if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("default max tokens must be ≥ 1, got " + defaultMaxTokens);
        }
    }

    /**
     * Loopback port 8080, 4 sessions, 32 waiting for up to 2 minutes, the model's context and rope,
     * 128 tokens, an F32 KV cache.
     */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8080, 4, 32, Duration.ofMinutes(2), null, null, 128, KvType.F32);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, maxSessions, maxQueued, queueTimeout, contextLength, rope, defaultMaxTokens, kvType);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, maxSessions, maxQueued, queueTimeout, contextLength, rope, defaultMaxTokens, kvType);
    }

    public ServerOptions withSessions(int sessions, int queued, Duration timeout) {
        return new ServerOptions(host, port, sessions, queued, timeout, contextLength, rope, defaultMaxTokens, kvType);
    }

    public ServerOptions withContext(Integer ctx, RopeScheme scheme) {
        return new ServerOptions(host, port, maxSessions, maxQueued, queueTimeout, ctx, scheme, defaultMaxTokens, kvType);
    }

    public ServerOptions withKvType(KvType type) {
        return new ServerOptions(host, port, maxSessions, maxQueued, queueTimeout, contextLength, rope, defaultMaxTokens,
                type);
    }
}
