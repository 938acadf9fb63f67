package dev.llmj.runtime.eval;

import dev.llmj.rope.RopeScheme;
import dev.llmj.rope.attention.KvType;
import dev.llmj.runtime.model.Model;
import java.util.ArrayList;
import java.util.List;

/**
 * The long-context extrapolation experiment: every scheme at every length, all on the same first
 * S tokens of a stream. For length n the windows are the S/n non-overlapping runs of n tokens from
 * the start of the stream, each scored as a fresh sequence (no BOS) in a session of context n, so a
 * scheme whose factor is not given uses n/L and dynamic NTK its base at n.
 */
public final class Extrapolation {
    private Extrapolation() {}

    /** One cell of the results: a scheme at a length. */
    public record Result(RopeScheme scheme, int length, int windows, double loss, double lossLast, double accuracy) {}

    /** Reports progress after every window; {@code tokensDone} counts over the whole run. */
    @FunctionalInterface
    public interface Progress {
        void update(RopeScheme scheme, int length, int windowsDone, int windowsTotal, long tokensDone, long tokensTotal);

        Progress NONE = (s, n, d, t, td, tt) -> { };
    }

    /**
     * Checks the plan before any model work: lengths ≥ 2, distinct; span a multiple of every length;
     * the stream at least span tokens long. Messages name the offending value.
     */
    public static void validate(int streamLength, List<Integer> lengths, int trainingLength, int span) {
        if (lengths.isEmpty()) {
            throw new IllegalArgumentException("no lengths given");
        }
        if (trainingLength < 1) {
            throw new IllegalArgumentException("training length must be ≥ 1, got " + trainingLength);
        }
        List<Integer> notDividing = new ArrayList<>();
        for (int n : lengths) {
            if (n < 2) {
                throw new IllegalArgumentException("length " + n + " is too short: a window needs ≥ 2 tokens");
            }
            if (lengths.indexOf(n) != lengths.lastIndexOf(n)) {
                throw new IllegalArgumentException("length " + n + " is listed twice");
            }
            if (span % n != 0) {
                notDividing.add(n);
            }
        }
        int longest = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        if (span < longest) {
            throw new IllegalArgumentException("span " + span + " is shorter than the longest length " + longest);
        }
        if (!notDividing.isEmpty()) {
            throw new IllegalArgumentException("span " + span + " is not a multiple of length"
                    + (notDividing.size() > 1 ? "s " : " ") + notDividing + "; every length must divide the span");
        }
        if (streamLength < span) {
            throw new IllegalArgumentException("the stream has " + streamLength + " tokens, fewer than the span of "
                    + span + " every length is scored on");
        }
    }

    /** Runs every (scheme, length) in that order: schemes outer, lengths inner; an F32 KV cache. */
    public static List<Result> run(Model model, int[] stream, List<RopeScheme> schemes, List<Integer> lengths,
                                   int trainingLength, int span, Progress progress) {
        return run(model, stream, schemes, lengths, trainingLength, span, KvType.F32, progress);
    }

    /** As above, with a KV cache of {@code kvType} elements. */
    public static List<Result> run(Model model, int[] stream, List<RopeScheme> schemes, List<Integer> lengths,
                                   int trainingLength, int span, KvType kvType, Progress progress) {
        validate(stream.length, lengths, trainingLength, span);
        long tokensTotal = (long) schemes.size() * lengths.size() * span;
        long tokensDone = 0;
        List<Result> results = new ArrayList<>();
        for (RopeScheme scheme : schemes) {
            for (int n : lengths) {
                int windows = span / n;
                WindowMetrics metrics = new WindowMetrics(n, trainingLength);
                try (WindowScorer scorer = new WindowScorer(model, scheme, n, trainingLength, kvType)) {
                    for (int w = 0; w < windows; w++) {
                        metrics.add(scorer.score(stream, w * n));
                        tokensDone += n;
                        progress.update(scheme, n, w + 1, windows, tokensDone, tokensTotal);
                    }
                }
                results.add(new Result(scheme, n, windows, metrics.loss(), metrics.lossLast(), metrics.accuracy()));
            }
        }
        return results;
    }
}
