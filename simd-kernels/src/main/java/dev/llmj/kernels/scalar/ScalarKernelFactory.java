package dev.llmj.kernels.scalar;

import dev.llmj.kernels.ActivationKernels;
import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.KernelFactory;
import dev.llmj.kernels.MatrixKernels;

/** The scalar reference implementation of every kernel family. */
public final class ScalarKernelFactory implements KernelFactory {
    private final DotKernels dot = new ScalarDot();
    private final ActivationKernels activations = new ScalarActivations();

    public String name() {
        return "scalar";
    }

    public DotKernels dot() {
        return dot;
    }

    public ActivationKernels activations() {
        return activations;
    }

    public MatrixKernels matrix(KernelExecutor executor) {
        return new ScalarMatrix(dot, executor);
    }
}
