package dev.llmj.runtime.generate;

import dev.llmj.runtime.model.Session;
import dev.llmj.runtime.sampling.Sampler;
import dev.llmj.runtime.tokenizer.StreamingDecoder;
import dev.llmj.runtime.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/** Prompt evaluation then token-by-token generation on a {@link Session}. */
public final class Generator {
    private Generator() {}

    /**
     * Evaluates {@code promptIds} after what the session already holds, then samples up to
     * {@code options.maxTokens()} tokens, streaming text to {@code listener}.
     *
     * @throws dev.llmj.runtime.model.ContextFullException when the context fills up before a stop
     */
    public static GenerationResult generate(Session session, int[] promptIds, GenerationOptions options,
                                            TokenListener listener) {
        if (promptIds.length == 0 && session.length() == 0) {
            throw new IllegalArgumentException("the prompt is empty: nothing to condition on (add BOS)");
        }
        Tokenizer tok = session.model().tokenizer();
        Sampler sampler = new Sampler(options.sampler());
        StopMatcher stops = new StopMatcher(options.stopStrings());
        StreamingDecoder decoder = tok.streamingDecoder();

        long t0 = System.nanoTime();
        float[] logits = promptIds.length > 0 ? session.append(promptIds) : null;
        long t1 = System.nanoTime();
        if (logits == null) {
            throw new IllegalArgumentException("generation after an existing context needs at least one new prompt token");
        }
        int[] generated = new int[options.maxTokens()];
        int count = 0;
        GenerationResult.StopReason reason = GenerationResult.StopReason.MAX_TOKENS;
        while (count < options.maxTokens()) {
            int[] history = session.tokens();
            int next = sampler.sample(logits, history, history.length);
            generated[count++] = next;
            if (options.stopAtEos() && next == tok.eos()) {
                reason = GenerationResult.StopReason.EOS;
                listener.onToken(next, stops.accept(decoder.flush()) + stops.finish());
                break;
            }
            String emitted = stops.accept(decoder.accept(next));
            if (stops.matched()) {
                reason = GenerationResult.StopReason.STOP_STRING;
                listener.onToken(next, emitted);
                break;
            }
            if (count == options.maxTokens()) {
                listener.onToken(next, emitted + stops.accept(decoder.flush()) + stops.finish());
                break;
            }
            listener.onToken(next, emitted);
            logits = session.append(next);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(promptIds.clone(), Arrays.copyOf(generated, count), stops.text(), reason,
                t1 - t0, t2 - t1);
    }

    /**
     * Holds back text that could be the start of a stop string, and cuts the output where one
     * completes, so a stop string never reaches the listener.
     */
    static final class StopMatcher {
        private final List<String> stops;
        private final StringBuilder all = new StringBuilder();
        private int emitted;
        private boolean matched;

        StopMatcher(List<String> stops) {
            this.stops = stops;
        }

        /** Adds new text; returns what can now be emitted. */
        String accept(String piece) {
            all.append(piece);
            int cut = all.length();
            for (String s : stops) {
                int at = all.indexOf(s, Math.max(0, emitted - s.length() + 1));
                if (at >= 0 && at < cut) {
                    cut = at;
                    matched = true;
                }
            }
            if (matched) {
                all.setLength(cut);
                return release(cut);
            }
            int safe = all.length();
            for (String s : stops) {
                for (int k = Math.min(s.length() - 1, all.length()); k > 0; k--) {
                    if (all.length() - k >= emitted && all.substring(all.length() - k).equals(s.substring(0, k))) {
                        safe = Math.min(safe, all.length() - k);
                        break;
                    }
                }
            }
            return release(safe);
        }

        private String release(int upTo) {
            String out = all.substring(emitted, Math.max(emitted, upTo));
            emitted = Math.max(emitted, upTo);
            return out;
        }

        /** Releases whatever was held back (generation ended without completing a stop string). */
        String finish() {
            return matched ? "" : release(all.length());
        }

        boolean matched() {
            return matched;
        }

        String text() {
            return all.toString();
        }
    }
}
