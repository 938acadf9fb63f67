package dev.llmj.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GemmTaskStartsTest {

    /** Tasks tile [0, n) in order, as whole 6-column tiles (but the last), TASK_COLS wide at most. */
    @Test
    void tasksTileTheColumnsInWholeTiles() {
        for (int threads : new int[] {1, 2, 4}) {
            for (int n = 1; n <= 3000; n += n < 100 ? 1 : 37) {
                int[] s = VectorGemm.taskStarts(n, threads);
                assertEquals(0, s[0]);
                assertEquals(n, s[s.length - 1]);
                for (int t = 0; t + 1 < s.length; t++) {
                    int width = s[t + 1] - s[t];
                    assertTrue(width > 0 && width <= VectorGemm.TASK_COLS, n + ": width " + width);
                    assertTrue(width % 6 == 0 || s[t + 1] == n, n + ": task " + t + " splits a tile");
                }
                if (threads == 1) {
                    assertEquals((n + VectorGemm.TASK_COLS - 1) / VectorGemm.TASK_COLS, s.length - 1);
                }
            }
        }
    }
}
