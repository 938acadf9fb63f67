package dev.llmj.tensor.gguf;

import java.util.Objects;

/**
 * One GGUF metadata value.
 *
 * <p>Java representation of {@link #value()} (normalised by the constructor, so equal values are
 * {@code equals}): UINT8, INT8, UINT16, INT16 and INT32 as {@link Integer}; UINT32, UINT64 and
 * INT64 as {@link Long} (a UINT64 above {@code Long.MAX_VALUE} keeps its bit pattern, i.e. reads
 * as negative; use {@link Long#toUnsignedString(long)}); FLOAT32 as {@link Float}; FLOAT64 as
 * {@link Double}; BOOL as {@link Boolean}; STRING as {@link String}; ARRAY as {@link GgufArray}.
 *
 * <p>The {@code as…} accessors throw {@link IllegalStateException} naming the expected and the
 * actual type.
 */
public record GgufValue(GgufType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        value = normalise(type, value);
    }

    private static Object normalise(GgufType type, Object v) {
        return switch (type) {
            case UINT8 -> intInRange(type, v, 0, 0xFF);
            case INT8 -> intInRange(type, v, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT16 -> intInRange(type, v, 0, 0xFFFF);
            case INT16 -> intInRange(type, v, Short.MIN_VALUE, Short.MAX_VALUE);
            case INT32 -> intInRange(type, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT32 -> {
                long l = integral(type, v);
                if (l < 0 || l > 0xFFFF_FFFFL) {
                    throw new IllegalArgumentException(l + " is out of range for UINT32");
                }
                yield l;
            }
            case UINT64, INT64 -> integral(type, v);
            case FLOAT32 -> require(type, v, Float.class);
            case FLOAT64 -> require(type, v, Double.class);
            case BOOL -> require(type, v, Boolean.class);
            case STRING -> require(type, v, String.class);
            case ARRAY -> require(type, v, GgufArray.class);
        };
    }

    private static Integer intInRange(GgufType type, Object v, long min, long max) {
        long l = integral(type, v);
        if (l < min || l > max) {
            throw new IllegalArgumentException(l + " is out of range for " + type);
        }
        return (int) l;
    }

    private static long integral(GgufType type, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        throw new IllegalArgumentException(type + " needs an Integer or Long, got " + v.getClass().getSimpleName());
    }

    private static <T> T require(GgufType type, Object v, Class<T> c) {
        if (!c.isInstance(v)) {
            throw new IllegalArgumentException(type + " needs a " + c.getSimpleName() + ", got " + v.getClass().getSimpleName());
        }
        return c.cast(v);
    }

    // ---- factories ----------------------------------------------------------------------------

    public static GgufValue uint8(int v) { return new GgufValue(GgufType.UINT8, v); }
    public static GgufValue int8(int v) { return new GgufValue(GgufType.INT8, v); }
    public static GgufValue uint16(int v) { return new GgufValue(GgufType.UINT16, v); }
    public static GgufValue int16(int v) { return new GgufValue(GgufType.INT16, v); }
    public static GgufValue uint32(long v) { return new GgufValue(GgufType.UINT32, v); }
    public static GgufValue int32(int v) { return new GgufValue(GgufType.INT32, v); }
    public static GgufValue uint64(long v) { return new GgufValue(GgufType.UINT64, v); }
    public static GgufValue int64(long v) { return new GgufValue(GgufType.INT64, v); }
    public static GgufValue float32(float v) { return new GgufValue(GgufType.FLOAT32, v); }
    public static GgufValue float64(double v) { return new GgufValue(GgufType.FLOAT64, v); }
    public static GgufValue bool(boolean v) { return new GgufValue(GgufType.BOOL, v); }
    public static GgufValue string(String v) { return new GgufValue(GgufType.STRING, v); }
    public static GgufValue array(GgufArray v) { return new GgufValue(GgufType.ARRAY, v); }

    // ---- typed access -------------------------------------------------------------------------

    private IllegalStateException wrongType(String expected) {
        return new IllegalStateException("expected a " + expected + " GGUF value, found " + type + " " + describe());
    }

    public String asString() {
        if (type != GgufType.STRING) {
            throw wrongType("STRING");
        }
        return (String) value;
    }

    /** Any integer type, widened (UINT64 keeps its bit pattern). */
    public long asLong() {
        if (!type.isInteger()) {
            throw wrongType("integer");
        }
        return ((Number) value).longValue();
    }

    /** Any integer type whose value fits in an int. */
    public int asInt() {
        long l = asLong();
        if (l != (int) l || (type == GgufType.UINT64 && l < 0)) {
            throw new IllegalStateException("GGUF " + type + " value " + describe() + " does not fit in an int");
        }
        return (int) l;
    }

    /** Any numeric type (UINT64 interpreted as unsigned). */
    public double asDouble() {
        if (!type.isNumeric()) {
            throw wrongType("numeric");
        }
        if (type == GgufType.UINT64 && (Long) value < 0) {
            return Double.parseDouble(Long.toUnsignedString((Long) value));
        }
        return ((Number) value).doubleValue();
    }

    public boolean asBoolean() {
        if (type != GgufType.BOOL) {
            throw wrongType("BOOL");
        }
        return (Boolean) value;
    }

    public GgufArray asArray() {
        if (type != GgufType.ARRAY) {
            throw wrongType("ARRAY");
        }
        return (GgufArray) value;
    }

    private String describe() {
        if (value instanceof GgufArray a) {
            return "of " + a.size() + " " + a.elementType();
        }
        String s = type == GgufType.UINT64 ? Long.toUnsignedString((Long) value) : String.valueOf(value);
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    @Override
    public String toString() {
        return type + ":" + (type == GgufType.STRING ? '"' + describe() + '"' : describe());
    }
}
