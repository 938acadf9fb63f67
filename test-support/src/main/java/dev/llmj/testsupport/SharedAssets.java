package dev.llmj.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the project's shared test assets ({@code ../shared} beside the repository root).
 *
 * <p>Policy: a test that needs an asset calls {@link #require(String)}. When the file is missing
 * the test is skipped with a message naming the file, except under {@code CI=true}, where a missing
 * asset is a failure (CI always has them, so their absence means the run is not testing what it
 * claims to).
 */
public final class SharedAssets {
    private SharedAssets() {}

    /** The shared directory: system property {@code llmj.shared.dir}, else {@code ../shared}. */
    public static Path root() {
        String prop = System.getProperty("llmj.shared.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        String env = System.getenv("LLMJ_SHARED_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of("..", "shared").toAbsolutePath().normalize();
    }

    /** True when running in CI, where every shared asset must be present. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Resolves {@code relative} under the shared directory; skips the calling test (or fails it
     * under {@code CI=true}) when the file does not exist.
     */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            String msg = "shared asset missing: " + p + " (expected ../shared/" + relative + ")";
            if (inCi()) {
                Assertions.fail(msg + "; CI=true requires every shared asset");
            }
            Assumptions.abort(msg + "; skipping");
        }
        return p;
    }

    /** Like {@link #require(String)} but returns whether the asset exists, for jqwik and main code. */
    public static boolean isPresent(String relative) {
        return Files.exists(root().resolve(relative));
    }
}
