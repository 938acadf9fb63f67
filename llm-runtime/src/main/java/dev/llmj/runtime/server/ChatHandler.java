package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** {@code POST /v1/chat/completions}: messages rendered by the model's {@link ChatTemplate}. */
final class ChatHandler extends GenerationHandler {
    ChatHandler(LlmServer server) {
        super(server, "chatcmpl");
    }

    @Override
    GenerationRequest parse(byte[] body) {
        return server.parser().parseChat(body);
    }

    @Override
    int[] encode(GenerationRequest.Prompt prompt) {
        if (!(prompt instanceof GenerationRequest.Prompt.Messages m)) {
            throw new IllegalStateException("a chat request without messages");
        }
        return server.chatTemplate().encode(server.model().tokenizer(), m.messages());
    }

    @Override
    String promptField() {
        return "messages";
    }

    @Override
    List<String> layoutStops() {
        return server.chatTemplate().stopStrings();
    }

    @Override
    List<Integer> endOfTurnIds() {
        return server.chatTemplate().endOfTurnIds(server.model().tokenizer().vocabulary());
    }

    @Override
    ObjectNode streamStart() {
        ObjectNode o = envelope("chat.completion.chunk");
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        ObjectNode delta = c.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        c.putNull("finish_reason");
        return o;
    }

    @Override
    ObjectNode streamChunk(String text, String finishReason) {
        ObjectNode o = envelope("chat.completion.chunk");
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        ObjectNode delta = c.putObject("delta");
        if (finishReason == null) {
            delta.put("content", text);
            c.putNull("finish_reason");
        } else {
            c.put("finish_reason", finishReason);
        }
        return o;
    }

    @Override
    ObjectNode complete(String text, String finishReason, int promptTokens, int completionTokens) {
        ObjectNode o = envelope("chat.completion");
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        ObjectNode msg = c.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", text);
        c.put("finish_reason", finishReason);
        return usage(o, promptTokens, completionTokens);
    }
}
