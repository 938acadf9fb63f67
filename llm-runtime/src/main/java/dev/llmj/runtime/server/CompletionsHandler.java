package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code POST /v1/completions}: a text (or token-id) prompt continued as is. */
final class CompletionsHandler extends GenerationHandler {
    CompletionsHandler(LlmServer server) {
        super(server, "cmpl");
    }

    @Override
    GenerationRequest parse(byte[] body) {
        return server.parser().parseCompletion(body);
    }

    /** Text gets BOS when the vocabulary asks for it (as llama.cpp's server); token ids are used as given. */
    @Override
    int[] encode(GenerationRequest.Prompt prompt) {
        return switch (prompt) {
            case GenerationRequest.Prompt.Text t -> server.model().tokenizer().encode(t.text(), true, false);
            case GenerationRequest.Prompt.Tokens t -> t.ids().clone();
            case GenerationRequest.Prompt.Messages m -> throw new IllegalStateException("messages in a completion request");
        };
    }

    @Override
    String promptField() {
        return "prompt";
    }

    @Override
    ObjectNode streamChunk(String text, String finishReason) {
        return withChoice(envelope("text_completion"), text, finishReason);
    }

    @Override
    ObjectNode complete(String text, String finishReason, int promptTokens, int completionTokens) {
        return usage(withChoice(envelope("text_completion"), text, finishReason), promptTokens, completionTokens);
    }

    private static ObjectNode withChoice(ObjectNode o, String text, String finishReason) {
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        c.put("text", text);
        c.putNull("logprobs");
        if (finishReason == null) {
            c.putNull("finish_reason");
        } else {
            c.put("finish_reason", finishReason);
        }
        return o;
    }
}
