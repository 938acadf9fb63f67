package dev.llmj.runtime.eval;

/**
 * The scores of one window of n tokens: for t = 0..n−2, {@code nll[t]} = −ln p(token t+1 | tokens 0..t)
 * in nats and {@code correct[t]} = whether the argmax of the logits at t is token t+1.
 */
public record WindowScore(double[] nll, boolean[] correct) {
    public WindowScore {
        if (nll.length != correct.length) {
            throw new IllegalArgumentException("nll and correct differ in length: " + nll.length + " vs " + correct.length);
        }
    }

    /** Number of predicted positions (n − 1). */
    public int predictions() {
        return nll.length;
    }
}
