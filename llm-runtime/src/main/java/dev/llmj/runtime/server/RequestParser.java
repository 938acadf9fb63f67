package dev.llmj.runtime.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.runtime.sampling.SamplerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Turns a request body into a validated {@link GenerationRequest}, or an {@link ApiError} (400)
 * naming the offending field. Parsing is Jackson's; this class only checks the tree's shape.
 *
 * <p>Sampling defaults are llama.cpp's (temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, no
 * repeat penalty over the last 64 tokens). The repeat penalty may be given as {@code repeat_penalty}
 * (llama.cpp) or {@code repetition_penalty} (Hugging Face/vLLM), both multiplicative and &gt; 0, or as
 * OpenAI's {@code frequency_penalty} f in [0, 2], mapped to {@code repeat_penalty = 1 + f}; at most
 * one of the three. Unknown fields are ignored, as OpenAI-compatible servers commonly do; fields
 * that ask for something this server cannot do ({@code n} &gt; 1, {@code logprobs}, {@code echo},
 * {@code best_of} &gt; 1) are refused rather than ignored.
 */
public final class RequestParser {
    /** Most stop strings per request (OpenAI allows 4; llama.cpp more). */
    static final int MAX_STOP_STRINGS = 16;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private final ObjectMapper mapper;
    private final String modelId;
    private final int contextLength;
    private final int vocabSize;
    private final LongSupplier seeds;

    /**
     * @param modelId       the only accepted value of {@code model} (which may also be absent)
     * @param contextLength the session context: bounds {@code max_tokens}
     * @param vocabSize     bounds token-id prompts
     * @param seeds         the seed used when the request gives none
     */
    public RequestParser(ObjectMapper mapper, String modelId, int contextLength, int vocabSize, LongSupplier seeds) {
        this.mapper = mapper;
        this.modelId = modelId;
        this.contextLength = contextLength;
        this.vocabSize = vocabSize;
        this.seeds = seeds;
    }

    public GenerationRequest parseCompletion(byte[] body) {
        JsonNode root = readObject(body);
        return common(root, completionPrompt(root.get("prompt")), "max_tokens");
    }

    public GenerationRequest parseChat(byte[] body) {
        JsonNode root = readObject(body);
        String lengthField = root.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        return common(root, messages(root.get("messages")), lengthField);
    }

    private JsonNode readObject(byte[] body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw ApiError.invalid(null, "malformed JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiError.invalid(null, "unreadable request body: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw ApiError.invalid(null, "the request body is empty; expected a JSON object");
        }
        if (!root.isObject()) {
            throw ApiError.invalid(null, "the request body must be a JSON object, got " + kind(root));
        }
        return root;
    }

