package dev.llmj.rope.attention;

/**
 * The normaliser of a softmax row, shared by both kernel twins so its bits do not depend on the
 * vector width: eight double partial sums, element i going to partial (i − from) mod 8 in index
 * order, combined as ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)).
 *
 * <p>Why not one running sum in index order: its additions form one dependency chain (4 cycles
 * each), and for a row of 64 keys that chain cost as much as all 64 exponentials. Eight chains run
 * at the adders' throughput. Double precision keeps the sum exact to ~1e−16 relative for any row
 * length, whatever the order.
 */
final class SoftmaxSum {
    private SoftmaxSum() {}

    static double of(float[] s, int from, int to) {
        double p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            p0 += s[i];
            p1 += s[i + 1];
            p2 += s[i + 2];
            p3 += s[i + 3];
            p4 += s[i + 4];
            p5 += s[i + 5];
            p6 += s[i + 6];
            p7 += s[i + 7];
        }
        int left = to - i;   // 0..7 elements, to partials 0..left−1
        if (left > 0) p0 += s[i];
        if (left > 1) p1 += s[i + 1];
        if (left > 2) p2 += s[i + 2];
        if (left > 3) p3 += s[i + 3];
        if (left > 4) p4 += s[i + 4];
        if (left > 5) p5 += s[i + 5];
        if (left > 6) p6 += s[i + 6];
        return ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7));
    }
}
