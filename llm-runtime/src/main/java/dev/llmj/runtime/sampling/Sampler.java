package dev.llmj.runtime.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Picks the next token from logits, applying in llama.cpp's order: repetition penalty, top-k,
 * top-p, min-p, temperature, then a draw from the remaining distribution.
 *
 * <p>Top-p and min-p see the distribution at temperature 1 (as in llama.cpp); temperature only
 * reshapes what survives them. Temperature 0 is argmax with ties to the lowest id, and never
 * consumes a random number.
 *
 * <p>The generator is {@code L64X128MixRandom}, whose algorithm the JDK specifies, so a seed gives
 * the same draws on every JVM. One sampler belongs to one sequence; it is not thread-safe.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final RandomGenerator random;
    // Scratch reused across calls: candidates sorted by logit, and their probabilities.
    private Integer[] order = new Integer[0];
    private float[] work = new float[0];
    private double[] probs = new double[0];

    public Sampler(SamplerConfig config) {
        this.config = config;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(config.seed());
    }

    public SamplerConfig config() {
        return config;
    }

    /**
     * The next token.
     *
     * @param logits  one score per vocabulary id (not modified)
     * @param history previously seen tokens (prompt and generated), for the repetition penalty
     * @param historyLength how many entries of {@code history} are valid
     * @throws IllegalArgumentException when a logit is NaN, or all are −∞
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        int n = logits.length;
        if (work.length != n) {
            work = new float[n];
            order = new Integer[n];
            probs = new double[n];
        }
        float[] l = work;
        boolean anyFinite = false;
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (Float.isNaN(v)) {
                throw new IllegalArgumentException("logit of token " + i + " is NaN: the model produced invalid scores");
            }
            anyFinite |= v != Float.NEGATIVE_INFINITY;
            l[i] = v;
        }
        if (!anyFinite) {
            throw new IllegalArgumentException("every logit is -infinity: no token can be sampled");
        }
        applyRepeatPenalty(l, history, historyLength);
        if (config.isGreedy()) {
            return argmax(l);
        }
        int kept = sortedCandidates(l);
        if (config.topK() > 0) {
            kept = Math.min(kept, config.topK());
        }
        kept = Math.min(kept, topP(l, kept));
        kept = Math.min(kept, minP(l, kept));
        return draw(l, kept);
    }

    private void applyRepeatPenalty(float[] l, int[] history, int historyLength) {
        float penalty = config.repeatPenalty();
        if (penalty == 1f || history == null) {
            return;
        }
        int from = Math.max(0, historyLength - config.repeatLastN());
        // Each distinct token is penalised once, however often it occurred (llama.cpp's rule).
        int[] seen = Arrays.copyOfRange(history, from, historyLength);
        Arrays.sort(seen);
        for (int i = 0; i < seen.length; i++) {
            int t = seen[i];
            if ((i > 0 && seen[i - 1] == t) || t < 0 || t >= l.length) {
                continue;
            }
            l[t] = l[t] > 0 ? l[t] / penalty : l[t] * penalty;
        }
    }

    /** Index of the largest logit, the lowest index on ties. */
    public static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Sorts ids by logit, highest first (ties by id), dropping −∞; returns how many remain. */
    private int sortedCandidates(float[] l) {
        int n = 0;
        for (int i = 0; i < l.length; i++) {
            if (l[i] != Float.NEGATIVE_INFINITY) {
                order[n++] = i;
            }
        }
        int k = config.topK() > 0 ? Math.min(config.topK(), n) : n;
        if (k < n && k <= 64) {
            // Partial selection: the k best in order, O(n·k) but with tiny k far cheaper than a sort.
            for (int i = 0; i < k; i++) {
                int best = i;
                for (int j = i + 1; j < n; j++) {
                    if (better(l, order[j], order[best])) {
                        best = j;
                    }
                }
                Integer t = order[i]; order[i] = order[best]; order[best] = t;
            }
            return k;
        }
        Arrays.sort(order, 0, n, (a, b) -> better(l, a, b) ? -1 : better(l, b, a) ? 1 : 0);
        return n;
    }

    private static boolean better(float[] l, int a, int b) {
        return l[a] > l[b] || (l[a] == l[b] && a < b);
    }

    /** Fills {@code probs[0..kept)} with the softmax of the candidates' logits divided by {@code t}. */
    private void softmax(float[] l, int kept, double t) {
        double max = l[order[0]];
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            probs[i] = Math.exp((l[order[i]] - max) / t);
            sum += probs[i];
        }
        for (int i = 0; i < kept; i++) {
            probs[i] /= sum;
        }
    }

    /** Smallest prefix whose probability mass reaches top-p (at least one token). */
    private int topP(float[] l, int kept) {
        if (config.topP() >= 1f) {
            return kept;
        }
        softmax(l, kept, 1.0);
        double mass = 0;
        for (int i = 0; i < kept; i++) {
            mass += probs[i];
            if (mass >= config.topP()) {
                return i + 1;
            }
        }
        return kept;
    }

    /** Tokens whose probability is at least min-p times the best one's (at least one token). */
    private int minP(float[] l, int kept) {
        if (config.minP() <= 0f) {
            return kept;
        }
        // p_i / p_max = exp(l_i − l_max), so no normalisation is needed.
        double threshold = Math.log(config.minP());
        double max = l[order[0]];
        int i = 1;
        while (i < kept && l[order[i]] - max >= threshold) {
            i++;
        }
        return i;
    }

    private int draw(float[] l, int kept) {
        softmax(l, kept, config.temperature());
        double u = random.nextDouble();
        double acc = 0;
        for (int i = 0; i < kept; i++) {
            acc += probs[i];
            if (u < acc) {
                return order[i];
            }
        }
        return order[kept - 1]; // u within rounding of 1
    }
}
