package dev.llmj.kernels.vector;

import dev.llmj.kernels.ActivationKernels;
import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.KernelFactory;
import dev.llmj.kernels.MatrixKernels;
import dev.llmj.kernels.VectorWidths;

/**
 * The Vector-API implementation of every kernel family. Loaded by name from
 * {@link dev.llmj.kernels.Kernels} only when {@code jdk.incubator.vector} is present.
 */
public final class VectorKernelFactory implements KernelFactory {
    private final DotKernels dot = new VectorDot();
    private final ActivationKernels activations = new VectorActivations();

    public String name() {
        return "vector-" + VectorWidths.BITS;
    }

    public DotKernels dot() {
        return dot;
    }

    public ActivationKernels activations() {
        return activations;
    }

    public MatrixKernels matrix(KernelExecutor executor) {
        return new VectorMatrix(dot, executor);
    }
}
