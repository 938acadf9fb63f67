package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MedianTest {
    @Test
    void anEvenCountGivesTheMeanOfTheMiddleTwoAndTheInputStaysAsItWas() {
        double[] v = {4, 1, 3, 2};
        assertEquals(2.5, Median.of(v));
        assertArrayEquals(new double[] {4, 1, 3, 2}, v);
        assertEquals(3.0, Median.of(new double[] {5, 3, 1}));
    }
}
