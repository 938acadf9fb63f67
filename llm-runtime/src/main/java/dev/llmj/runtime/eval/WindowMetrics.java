package dev.llmj.runtime.eval;

/**
 * Accumulates window scores into the lab's figures, all over windows of one length n:
 *
 * <ul>
 *   <li>{@code loss}: mean NLL (nats) over every predicted position (1..n−1) of every window;</li>
 *   <li>{@code loss_last}: the same over each window's last min(L, n−1) predicted positions;</li>
 *   <li>{@code accuracy}: fraction of the positions counted in {@code loss} whose argmax was right;</li>
 *   <li>per-position mean NLL over windows.</li>
 * </ul>
 * Sums are kept in double; every window has the same weight since every window has n−1 predictions.
 */
public final class WindowMetrics {
    private final int predictions;
    private final int lastCount;
    private final double[] positionSums;
    private int windows;
    private double sum;
    private double lastSum;
    private long correct;

    /**
     * @param length        the window length n (≥ 2)
     * @param trainingLength L: {@code loss_last} covers the last min(L, n−1) predicted positions
     */
    public WindowMetrics(int length, int trainingLength) {
        if (length < 2 || trainingLength < 1) {
            throw new IllegalArgumentException("need window length ≥ 2 and training length ≥ 1, got " + length
                    + " and " + trainingLength);
        }
        this.predictions = length - 1;
        this.lastCount = Math.min(trainingLength, predictions);
        this.positionSums = new double[predictions];
    }

    public void add(WindowScore score) {
        if (score.predictions() != predictions) {
            throw new IllegalArgumentException("window has " + score.predictions() + " predictions, expected " + predictions);
        }
        for (int t = 0; t < predictions; t++) {
            double v = score.nll()[t];
            sum += v;
            positionSums[t] += v;
            if (t >= predictions - lastCount) {
                lastSum += v;
            }
            if (score.correct()[t]) {
                correct++;
            }
        }
        windows++;
    }

    public int windows() {
        return windows;
    }

    /** Predicted positions per window (n − 1). */
    public int predictionsPerWindow() {
        return predictions;
    }

    /** Predicted positions per window that {@link #lossLast()} covers: min(L, n−1). */
    public int lastCount() {
        return lastCount;
    }

    public double loss() {
        return sum / ((double) windows * predictions);
    }

    public double lossLast() {
        return lastSum / ((double) windows * lastCount);
    }

    public double accuracy() {
        return (double) correct / ((double) windows * predictions);
    }

    /** exp(loss). */
    public double perplexity() {
        return Math.exp(loss());
    }

    /** Mean NLL at each predicted position t = 0..n−2 (predicting token t+1), over the windows. */
    public double[] perPosition() {
        double[] out = new double[predictions];
        for (int t = 0; t < predictions; t++) {
            out[t] = positionSums[t] / windows;
        }
        return out;
    }
}
