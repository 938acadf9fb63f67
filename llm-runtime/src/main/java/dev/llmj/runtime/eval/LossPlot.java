package dev.llmj.runtime.eval;

import dev.llmj.rope.RopeScheme;
import java.util.List;
import java.util.Locale;

/**
 * A hand-written SVG line chart of loss against evaluation length: log₂ x axis with a tick at every
 * length, one coloured line (with markers) per scheme, {@code +logn} variants dashed, the training
 * length marked, and a legend giving each scheme's loss at the longest length.
 */
public final class LossPlot {
    private LossPlot() {}

    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#843c39"};
    private static final int WIDTH = 880, HEIGHT = 520;
    private static final int LEFT = 78, RIGHT = 590, TOP = 56, BOTTOM = 448;

    public static String svg(List<Extrapolation.Result> results, int trainingLength, String title) {
        List<RopeScheme> schemes = ResultsTables.schemes(results);
        List<Integer> lengths = results.stream().map(Extrapolation.Result::length).distinct().sorted().toList();
        if (lengths.isEmpty()) {
            throw new IllegalArgumentException("no results to plot");
        }
        double xMin = log2(lengths.getFirst()), xMax = log2(lengths.getLast());
        if (xMax - xMin < 1e-9) {
            xMin -= 0.5;
            xMax += 0.5;
        }
        double yLow = results.stream().mapToDouble(Extrapolation.Result::loss).min().orElseThrow();
        double yHigh = results.stream().mapToDouble(Extrapolation.Result::loss).max().orElseThrow();
        double step = niceStep((yHigh - yLow) / 8);
        double yMin = Math.floor(yLow / step) * step;
        double yMax = Math.ceil(yHigh / step) * step;
        if (yMax - yMin < step) {
            yMax = yMin + step;
        }
        Axis ax = new Axis(xMin, xMax, yMin, yMax);

        StringBuilder s = new StringBuilder();
        s.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, HEIGHT));
        s.append(f("<text x=\"%d\" y=\"30\" font-size=\"17\" font-weight=\"bold\">%s</text>\n", LEFT, esc(title)));
        // horizontal grid and y ticks
        for (double y = yMin; y <= yMax + step / 2; y += step) {
            double py = ax.py(y);
            s.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", LEFT, py, RIGHT, py));
            s.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#333\">%s</text>\n", LEFT - 8, py + 4, tick(y, step)));
        }
        // vertical grid and x ticks, one per length
        for (int n : lengths) {
            double px = ax.px(log2(n));
            s.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e5e5\"/>\n", px, TOP, px, BOTTOM));
            s.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">%d</text>\n", px, BOTTOM + 20, n));
        }
        double lx = log2(trainingLength);
        if (lx >= xMin - 1e-9 && lx <= xMax + 1e-9) {
            double px = ax.px(lx);
            s.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"2,3\"/>\n",
                    px, TOP, px, BOTTOM));
            s.append(f("<text x=\"%.1f\" y=\"%d\" fill=\"#555\" font-size=\"11\">L = %d (training)</text>\n",
                    px + 5, TOP + 12, trainingLength));
        }
        s.append(f("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n",
                LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP));
        s.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">evaluation length n (tokens, log₂ scale)</text>\n",
                (LEFT + RIGHT) / 2, BOTTOM + 44));
        s.append(f("<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\">mean next-token loss (nats)</text>\n",
                (TOP + BOTTOM) / 2));

        int longest = lengths.getLast();
        for (int i = 0; i < schemes.size(); i++) {
            RopeScheme scheme = schemes.get(i);
            String color = COLORS[i % COLORS.length];
            String dash = scheme.logn() ? " stroke-dasharray=\"7,4\"" : "";
            StringBuilder points = new StringBuilder();
            StringBuilder markers = new StringBuilder();
            Double lastLoss = null;
            for (Extrapolation.Result r : results) {
                if (!r.scheme().equals(scheme)) {
                    continue;
                }
                double px = ax.px(log2(r.length())), py = ax.py(r.loss());
                points.append(f("%.1f,%.1f ", px, py));
                markers.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>", px, py, color));
                if (r.length() == longest) {
                    lastLoss = r.loss();
                }
            }
            s.append(f("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                    points.toString().strip(), color, dash));
            s.append(markers).append('\n');
            int ly = TOP + 8 + i * 22;
            s.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2.5\"%s/>", RIGHT + 18, ly,
                    RIGHT + 44, ly, color, dash));
            s.append(f("<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>", RIGHT + 31, ly, color));
            s.append(f("<text x=\"%d\" y=\"%d\">%s</text>", RIGHT + 52, ly + 4, esc(scheme.toString())));
            if (lastLoss != null) {
                s.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#666\">%.3f</text>", WIDTH - 10, ly + 4, lastLoss));
            }
            s.append('\n');
        }
        s.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#666\" font-size=\"11\">loss at n = %d</text>\n",
                WIDTH - 10, TOP + 8 + schemes.size() * 22 + 4, longest));
        return s.append("</svg>\n").toString();
    }

    private record Axis(double xMin, double xMax, double yMin, double yMax) {
        double px(double x) {
            return LEFT + 24 + (x - xMin) / (xMax - xMin) * (RIGHT - LEFT - 48);
        }

        double py(double y) {
            return BOTTOM - (y - yMin) / (yMax - yMin) * (BOTTOM - TOP);
        }
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 0.1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** v with as many decimals as the step needs (0.25 → 2, 0.5 → 1, 1 → 0). */
    private static String tick(double v, double step) {
        int decimals = 0;
        while (decimals < 4 && Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals))) > 1e-9) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
