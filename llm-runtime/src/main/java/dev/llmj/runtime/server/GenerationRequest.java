package dev.llmj.runtime.server;

import dev.llmj.runtime.sampling.SamplerConfig;
import java.util.List;

/**
 * A validated {@code /v1/completions} or {@code /v1/chat/completions} request.
 *
 * @param prompt     what to condition on
 * @param stream     answer as server-sent events
 * @param maxTokens  requested completion length; null = the server's default (bounded by the context)
 * @param sampler    sampling parameters, seed included
 * @param stop       stop strings (not emitted)
 * @param ignoreEos  keep generating after the end-of-sequence token (llama.cpp's {@code ignore_eos})
 */
public record GenerationRequest(Prompt prompt, boolean stream, Integer maxTokens, SamplerConfig sampler,
                                List<String> stop, boolean ignoreEos) {

    public GenerationRequest {
        stop = List.copyOf(stop);
    }

    /** The three prompt forms the API accepts. */
    public sealed interface Prompt {
        /** A completion prompt given as text (tokenized with the vocabulary's BOS policy). */
        record Text(String text) implements Prompt {}

        /** A completion prompt given as token ids, used as they are. */
        record Tokens(int[] ids) implements Prompt {}

        /** A chat conversation, rendered by the model's {@link ChatTemplate}. */
        record Messages(List<ChatMessage> messages) implements Prompt {
            public Messages {
                messages = List.copyOf(messages);
            }
        }
    }

    /** One chat turn; role is {@code system}, {@code user} or {@code assistant}. */
    public record ChatMessage(String role, String content) {}
}
