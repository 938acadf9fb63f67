package dev.llmj.runtime.convert;

import dev.llmj.tensor.DType;

/** Told about each tensor as the converter writes it (for progress output). */
@FunctionalInterface
public interface ConvertProgress {
    ConvertProgress NONE = (index, count, name, shape, source, target) -> {};

    /**
     * Tensor {@code index} (0-based) of {@code count}, named {@code name}, of row-major
     * {@code shape}, has been written in {@code target} dtype from data of {@code source} dtype
     * (the input's, or the generator's).
     */
    void tensorWritten(int index, int count, String name, long[] shape, DType source, DType target);
}
