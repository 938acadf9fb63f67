package dev.llmj.kernels;

/** Builds one implementation of every kernel family (scalar or vector). */
public interface KernelFactory {
    /** "scalar", or "vector-&lt;bits&gt;". */
    String name();

    DotKernels dot();

    ActivationKernels activations();

    MatrixKernels matrix(KernelExecutor executor);
}