    private GenerationRequest common(JsonNode root, GenerationRequest.Prompt prompt, String lengthField) {
        JsonNode model = root.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) {
                throw ApiError.invalid("model", "model must be a string, got " + kind(model));
            }
            if (!model.asText().equals(modelId)) {
                throw ApiError.invalid("model", "unknown model '" + model.asText() + "'; this server serves '" + modelId + "'");
            }
        }
        Long n = optLong(root, "n");
        if (n != null && n != 1) {
            throw ApiError.invalid("n", "n must be 1: one completion per request is supported, got " + n);
        }
        Long bestOf = optLong(root, "best_of");
        if (bestOf != null && bestOf != 1) {
            throw ApiError.invalid("best_of", "best_of must be 1 (not supported), got " + bestOf);
        }
        JsonNode logprobs = root.get("logprobs");
        if (logprobs != null && !logprobs.isNull() && !(logprobs.isBoolean() && !logprobs.asBoolean())) {
            throw ApiError.invalid("logprobs", "logprobs are not supported");
        }
        if (optBoolean(root, "echo", false)) {
            throw ApiError.invalid("echo", "echo is not supported");
        }
        boolean stream = optBoolean(root, "stream", false);
        boolean ignoreEos = optBoolean(root, "ignore_eos", false);

        Long maxTokens = optLong(root, lengthField);
        if (maxTokens != null && (maxTokens < 1 || maxTokens > contextLength)) {
            throw ApiError.invalid(lengthField, lengthField + " must be between 1 and the context length "
                    + contextLength + ", got " + maxTokens);
        }
        SamplerConfig sampler = sampler(root);
        return new GenerationRequest(prompt, stream, maxTokens == null ? null : maxTokens.intValue(), sampler,
                stop(root.get("stop")), ignoreEos);
    }

    private SamplerConfig sampler(JsonNode root) {
        SamplerConfig d = SamplerConfig.defaults(0);
        float temperature = optFloat(root, "temperature", d.temperature());
        if (temperature < 0) {
            throw ApiError.invalid("temperature", "temperature must be ≥ 0 (0 = greedy), got " + temperature);
        }
        float topP = optFloat(root, "top_p", d.topP());
        if (!(topP > 0 && topP <= 1)) {
            throw ApiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        Long topK = optLong(root, "top_k");
        if (topK != null && (topK < 0 || topK > Integer.MAX_VALUE)) {
            throw ApiError.invalid("top_k", "top_k must be ≥ 0 (0 = off), got " + topK);
        }
        float minP = optFloat(root, "min_p", d.minP());
        if (!(minP >= 0 && minP <= 1)) {
            throw ApiError.invalid("min_p", "min_p must be in [0, 1], got " + minP);
        }
        float penalty = repeatPenalty(root, d.repeatPenalty());
        Long lastN = optLong(root, "repeat_last_n");
        if (lastN != null && (lastN < -1 || lastN > Integer.MAX_VALUE)) {
            throw ApiError.invalid("repeat_last_n", "repeat_last_n must be ≥ 0, or -1 for the whole context, got " + lastN);
        }
        int repeatLastN = lastN == null ? d.repeatLastN() : lastN == -1 ? contextLength : lastN.intValue();
        Long seed = optLong(root, "seed");
        try {
            return new SamplerConfig(temperature, topK == null ? d.topK() : topK.intValue(), topP, minP, penalty,
                    repeatLastN, seed == null ? seeds.getAsLong() : seed);
        } catch (IllegalArgumentException e) { // a rule SamplerConfig has and the checks above lack
            throw ApiError.invalid(null, e.getMessage());
        }
    }

    private float repeatPenalty(JsonNode root, float fallback) {
        List<String> given = new ArrayList<>();
        for (String f : List.of("repeat_penalty", "repetition_penalty", "frequency_penalty")) {
            if (root.hasNonNull(f)) {
                given.add(f);
            }
        }
        if (given.size() > 1) {
            throw ApiError.invalid(given.get(1), "give at most one of " + given + " (they set the same penalty)");
        }
        if (given.isEmpty()) {
            return fallback;
        }
        String f = given.get(0);
        float v = optFloat(root, f, fallback);
        if (f.equals("frequency_penalty")) {
            if (!(v >= 0 && v <= 2)) {
                throw ApiError.invalid(f, "frequency_penalty must be in [0, 2] (mapped to repeat_penalty = 1 + "
                        + "frequency_penalty), got " + v);
            }
            return 1 + v;
        }
        if (!(v > 0)) {
            throw ApiError.invalid(f, f + " must be > 0 (1 = off), got " + v);
        }
        return v;
    }

    private GenerationRequest.Prompt completionPrompt(JsonNode p) {
        if (p == null || p.isNull()) {
            throw ApiError.invalid("prompt", "prompt is required (a string or an array of token ids)");
        }
        if (p.isTextual()) {
            return new GenerationRequest.Prompt.Text(p.asText());
        }
        if (!p.isArray()) {
            throw ApiError.invalid("prompt", "prompt must be a string or an array of token ids, got " + kind(p));
        }
        if (p.size() == 1 && p.get(0).isTextual()) {
            return new GenerationRequest.Prompt.Text(p.get(0).asText());
        }
        if (p.isEmpty()) {
            throw ApiError.invalid("prompt", "prompt is an empty array");
        }
        int[] ids = new int[p.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = p.get(i);
            if (t.isTextual()) {
                throw ApiError.invalid("prompt", "a batch of several prompts is not supported; send one request per prompt");
            }
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0 || t.asInt() >= vocabSize) {
                throw ApiError.invalid("prompt", "prompt[" + i + "] must be a token id in [0, " + vocabSize + "), got " + t);
            }
            ids[i] = t.asInt();
        }
        return new GenerationRequest.Prompt.Tokens(ids);
    }

    private GenerationRequest.Prompt messages(JsonNode m) {
        if (m == null || m.isNull()) {
            throw ApiError.invalid("messages", "messages is required (an array of {role, content})");
        }
        if (!m.isArray() || m.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array of {role, content}, got " + kind(m));
        }
        List<GenerationRequest.ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode msg = m.get(i);
            String where = "messages[" + i + "]";
            if (!msg.isObject()) {
                throw ApiError.invalid(where, where + " must be an object {role, content}, got " + kind(msg));
            }
            JsonNode role = msg.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw ApiError.invalid(where + ".role", where + ".role must be one of " + ROLES + ", got "
                        + (role == null ? "nothing" : role.toString()));
            }
            out.add(new GenerationRequest.ChatMessage(role.asText(), content(msg.get("content"), where + ".content")));
        }
        return new GenerationRequest.Prompt.Messages(out);
    }

    /** A string, or OpenAI's array of content parts of which only {@code {"type":"text"}} is supported. */
    private static String content(JsonNode c, String where) {
        if (c != null && c.isTextual()) {
            return c.asText();
        }
        if (c != null && c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < c.size(); j++) {
                JsonNode part = c.get(j);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid(where, where + "[" + j + "] must be {\"type\": \"text\", \"text\": ...}"
                            + " (only text content is supported)");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.invalid(where, where + " must be a string, got " + (c == null ? "nothing" : kind(c)));
    }

    private static List<String> stop(JsonNode s) {
        if (s == null || s.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            if (s.size() > MAX_STOP_STRINGS) {
                throw ApiError.invalid("stop", "at most " + MAX_STOP_STRINGS + " stop strings, got " + s.size());
            }
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw ApiError.invalid("stop", "stop must be a string or an array of strings, found " + kind(e));
                }
                out.add(e.asText());
            }
        } else {
            throw ApiError.invalid("stop", "stop must be a string or an array of strings, got " + kind(s));
        }
        for (String x : out) {
            if (x.isEmpty()) {
                throw ApiError.invalid("stop", "a stop string must not be empty");
            }
        }
        return out;
    }

    private static boolean optBoolean(JsonNode root, String field, boolean fallback) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw ApiError.invalid(field, field + " must be true or false, got " + kind(v));
        }
        return v.asBoolean();
    }

    /** An integer field; a JSON number with a fraction, or out of the long range, is refused. */
    private static Long optLong(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
            throw ApiError.invalid(field, field + " must be an integer, got " + kind(v));
        }
        return v.asLong();
    }

    private static float optFloat(JsonNode root, String field, float fallback) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw ApiError.invalid(field, field + " must be a number, got " + kind(v));
        }
        float f = (float) v.asDouble();
        if (!Float.isFinite(f)) {
            throw ApiError.invalid(field, field + " must be a finite number, got " + v);
        }
        return f;
    }

    private static String kind(JsonNode v) {
        String text = v.toString();
        String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        return v.getNodeType().name().toLowerCase() + " " + shown;
    }
}
