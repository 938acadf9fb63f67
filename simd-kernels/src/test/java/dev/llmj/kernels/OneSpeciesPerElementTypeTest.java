package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rule of {@link VectorWidths}: one vector species per element type in the whole process,
 * with the one exception it documents (full-width shorts for the interleaved kernels beside the
 * half-width ones of f16 widening, which {@code SteadyStateAllocationTest} runs in both orders). A
 * second species of floats (a half-width one in the softmax) once made the JDK's shared vector
 * code bimorphic, and the Q4_0 decode kernel, compiled against that profile in one JVM run in
 * three, boxed its accumulators on every block (2.4× slower). Species are made in exactly two
 * places: {@code VectorWidths} (all element types) and the softmax (doubles, same bit size);
 * this test reads the main sources of every module and fails on any other.
 */
class OneSpeciesPerElementTypeTest {
    private static final Pattern SPECIES = Pattern.compile("\\b(Byte|Short|Int|Long|Float|Double)Vector\\.SPECIES_\\w+");

    @Test
    void speciesAreMadeOnlyInVectorWidthsAndTheSoftmax() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
                    .toList()) {
                String name = f.getFileName().toString();
                Matcher m = SPECIES.matcher(Files.readString(f));
                while (m.find()) {
                    if (!name.equals("VectorWidths.java")
                            && !(name.equals("VectorSoftmaxWeights.java") && m.group(1).equals("Double"))) {
                        found.add(root.relativize(f) + ": " + m.group());
                    }
                }
            }
        }
        assertTrue(Files.isDirectory(root.resolve("simd-kernels/src/main/java")), "sources not found under " + root);
        assertEquals(List.of(), found, "vector species made outside VectorWidths (see its class comment)");
    }
}
