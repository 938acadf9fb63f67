package dev.llmj.runtime.cli;

import java.util.Arrays;

/** The median of repeated measurements, as {@code llm bench} and the benchmark reports give it. */
public final class Median {
    private Median() {}

    /** The middle value of {@code v} (not modified), or the mean of the middle two for an even count. */
    public static double of(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
