package dev.llmj.runtime.eval;

import dev.llmj.rope.RopeScheme;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Reads a comma-separated list of rope schemes. Commas also separate a scheme's own parameters
 * ({@code leaky-rerope:w=128,k=8}), so a piece of the form {@code key=value} with no ':' continues
 * the scheme before it: {@code rope,leaky-rerope:w=128,k=8,rerope:w=128+logn} is three schemes.
 */
public final class SchemeList {
    private SchemeList() {}

    /** The schemes in order, duplicates (same canonical string) removed. */
    public static List<RopeScheme> parse(String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("empty scheme list");
        }
        List<String> texts = new ArrayList<>();
        for (String piece : list.split(",", -1)) {
            String p = piece.strip();
            if (p.isEmpty()) {
                throw new IllegalArgumentException("scheme list '" + list + "' has an empty entry");
            }
            boolean continuation = p.indexOf('=') > 0 && p.indexOf(':') < 0;
            if (continuation) {
                if (texts.isEmpty() || texts.getLast().indexOf(':') < 0) {
                    throw new IllegalArgumentException("scheme list '" + list + "': parameter '" + p
                            + "' does not follow a scheme with parameters (write name:" + p + ")");
                }
                texts.set(texts.size() - 1, texts.getLast() + "," + p);
            } else {
                texts.add(p);
            }
        }
        LinkedHashSet<RopeScheme> schemes = new LinkedHashSet<>();
        for (String t : texts) {
            schemes.add(RopeScheme.parse(t));
        }
        return List.copyOf(schemes);
    }

    /** Each scheme followed by its {@code +logn} variant (schemes already with +logn stay once). */
    public static List<RopeScheme> withLognVariants(List<RopeScheme> schemes) {
        LinkedHashSet<RopeScheme> out = new LinkedHashSet<>();
        for (RopeScheme s : schemes) {
            out.add(s);
            out.add(s.withLogn());
        }
        return List.copyOf(out);
    }
}
