package dev.llmj.runtime.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed default model {@code models/tinyshakespeare-f32.gguf} is exactly what today's
 * converter makes from the shared checkpoint (the command in models/README.md), so a converter
 * change cannot leave a stale file in the repository.
 */
class EmbeddedDefaultModelTest {
    @TempDir
    Path tmp;

    /** The repository root: the nearest ancestor of the working directory holding models/. */
    static Path committedModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("models/tinyshakespeare-f32.gguf");
            if (Files.isRegularFile(p) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new AssertionError("models/tinyshakespeare-f32.gguf not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void committedModelIsTodaysConversion() throws IOException {
        Path ckpt = SharedAssets.require("models/tinyshakespeare/model.bin");
        Path tok = SharedAssets.require("models/tinyshakespeare/tokenizer.bin");
        Path fresh = tmp.resolve("tinyshakespeare-f32.gguf");
        Llama2cToGguf.convert(ckpt, tok, fresh, TargetType.F32, ConvertProgress.NONE);
        Path committed = committedModel();
        assertEquals(Files.size(fresh), Files.size(committed));
        long mismatch = Files.mismatch(fresh, committed);
        assertTrue(mismatch == -1, "committed " + committed + " differs from a fresh conversion at byte " + mismatch
                + "; regenerate it with the command in models/README.md");
    }
}
