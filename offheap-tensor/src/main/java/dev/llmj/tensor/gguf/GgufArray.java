package dev.llmj.tensor.gguf;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A GGUF metadata array: an element type and its elements.
 *
 * <p>Elements are stored compactly (a {@code long[]} for every integer type, {@code float[]},
 * {@code double[]}, {@code boolean[]}, {@code String[]}, or nested arrays), because vocabulary
 * arrays hold 32,000–150,000 tokens, scores and token types; {@link #values()} is a view that boxes
 * on access. Instances are immutable.
 */
public final class GgufArray {
    private final GgufType elementType;
    /** long[] (integer types), float[], double[], boolean[], String[] or GgufArray[]. */
    private final Object data;
    private final int size;

    /** Takes ownership of {@code data}, whose class must match {@code elementType} (see above). */
    GgufArray(GgufType elementType, Object data) {
        this.elementType = Objects.requireNonNull(elementType, "elementType");
        this.data = Objects.requireNonNull(data, "data");
        this.size = java.lang.reflect.Array.getLength(data);
        assert data.getClass() == storageClass(elementType) : data.getClass() + " for " + elementType;
    }

    /** An array of {@code values}, each of which must have type {@code elementType}. */
    public GgufArray(GgufType elementType, List<GgufValue> values) {
        this(elementType, toStorage(elementType, values));
    }

    static Class<?> storageClass(GgufType t) {
        return switch (t) {
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
            default -> long[].class;
        };
    }

    static Object newStorage(GgufType t, int n) {
        return java.lang.reflect.Array.newInstance(storageClass(t).getComponentType(), n);
    }

    private static Object toStorage(GgufType t, List<GgufValue> values) {
        Object store = newStorage(t, values.size());
        for (int i = 0; i < values.size(); i++) {
            GgufValue v = values.get(i);
            if (v.type() != t) {
                throw new IllegalArgumentException("element " + i + " of a " + t + " array has type " + v.type());
            }
            switch (store) {
                case long[] a -> a[i] = v.asLong();
                case float[] a -> a[i] = (Float) v.value();
                case double[] a -> a[i] = (Double) v.value();
                case boolean[] a -> a[i] = v.asBoolean();
                case String[] a -> a[i] = v.asString();
                case GgufArray[] a -> a[i] = v.asArray();
                default -> throw new AssertionError(store);
            }
        }
        return store;
    }

    // ---- factories ----------------------------------------------------------------------------

    public static GgufArray ofStrings(List<String> strings) {
        String[] a = strings.toArray(new String[0]);
        for (String s : a) {
            Objects.requireNonNull(s, "string element");
        }
        return new GgufArray(GgufType.STRING, a);
    }

    public static GgufArray ofFloats(float... values) {
        return new GgufArray(GgufType.FLOAT32, values.clone());
    }

    public static GgufArray ofDoubles(double... values) {
        return new GgufArray(GgufType.FLOAT64, values.clone());
    }

    public static GgufArray ofBooleans(boolean... values) {
        return new GgufArray(GgufType.BOOL, values.clone());
    }

    /** INT32 elements (the type of {@code tokenizer.ggml.token_type}). */
    public static GgufArray ofInts(int... values) {
        return ofIntegers(GgufType.INT32, Arrays.stream(values).asLongStream().toArray());
    }

    /** Elements of any integer type; each value is range-checked against it. */
    public static GgufArray ofIntegers(GgufType type, long... values) {
        if (!type.isInteger()) {
            throw new IllegalArgumentException(type + " is not an integer type");
        }
        for (long v : values) {
            new GgufValue(type, v); // range check
        }
        return new GgufArray(type, values.clone());
    }

    public static GgufArray ofArrays(List<GgufArray> arrays) {
        return new GgufArray(GgufType.ARRAY, arrays.toArray(new GgufArray[0]));
    }

    // ---- access -------------------------------------------------------------------------------

    public GgufType elementType() {
        return elementType;
    }

    public int size() {
        return size;
    }

    /** Element {@code i}, boxed. */
    public GgufValue get(int i) {
        Objects.checkIndex(i, size);
        return switch (data) {
            case long[] a -> new GgufValue(elementType, a[i]);
            case float[] a -> new GgufValue(elementType, a[i]);
            case double[] a -> new GgufValue(elementType, a[i]);
            case boolean[] a -> new GgufValue(elementType, a[i]);
            case String[] a -> new GgufValue(elementType, a[i]);
            case GgufArray[] a -> new GgufValue(elementType, a[i]);
            default -> throw new AssertionError(data);
        };
    }

    /** All elements as boxed values (a read-only view). */
    public List<GgufValue> values() {
        return new AbstractList<>() {
            @Override
            public GgufValue get(int i) {
                return GgufArray.this.get(i);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    private IllegalStateException wrongType(String expected) {
        return new IllegalStateException("expected a GGUF array of " + expected + ", found an array of "
                + size + " " + elementType);
    }

    /** The elements of a STRING array, as a read-only view. */
    public List<String> asStrings() {
        if (!(data instanceof String[] a)) {
            throw wrongType("STRING");
        }
        return Collections.unmodifiableList(Arrays.asList(a));
    }

    /** A copy of the elements of any numeric array as floats (FLOAT32 exactly). */
    public float[] asFloats() {
        return switch (data) {
            case float[] a -> a.clone();
            case double[] a -> {
                float[] f = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    f[i] = (float) a[i];
                }
                yield f;
            }
            case long[] a -> {
                float[] f = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    f[i] = a[i];
                }
                yield f;
            }
            default -> throw wrongType("numbers");
        };
    }

    /** A copy of the elements of an integer array; every value must fit in an int. */
    public int[] asInts() {
        if (!(data instanceof long[] a)) {
            throw wrongType("integers");
        }
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != (int) a[i] || (elementType == GgufType.UINT64 && a[i] < 0)) {
                throw new IllegalStateException("element " + i + " of a " + elementType + " array ("
                        + a[i] + ") does not fit in an int");
            }
            out[i] = (int) a[i];
        }
        return out;
    }

    /** A copy of the elements of an integer array (UINT64 keeps its bit pattern). */
    public long[] asLongs() {
        if (!(data instanceof long[] a)) {
            throw wrongType("integers");
        }
        return a.clone();
    }

    /** The nested arrays of an ARRAY array, as a read-only view. */
    public List<GgufArray> asArrays() {
        if (!(data instanceof GgufArray[] a)) {
            throw wrongType("ARRAY");
        }
        return Collections.unmodifiableList(Arrays.asList(a));
    }

    /** Raw storage for the writer (not copied; do not modify). */
    Object storage() {
        return data;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GgufArray other) || other.elementType != elementType) {
            return false;
        }
        return Arrays.deepEquals(new Object[] {data}, new Object[] {other.data});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {data});
    }

    @Override
    public String toString() {
        return "GgufArray[" + size + " " + elementType + "]";
    }
}
