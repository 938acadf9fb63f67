package dev.llmj.runtime.server;

import dev.llmj.runtime.server.GenerationRequest.ChatMessage;
import dev.llmj.runtime.tokenizer.Tokenizer;
import dev.llmj.runtime.tokenizer.Vocabulary;
import dev.llmj.tensor.gguf.GgufFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders a chat conversation into prompt tokens. This is not a Jinja engine: the GGUF's
 * {@code tokenizer.chat_template} is only inspected for the markers of the common families, and
 * the matching layout is produced by code:
 *
 * <ul>
 *   <li>{@link Style#CHATML} ({@code <|im_start|>}: Qwen, many fine-tunes):
 *       {@code <|im_start|>role\ncontent<|im_end|>\n} per message, then {@code <|im_start|>assistant\n};
 *       the turn ends at {@code <|im_end|>}.</li>
 *   <li>{@link Style#LLAMA3} ({@code <|start_header_id|>}):
 *       {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>} with trimmed content,
 *       then the assistant header; the turn ends at {@code <|eot_id|>}.</li>
 *   <li>{@link Style#PHI3} ({@code <|user|>} and {@code <|end|>}): {@code <|user|>\ncontent<|end|>\n<|assistant|>\n}
 *       per user message, {@code content<|end|>\n} per assistant message; a system message becomes
 *       {@code <|system|>\ncontent<|end|>\n} when the template knows that role, else it is put before
 *       the first user message's content. The turn ends at {@code <|end|>}.</li>
 *   <li>{@link Style#LLAMA2} ({@code [INST]}: Llama 2, Mistral):
 *       {@code <s>[INST] user [/INST] assistant</s>} per exchange; a system message goes into the first
 *       user turn, inside {@code <<SYS>>...<</SYS>>} when the template uses those markers.</li>
 *   <li>{@link Style#PLAIN}, for a model without a template or with an unrecognised one:
 *       {@code System: ...\nUser: ...\nAssistant: ...\n} and a final {@code Assistant:}; generation
 *       also stops at {@code \nUser:} so the model does not write the next user turn.</li>
 * </ul>
 *
 * <p>Templated prompts are tokenized with control-token parsing (as llama.cpp does), and start
 * with BOS when the vocabulary asks for it; the plain layout is tokenized as ordinary text with BOS,
 * exactly like {@code llm generate}.
 */
public final class ChatTemplate {
    public enum Style { CHATML, LLAMA3, PHI3, LLAMA2, PLAIN }

    private static final String GGUF_KEY = "tokenizer.chat_template";

    private final Style style;
    /** LLAMA2: the system text goes inside {@code <<SYS>>} markers; PHI3: the template has a system role. */
    private final boolean systemMarkers;

    private ChatTemplate(Style style, boolean systemMarkers) {
        this.style = style;
        this.systemMarkers = systemMarkers;
    }

    /** The style for a Jinja template text; null or unrecognised gives {@link Style#PLAIN}. */
    public static ChatTemplate recognise(String jinja) {
        if (jinja == null || jinja.isBlank()) {
            return new ChatTemplate(Style.PLAIN, false);
        }
        if (jinja.contains("<|im_start|>")) {
            return new ChatTemplate(Style.CHATML, false);
        }
        if (jinja.contains("<|start_header_id|>")) {
            return new ChatTemplate(Style.LLAMA3, false);
        }
        if (jinja.contains("<|user|>") && jinja.contains("<|end|>")) {
            return new ChatTemplate(Style.PHI3, jinja.contains("<|system|>"));
        }
        if (jinja.contains("[INST]")) {
            return new ChatTemplate(Style.LLAMA2, jinja.contains("<<SYS>>"));
        }
        return new ChatTemplate(Style.PLAIN, false);
    }

    /** The template stored in a GGUF model file, if the file is GGUF and has one. */
    public static Optional<String> readFromModelFile(Path file) throws IOException {
        if (!GgufFile.isGguf(file)) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            return GgufFile.open(file, arena).optString(GGUF_KEY);
        }
    }

    public Style style() {
        return style;
    }

    /** The prompt text, {@code bos} (the BOS token's text, or "") included where the layout wants it. */
    public String render(List<ChatMessage> messages, String bos) {
        StringBuilder s = new StringBuilder();
        switch (style) {
            case CHATML -> {
                s.append(bos);
                for (ChatMessage m : messages) {
                    s.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                s.append("<|im_start|>assistant\n");
            }
            case LLAMA3 -> {
                s.append(bos);
                for (ChatMessage m : messages) {
                    s.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                            .append(m.content().strip()).append("<|eot_id|>");
                }
                s.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            case PHI3 -> renderPhi3(messages, bos, s);
            case LLAMA2 -> renderLlama2(messages, bos, s);
            case PLAIN -> {
                for (ChatMessage m : messages) {
                    s.append(plainRole(m.role())).append(": ").append(m.content()).append('\n');
                }
                s.append("Assistant:");
            }
        }
        return s.toString();
    }

    private void renderPhi3(List<ChatMessage> messages, String bos, StringBuilder s) {
        s.append(bos);
        String pendingSystem = null;
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system" -> {
                    if (systemMarkers) {
                        s.append("<|system|>\n").append(m.content()).append("<|end|>\n");
                    } else {
                        pendingSystem = pendingSystem == null ? m.content() : pendingSystem + "\n" + m.content();
                    }
                }
                case "user" -> {
                    String content = pendingSystem == null ? m.content() : pendingSystem + "\n\n" + m.content();
                    pendingSystem = null;
                    s.append("<|user|>\n").append(content).append("<|end|>\n<|assistant|>\n");
                }
                default -> s.append(m.content()).append("<|end|>\n");
            }
        }
    }

    private void renderLlama2(List<ChatMessage> messages, String bos, StringBuilder s) {
        String system = null;
        List<ChatMessage> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) {
                system = system == null ? m.content() : system + "\n" + m.content();
            } else {
                turns.add(m);
            }
        }
        boolean first = true;
        for (ChatMessage m : turns) {
            if (m.role().equals("user")) {
                String content = m.content().strip();
                if (first && system != null) {
                    content = systemMarkers ? "<<SYS>>\n" + system.strip() + "\n<</SYS>>\n\n" + content
                            : system.strip() + "\n\n" + content;
                }
                s.append(bos).append("[INST] ").append(content).append(" [/INST]");
                first = false;
            } else {
                s.append(' ').append(m.content().strip()).append("</s>");
            }
        }
    }

    private static String plainRole(String role) {
        return switch (role) {
            case "system" -> "System";
            case "assistant" -> "Assistant";
            default -> "User";
        };
    }

    /** The prompt's token ids for {@code tokenizer}. */
    public int[] encode(Tokenizer tokenizer, List<ChatMessage> messages) {
        Vocabulary v = tokenizer.vocabulary();
        if (style == Style.PLAIN) {
            return tokenizer.encode(render(messages, ""), v.bos() != Vocabulary.NONE);
        }
        boolean bosWanted = style == Style.LLAMA2 || v.addBos();
        String bos = bosWanted && v.bos() != Vocabulary.NONE ? v.token(v.bos()) : "";
        return tokenizer.encode(render(messages, bos), false, true);
    }

    /** Text stops that end the assistant's turn in this layout. */
    public List<String> stopStrings() {
        return style == Style.PLAIN ? List.of("\nUser:") : List.of();
    }

    /** Ids of the control token that ends the assistant's turn, when the vocabulary has it (else empty). */
    public List<Integer> endOfTurnIds(Vocabulary v) {
        String marker = switch (style) {
            case CHATML -> "<|im_end|>";
            case LLAMA3 -> "<|eot_id|>";
            case PHI3 -> "<|end|>";
            case LLAMA2, PLAIN -> null; // their turn ends at the vocabulary's EOS
        };
        if (marker == null) {
            return List.of();
        }
        int id = v.id(marker);
        return id == Vocabulary.NONE ? List.of() : List.of(id);
    }
}
