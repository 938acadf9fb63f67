package dev.llmj.kernels.scalar;

/**
 * The k best (value, index) pairs seen so far, as a binary min-heap whose root is the worst kept
 * pair. "Better" means a larger value, or an equal value at a lower index. Offers must come in
 * increasing index order, so an offered value only displaces the root when strictly greater —
 * which lets the vector twin skip whole vectors that are not above {@link #threshold()}.
 */
public final class TopKHeap {
    private final int k;
    private final int[] idx;
    private final float[] val;
    private int size;

    public TopKHeap(int k) {
        this.k = k;
        this.idx = new int[k];
        this.val = new float[k];
    }

    /** Values must exceed this to enter (−∞ while the heap is not full: then anything but NaN enters). */
    public float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : val[0];
    }

    public boolean full() {
        return size == k;
    }

    public void offer(int i, float v) {
        if (Float.isNaN(v) || k == 0) {
            return;
        }
        if (size < k) {
            int c = size++;
            idx[c] = i;
            val[c] = v;
            while (c > 0) {
                int p = (c - 1) >>> 1;
                if (!worse(c, p)) {
                    break;
                }
                swap(c, p);
                c = p;
            }
        } else if (v > val[0]) {
            idx[0] = i;
            val[0] = v;
            siftDown(0, size);
        }
    }

    /** Writes the kept indices best first into {@code out}; returns their count. Empties the heap. */
    public int drainDescending(int[] out) {
        int count = size;
        for (int end = size - 1; end >= 0; end--) {
            out[end] = idx[0];
            swap(0, end);
            siftDown(0, end);
        }
        size = 0;
        return count;
    }

    /** True when entry a ranks below entry b. */
    private boolean worse(int a, int b) {
        return val[a] < val[b] || (val[a] == val[b] && idx[a] > idx[b]);
    }

    private void siftDown(int c, int n) {
        while (true) {
            int l = 2 * c + 1;
            if (l >= n) {
                return;
            }
            int w = l + 1 < n && worse(l + 1, l) ? l + 1 : l;
            if (!worse(w, c)) {
                return;
            }
            swap(w, c);
            c = w;
        }
    }

    private void swap(int a, int b) {
        int ti = idx[a];
        idx[a] = idx[b];
        idx[b] = ti;
        float tv = val[a];
        val[a] = val[b];
        val[b] = tv;
    }
}
