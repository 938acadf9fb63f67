package dev.llmj.runtime.generate;

import dev.llmj.runtime.model.BatchDecoder;
import dev.llmj.runtime.model.Session;
import dev.llmj.runtime.sampling.Sampler;
import dev.llmj.runtime.tokenizer.StreamingDecoder;
import dev.llmj.runtime.tokenizer.Tokenizer;
import java.util.ArrayList;
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
        return generate(session, promptIds, options, listener, DecodeStep.ALONE);
    }

    /**
     * {@link #generate} with each generated token evaluated by {@code step}, e.g. a
     * {@link dev.llmj.runtime.model.DecodeBatcher} that batches concurrent sessions.
     */
    public static GenerationResult generate(Session session, int[] promptIds, GenerationOptions options,
                                            TokenListener listener, DecodeStep step) {
        long t0 = System.nanoTime();
        Sequence seq = new Sequence(session, promptIds, options, listener);
        long t1 = System.nanoTime();
        int next;
        while ((next = seq.sample()) >= 0) {
            seq.logits = step.append(session, next);
        }
        return seq.result(t1 - t0, System.nanoTime() - t1);
    }

    /**
     * {@link #generate} for several sessions of one model at once: each prompt is evaluated on its
     * own session, then every step decodes the next token of all unfinished sequences in one
     * batched forward pass ({@link BatchDecoder}), which streams the weights once for all of them.
     * Each sequence's tokens are exactly those {@link #generate} gives it alone (for a seeded or
     * greedy sampler). {@code listener} gets each token with the index of its sequence.
     *
     * @return one result per session, in order; every result's generation time is the whole batch's
     */
    public static List<GenerationResult> generateBatch(List<Session> sessions, List<int[]> prompts,
                                                       GenerationOptions options, BatchTokenListener listener) {
        if (sessions.isEmpty() || sessions.size() != prompts.size()) {
            throw new IllegalArgumentException("need one prompt per session and at least one session, got "
                    + sessions.size() + " sessions and " + prompts.size() + " prompts");
        }
        int n = sessions.size();
        Sequence[] seqs = new Sequence[n];
        long[] promptNanos = new long[n];
        for (int i = 0; i < n; i++) {
            int index = i;
            long t0 = System.nanoTime();
            seqs[i] = new Sequence(sessions.get(i), prompts.get(i), options, (id, text) -> listener.onToken(index, id, text));
            promptNanos[i] = System.nanoTime() - t0;
        }
        long t1 = System.nanoTime();
        try (BatchDecoder decoder = new BatchDecoder(sessions.get(0).model(), n)) {
            List<Session> active = new ArrayList<>(n);
            List<Sequence> activeSeqs = new ArrayList<>(n);
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                activeSeqs.add(seqs[i]);
            }
            while (!activeSeqs.isEmpty()) {
                active.clear();
                int count = 0;
                for (java.util.Iterator<Sequence> it = activeSeqs.iterator(); it.hasNext(); ) {
                    Sequence seq = it.next();
                    int next = seq.sample();
                    if (next < 0) {
                        it.remove();
                    } else {
                        active.add(seq.session);
                        ids[count++] = next;
                    }
                }
                if (count == 0) {
                    break;
                }
                float[][] logits = decoder.step(active, Arrays.copyOf(ids, count));
                for (int i = 0; i < count; i++) {
                    activeSeqs.get(i).logits = logits[i];
                }
            }
        }
        long generateNanos = System.nanoTime() - t1;
        List<GenerationResult> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            results.add(seqs[i].result(promptNanos[i], generateNanos));
        }
        return results;
    }

    /** One sequence being generated: its sampler, stop matching and text decoding. */
    private static final class Sequence {
        final Session session;
        final int[] promptIds;
        final GenerationOptions options;
        final TokenListener listener;
        final Tokenizer tok;
        final Sampler sampler;
        final StopMatcher stops;
        final StreamingDecoder decoder;
        final int[] generated;
        int count;
        GenerationResult.StopReason reason = GenerationResult.StopReason.MAX_TOKENS;
        /** The logits predicting the next token. */
        float[] logits;

        /** Evaluates the prompt. */
        Sequence(Session session, int[] promptIds, GenerationOptions options, TokenListener listener) {
            if (promptIds.length == 0 && session.length() == 0) {
                throw new IllegalArgumentException("the prompt is empty: nothing to condition on (add BOS)");
            }
            if (promptIds.length == 0) {
                throw new IllegalArgumentException("generation after an existing context needs at least one new prompt token");
            }
            this.session = session;
            this.promptIds = promptIds.clone();
            this.options = options;
            this.listener = listener;
            this.tok = session.model().tokenizer();
            this.sampler = new Sampler(options.sampler());
            this.stops = new StopMatcher(options.stopStrings());
            this.decoder = tok.streamingDecoder();
            this.generated = new int[options.maxTokens()];
            this.logits = session.append(promptIds);
        }

        /** Samples from {@link #logits} and emits the token; returns it when generation goes on, else −1. */
        int sample() {
            if (count >= options.maxTokens()) {
                return -1;
            }
            int[] history = session.tokens();
            int next = sampler.sample(logits, history, history.length);
            generated[count++] = next;
            if (options.stopAtEos() && next == tok.eos()) {
                reason = GenerationResult.StopReason.EOS;
                listener.onToken(next, stops.accept(decoder.flush()) + stops.finish());
                return -1;
            }
            String emitted = stops.accept(decoder.accept(next));
            if (stops.matched()) {
                reason = GenerationResult.StopReason.STOP_STRING;
                listener.onToken(next, emitted);
                return -1;
            }
            if (count == options.maxTokens()) {
                listener.onToken(next, emitted + stops.accept(decoder.flush()) + stops.finish());
                return -1;
            }
            listener.onToken(next, emitted);
            return next;
        }

        GenerationResult result(long promptNanos, long generateNanos) {
            return new GenerationResult(promptIds, Arrays.copyOf(generated, count), stops.text(), reason,
                    promptNanos, generateNanos);
        }
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
