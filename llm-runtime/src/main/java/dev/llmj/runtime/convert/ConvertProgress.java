package dev.llmj.runtime.convert;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;

/** Told about each tensor as the converter writes it (for progress output). */
@FunctionalInterface
public interface ConvertProgress {
    ConvertProgress NONE = (index, count, name, source, target) -> {};

    /**
     * Tensor {@code index} (0-based) of {@code count}, named {@code name}, has been written in
     * {@code target} dtype from {@code source} (whose dtype is the input's).
     */
    void tensorWritten(int index, int count, String name, Tensor source, DType target);
}
