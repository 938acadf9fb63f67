package dev.llmj.runtime.eval;

import dev.llmj.rope.RopeScheme;
import dev.llmj.rope.attention.KvType;
import dev.llmj.runtime.model.Model;
import dev.llmj.runtime.model.Session;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Scores windows of exactly n tokens under one rope scheme, each as a fresh sequence (no BOS added):
 * positions 0..n−2 predict tokens 1..n−1.
 *
 * <p>One session of context n serves every window (rewound to 0 between windows), so the scheme is
 * resolved once, at n: a factor left unspecified becomes n/L and dynamic NTK uses its base at n,
 * which is the convention of the reference figures. Not thread-safe; close it to free the session.
 */
public final class WindowScorer implements AutoCloseable {
    private final Session session;
    private final int length;
    private final int vocab;

    /** Scores with the model's own training length as the schemes' L. */
    public WindowScorer(Model model, RopeScheme scheme, int length) {
        this(model, scheme, length, model.config().ropeTrainingLength());
    }

    /**
     * @param trainingLength L in the scheme's formulas (default factor n/L, dynamic NTK, YaRN, Llama 3, +logn)
     * @throws IllegalArgumentException when {@code length} < 2 (nothing to predict) or L < 1
     */
    public WindowScorer(Model model, RopeScheme scheme, int length, int trainingLength) {
        this(model, scheme, length, trainingLength, KvType.F32);
    }

    /** As above, with a KV cache of {@code kvType} elements. */
    public WindowScorer(Model model, RopeScheme scheme, int length, int trainingLength, KvType kvType) {
        if (length < 2) {
            throw new IllegalArgumentException("window length must be ≥ 2 tokens (one prediction), got " + length);
        }
        this.length = length;
        this.vocab = model.config().vocabSize();
        this.session = model.newSession(length, scheme, trainingLength, kvType);
    }

    /** The window length n. */
    public int length() {
        return length;
    }

    /** The scheme as the session applies it. */
    public RopeScheme scheme() {
        return session.scheme();
    }

    /**
     * Scores {@code stream[from .. from+n)}.
     *
     * @throws IllegalArgumentException when the window does not fit in the stream or holds an id
     *                                  outside the vocabulary (named with its index in the window)
     */
    public WindowScore score(int[] stream, int from) {
        if (from < 0 || from > stream.length - length) {
            throw new IllegalArgumentException("window [" + from + ", " + ((long) from + length) + ") lies outside the "
                    + stream.length + "-token stream");
        }
        int[] window = Arrays.copyOfRange(stream, from, from + length);
        double[] nll = new double[length - 1];
        boolean[] correct = new boolean[length - 1];
        session.rewind(0);
        session.appendAll(window, (pos, seg, off) -> {
            if (pos < length - 1) {
                int target = window[pos + 1];
                nll[pos] = negativeLogSoftmax(seg, off, vocab, target);
                correct[pos] = argmax(seg, off, vocab) == target;
            }
        });
        return new WindowScore(nll, correct);
    }

    /**
     * −ln softmax(logits)[target] read straight from the logits segment, in double:
     * ln Σ exp(x_i − max) + max − x_target (subtracting the max keeps every exp ≤ 1).
     */
    static double negativeLogSoftmax(MemorySegment seg, long off, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, seg.get(ValueLayout.JAVA_FLOAT, off + (long) i * Float.BYTES));
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(seg.get(ValueLayout.JAVA_FLOAT, off + (long) i * Float.BYTES) - max);
        }
        double logit = seg.get(ValueLayout.JAVA_FLOAT, off + (long) target * Float.BYTES);
        return Math.log(sum) + max - logit;
    }

    /** Index of the largest logit; the lowest index wins a tie (as torch.argmax and numpy do). */
    static int argmax(MemorySegment seg, long off, int vocab) {
        int best = 0;
        float bestValue = seg.get(ValueLayout.JAVA_FLOAT, off);
        for (int i = 1; i < vocab; i++) {
            float v = seg.get(ValueLayout.JAVA_FLOAT, off + (long) i * Float.BYTES);
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    @Override
    public void close() {
        session.close();
    }
}
