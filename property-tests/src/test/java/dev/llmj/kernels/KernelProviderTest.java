package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which implementation the provider chose. Surefire runs this class in every configuration; the
 * scalar-fallback run (no vector module, -Dllmj.kernels=scalar) sets -Dllmj.expect.kernels=scalar.
 */
class KernelProviderTest {

    @Test
    void providerPicksTheExpectedImplementation() {
        String expected = System.getProperty("llmj.expect.kernels");
        boolean scalarWanted = "scalar".equals(System.getProperty("llmj.kernels"));
        boolean vector = Kernels.vectorModulePresent() && !scalarWanted;
        assertEquals(vector, Kernels.get().isVector(), Kernels.get().toString());
        if (expected != null) {
            assertEquals(expected, Kernels.get().isVector() ? "vector" : "scalar");
        }
        if (vector) {
            String bits = System.getProperty("llmj.vector.bits");
            assertTrue(Kernels.get().name().startsWith("vector-"), Kernels.get().name());
            if (bits != null && !bits.isBlank()) {
                assertEquals("vector-" + bits.trim(), Kernels.get().name());
            }
        }
    }

    @Test
    void scalarFallbackRunHasNoVectorModule() {
        if ("scalar".equals(System.getProperty("llmj.expect.kernels"))) {
            assertFalse(Kernels.vectorModulePresent(), "the fallback run must not load jdk.incubator.vector");
            assertThrows(UnsupportedOperationException.class, Kernels::vector);
        } else {
            assertTrue(Kernels.vectorModulePresent(), "surefire's default argLine adds jdk.incubator.vector");
        }
        assertFalse(Kernels.scalar().isVector());
        assertEquals("scalar", Kernels.scalar().name());
    }
}
