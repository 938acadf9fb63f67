package dev.llmj.runtime.eval;

import dev.llmj.rope.RopeScheme;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The extrapolation results as CSV (exact numbers, for tools) and as a Markdown table (for people). */
public final class ResultsTables {
    private ResultsTables() {}

    public static final String CSV_HEADER = "scheme,length,windows,loss,loss_last,accuracy";

    /**
     * One row per (scheme, length). Numbers are written in Java's shortest round-trip form, so reading
     * them back gives the computed doubles exactly; scheme strings with commas are quoted.
     */
    public static String csv(List<Extrapolation.Result> results) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (Extrapolation.Result r : results) {
            sb.append(csvField(r.scheme().toString())).append(',').append(r.length()).append(',').append(r.windows())
                    .append(',').append(r.loss()).append(',').append(r.lossLast()).append(',').append(r.accuracy())
                    .append('\n');
        }
        return sb.toString();
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /**
     * Rows = schemes, columns = lengths; each cell "**loss** / loss_last / accuracy%", the lowest
     * loss of each column in bold-italic.
     *
     * @param description lines printed above the table (what was measured, on what)
     */
    public static String markdown(List<Extrapolation.Result> results, int trainingLength, List<String> description) {
        Map<String, Map<Integer, Extrapolation.Result>> rows = new LinkedHashMap<>();
        List<Integer> lengths = new ArrayList<>();
        Map<Integer, Double> bestLoss = new LinkedHashMap<>();
        for (Extrapolation.Result r : results) {
            rows.computeIfAbsent(r.scheme().toString(), k -> new LinkedHashMap<>()).put(r.length(), r);
            if (!lengths.contains(r.length())) {
                lengths.add(r.length());
            }
            bestLoss.merge(r.length(), r.loss(), Math::min);
        }
        StringBuilder sb = new StringBuilder();
        for (String line : description) {
            sb.append(line).append('\n');
        }
        sb.append('\n').append("Each cell: **loss** / loss_last / accuracy. loss = mean next-token NLL (nats) over "
                + "positions 1..n−1 of every window; loss_last = the same over each window's last min(")
                .append(trainingLength).append(", n−1) predicted positions; accuracy = next-token argmax accuracy "
                + "over the same positions as loss. The lowest loss at each length (to the printed digits) is marked ◀.\n\n");
        sb.append("| scheme |");
        for (int n : lengths) {
            int w = windowsAt(results, n);
            sb.append(" n = ").append(n).append(" (").append(w).append(w == 1 ? " window) |" : " windows) |");
        }
        sb.append("\n|---|");
        sb.append("---:|".repeat(lengths.size())).append('\n');
        rows.forEach((scheme, byLength) -> {
            sb.append("| `").append(scheme).append("` |");
            for (int n : lengths) {
                Extrapolation.Result r = byLength.get(n);
                if (r == null) {
                    sb.append(" – |");
                    continue;
                }
                sb.append(String.format(Locale.ROOT, " **%.3f** / %.3f / %.1f%%", r.loss(), r.lossLast(), 100 * r.accuracy()));
                if (Math.round(r.loss() * 1000) == Math.round(bestLoss.get(n) * 1000)) { // ties as printed
                    sb.append(" ◀");
                }
                sb.append(" |");
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    private static int windowsAt(List<Extrapolation.Result> results, int n) {
        return results.stream().filter(r -> r.length() == n).mapToInt(Extrapolation.Result::windows).findFirst().orElse(0);
    }

    /** Distinct schemes in first-seen order. */
    static List<RopeScheme> schemes(List<Extrapolation.Result> results) {
        List<RopeScheme> out = new ArrayList<>();
        for (Extrapolation.Result r : results) {
            if (!out.contains(r.scheme())) {
                out.add(r.scheme());
            }
        }
        return out;
    }
}
