package dev.llmj.rope;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** Reads and writes scheme strings {@code name[:key=value,key=value][+logn]}. */
final class SchemeParser {
    private SchemeParser() {}

    /** Valid names with the keys each one takes (required keys are marked in {@link #REQUIRED}). */
    static final Map<String, List<String>> KEYS = new LinkedHashMap<>();
    static final Map<String, List<String>> REQUIRED = Map.of(
            "rerope", List.of("w"), "leaky-rerope", List.of("w", "k"), "local", List.of("w"));

    static {
        KEYS.put("rope", List.of());
        KEYS.put("linear", List.of("factor"));
        KEYS.put("ntk", List.of("factor"));
        KEYS.put("dynamic-ntk", List.of("factor"));
        KEYS.put("ntk-mixed", List.of("factor", "b"));
        KEYS.put("yarn", List.of("factor", "fast", "slow"));
        KEYS.put("llama3", List.of("factor", "low", "high"));
        KEYS.put("rerope", List.of("w"));
        KEYS.put("leaky-rerope", List.of("w", "k"));
        KEYS.put("local", List.of("w"));
    }

    static String validNames() {
        StringBuilder sb = new StringBuilder();
        KEYS.forEach((name, keys) -> {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(name);
            if (!keys.isEmpty()) sb.append(keys);
        });
        return sb + " (any of them may end in +logn)";
    }

    static RopeScheme parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty rope scheme string; valid schemes: " + validNames());
        }
        String s = text.strip();
        boolean logn = s.endsWith("+logn");
        if (logn) {
            s = s.substring(0, s.length() - "+logn".length());
        }
        // any other '+' is an unknown modifier, except an exponent sign inside a number (1e+2)
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '+' && (i == 0 || (s.charAt(i - 1) != 'e' && s.charAt(i - 1) != 'E')
                    || s.indexOf(':') < 0 || i < s.indexOf(':'))) {
                throw new IllegalArgumentException("rope scheme '" + text + "': unknown modifier '"
                        + s.substring(i) + "'; the only modifier is +logn, written once at the end");
            }
        }
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        List<String> keys = KEYS.get(name);
        if (keys == null) {
            throw new IllegalArgumentException("rope scheme '" + text + "': unknown name '" + name
                    + "'; valid schemes: " + validNames());
        }
        Map<String, Double> params = new LinkedHashMap<>();
        if (colon >= 0) {
            String list = s.substring(colon + 1);
            if (list.isEmpty()) {
                throw new IllegalArgumentException("rope scheme '" + text + "': nothing after ':'; " + name + " takes " + keys);
            }
            for (String part : list.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("rope scheme '" + text + "': parameter '" + part
                            + "' is not key=value; " + name + " takes " + keys);
                }
                String key = part.substring(0, eq).strip();
                String value = part.substring(eq + 1).strip();
                if (!keys.contains(key)) {
                    throw new IllegalArgumentException("rope scheme '" + text + "': unknown key '" + key + "' for "
                            + name + "; " + name + " takes " + (keys.isEmpty() ? "no parameters" : keys));
                }
                if (params.containsKey(key)) {
                    throw new IllegalArgumentException("rope scheme '" + text + "': key '" + key + "' given twice");
                }
                double v;
                try {
                    v = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("rope scheme '" + text + "': value '" + value + "' of key '"
                            + key + "' is not a number", e);
                }
                params.put(key, v);
            }
        }
        for (String required : REQUIRED.getOrDefault(name, List.of())) {
            if (!params.containsKey(required)) {
                throw new IllegalArgumentException("rope scheme '" + text + "': " + name + " needs key '" + required
                        + "' (e.g. " + example(name) + ")");
            }
        }
        RopeScheme scheme;
        try {
            scheme = build(name, params);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rope scheme '" + text + "': " + e.getMessage(), e);
        }
        return logn ? scheme.withLogn() : scheme;
    }

    private static String example(String name) {
        return switch (name) {
            case "leaky-rerope" -> "leaky-rerope:w=128,k=8";
            default -> name + ":w=128";
        };
    }

    private static RopeScheme build(String name, Map<String, Double> p) {
        OptionalDouble factor = p.containsKey("factor") ? OptionalDouble.of(p.get("factor")) : OptionalDouble.empty();
        return switch (name) {
            case "rope" -> new RopeScheme.Plain();
            case "linear" -> new RopeScheme.Linear(factor);
            case "ntk" -> new RopeScheme.Ntk(factor);
            case "dynamic-ntk" -> new RopeScheme.DynamicNtk(p.getOrDefault("factor", 1.0));
            case "ntk-mixed" -> new RopeScheme.NtkMixed(factor, p.getOrDefault("b", RopeScheme.NtkMixed.DEFAULT_BETA));
            case "yarn" -> new RopeScheme.Yarn(factor, p.getOrDefault("fast", RopeScheme.Yarn.DEFAULT_FAST),
                    p.getOrDefault("slow", RopeScheme.Yarn.DEFAULT_SLOW));
            case "llama3" -> new RopeScheme.Llama3(factor, p.getOrDefault("low", RopeScheme.Llama3.DEFAULT_LOW),
                    p.getOrDefault("high", RopeScheme.Llama3.DEFAULT_HIGH));
            case "rerope" -> new RopeScheme.ReRope(window(p.get("w")));
            case "leaky-rerope" -> new RopeScheme.LeakyReRope(window(p.get("w")), p.get("k"));
            case "local" -> new RopeScheme.Local(window(p.get("w")));
            default -> throw new AssertionError(name);
        };
    }

    private static int window(double w) {
        if (w != Math.rint(w) || w < 1 || w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window w must be a whole number >= 1, got " + num(w));
        }
        return (int) w;
    }

    // ---- validation and formatting shared by the records ----

    static void checkFactor(OptionalDouble factor) {
        if (factor == null) {
            throw new IllegalArgumentException("factor must not be null (use OptionalDouble.empty() for n/L)");
        }
        if (factor.isPresent()) {
            checkPositive("factor", factor.getAsDouble());
        }
    }

    static void checkPositive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(key + " must be a finite number > 0, got " + v);
        }
    }

    static void checkWindow(int w) {
        if (w < 1) {
            throw new IllegalArgumentException("window w must be >= 1, got " + w);
        }
    }

    /** Shortest decimal form: 2.0 → "2", 0.75 → "0.75". */
    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** name, then factor when given, then each (key, value, default) triple whose value is not its default. */
    static String format(String name, String factorKey, OptionalDouble factor, Object... keyValueDefault) {
        StringBuilder sb = new StringBuilder();
        if (factor.isPresent()) {
            sb.append(factorKey).append('=').append(num(factor.getAsDouble()));
        }
        for (int i = 0; i < keyValueDefault.length; i += 3) {
            double v = (Double) keyValueDefault[i + 1];
            double d = (Double) keyValueDefault[i + 2];
            if (v != d) {
                if (!sb.isEmpty()) sb.append(',');
                sb.append(keyValueDefault[i]).append('=').append(num(v));
            }
        }
        return sb.isEmpty() ? name : name + ":" + sb;
    }
}
