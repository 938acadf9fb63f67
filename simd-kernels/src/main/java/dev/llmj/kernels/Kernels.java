package dev.llmj.kernels;

import dev.llmj.kernels.scalar.ScalarGemvBatch;
import dev.llmj.kernels.scalar.ScalarKernelFactory;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The kernel facade: validates every argument once, then calls the chosen implementation, whose
 * inner loops only assert.
 *
 * <p>{@link #get()} is chosen once at start-up: the Vector-API implementation when the
 * {@code jdk.incubator.vector} module is present, unless {@code -Dllmj.kernels=scalar}. The vector
 * classes are loaded by name only in that case, so this class links without the incubator module.
 * {@link #scalar()} and {@link #vector()} give each implementation explicitly, so tests compare
 * them in one JVM.
 */
public final class Kernels implements DotKernels, MatrixKernels, GemvBatchKernels, ActivationKernels {
    private static final String VECTOR_FACTORY = "dev.llmj.kernels.vector.VectorKernelFactory";
    private static final String VECTOR_GEMV_BATCH = "dev.llmj.kernels.vector.VectorGemvBatch";

    private static final class Holder {
        static final Kernels SCALAR = new Kernels(new ScalarKernelFactory(), KernelExecutor.shared());
        static final Kernels CHOSEN = choose();
    }

    private static final class VectorHolder {
        static final Kernels VECTOR = new Kernels(loadVectorFactory(), KernelExecutor.shared());
    }

    private final KernelFactory factory;
    private final KernelExecutor executor;
    private final DotKernels dot;
    private final ActivationKernels act;
    private final MatrixKernels matrix;
    private final GemvBatchKernels batch;

    private Kernels(KernelFactory factory, KernelExecutor executor) {
        this.factory = factory;
        this.executor = executor;
        this.dot = factory.dot();
        this.act = factory.activations();
        this.matrix = factory.matrix(executor);
        this.batch = factory instanceof ScalarKernelFactory
                ? new ScalarGemvBatch(dot, executor, floatLanes())
                : loadVectorGemvBatch(matrix, executor);
    }

    /**
     * Float lanes of the vector kernels, which fix the per-pair order of {@link #gemvBatchF32} that
     * the scalar twin mirrors; 8 when the Vector API is absent (VectorWidths is then never loaded).
     */
    private static int floatLanes() {
        return vectorModulePresent() ? VectorWidths.F_LANES : 8;
    }

    /** The implementation chosen at start-up, on the shared executor. */
    public static Kernels get() {
        return Holder.CHOSEN;
    }

    /** The scalar reference implementation. */
    public static Kernels scalar() {
        return Holder.SCALAR;
    }

    /** The Vector-API implementation; throws when {@code jdk.incubator.vector} is not in the boot layer. */
    public static Kernels vector() {
        if (!vectorModulePresent()) {
            throw new UnsupportedOperationException(
                    "the Vector API module is absent: start the JVM with --add-modules jdk.incubator.vector");
        }
        return VectorHolder.VECTOR;
    }

    /** True when the JVM was started with {@code --add-modules jdk.incubator.vector}. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The same implementation running its parallel kernels on {@code executor}. */
    public Kernels withExecutor(KernelExecutor executor) {
        return new Kernels(factory, Objects.requireNonNull(executor, "executor"));
    }

    /** "scalar" or "vector-&lt;bits&gt;". */
    public String name() {
        return factory.name();
    }

    public boolean isVector() {
        return !(factory instanceof ScalarKernelFactory);
    }

    public KernelExecutor executor() {
        return executor;
    }

    @Override
    public String toString() {
        return "Kernels[" + name() + ", " + executor.threads() + " threads]";
    }

    private static Kernels choose() {
        String want = System.getProperty("llmj.kernels", "auto").trim();
        switch (want) {
            case "scalar":
                return scalar();
            case "vector":
                return vector();
            case "auto", "":
                return vectorModulePresent() ? vector() : scalar();
            default:
                throw new IllegalArgumentException("llmj.kernels must be auto, scalar or vector, got " + want);
        }
    }

    private static KernelFactory loadVectorFactory() {
        try {
            return (KernelFactory) Class.forName(VECTOR_FACTORY).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load " + VECTOR_FACTORY, e);
        }
    }

    private static GemvBatchKernels loadVectorGemvBatch(MatrixKernels matrix, KernelExecutor executor) {
        try {
            return (GemvBatchKernels) Class.forName(VECTOR_GEMV_BATCH)
                    .getDeclaredConstructor(MatrixKernels.class, KernelExecutor.class).newInstance(matrix, executor);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load " + VECTOR_GEMV_BATCH, e);
        }
    }

    // ---- dots ---------------------------------------------------------------------------------

    private static void pair(MemorySegment a, long aOff, DType ta, MemorySegment b, long bOff, DType tb, int n) {
        Checks.length("n", n);
        Checks.span("a", a, aOff, n, ta);
        Checks.span("b", b, bOff, n, tb);
    }

    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        pair(a, aOff, DType.F32, b, bOff, DType.F32, n);
        return dot.dot(a, aOff, b, bOff, n);
    }

    public float dotF16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        pair(a, aOff, DType.F16, b, bOff, DType.F32, n);
        return dot.dotF16(a, aOff, b, bOff, n);
    }

    public float dotBf16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        pair(a, aOff, DType.BF16, b, bOff, DType.F32, n);
        return dot.dotBf16(a, aOff, b, bOff, n);
    }

    public float dotQ8_0(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        pair(a, aOff, DType.Q8_0, b, bOff, DType.Q8_0, n);
        return dot.dotQ8_0(a, aOff, b, bOff, n);
    }

    public float dotQ4_0(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        pair(w, wOff, DType.Q4_0, x, xOff, DType.Q8_0, n);
        return dot.dotQ4_0(w, wOff, x, xOff, n);
    }

    public float dotQ4_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        pair(w, wOff, DType.Q4_K, x, xOff, DType.F32, n);
        return dot.dotQ4_K(w, wOff, x, xOff, n);
    }

    public float dotQ6_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        pair(w, wOff, DType.Q6_K, x, xOff, DType.F32, n);
        return dot.dotQ6_K(w, wOff, x, xOff, n);
    }

    public float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        pair(a, aOff, DType.F32, b, bOff, DType.F32, n);
        return dot.cosine(a, aOff, b, bOff, n);
    }

    public float euclidean(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        pair(a, aOff, DType.F32, b, bOff, DType.F32, n);
        return dot.euclidean(a, aOff, b, bOff, n);
    }

    public void quantizeQ8_0(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        pair(src, srcOff, DType.F32, dst, dstOff, DType.Q8_0, n);
        dot.quantizeQ8_0(src, srcOff, dst, dstOff, n);
    }

    // ---- matrices -----------------------------------------------------------------------------

    public void gemv(Tensor w, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        Checks.f32("x", x, xOff, wm.cols());
        Checks.f32("y", y, yOff, wm.rows());
        matrix.gemv(w, x, xOff, y, yOff);
    }

    public void gemm(Tensor w, MemorySegment a, long aOff, int m, MemorySegment c, long cOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        Checks.length("m", m);
        Checks.f32("a (" + m + "×" + wm.cols() + ")", a, aOff, (long) m * wm.cols());
        Checks.f32("c (" + m + "×" + wm.rows() + ")", c, cOff, (long) m * wm.rows());
        matrix.gemm(w, a, aOff, m, c, cOff);
    }

    /** b GEMVs in one pass over the weights, each bit-identical to {@link #gemv} (see {@link GemvBatchKernels}). */
    public void gemvBatch(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        checkBatch(b, wm.rows(), wm.cols(), xs, xOff, ys, yOff);
        batch.gemvBatch(w, xs, xOff, b, ys, yOff);
    }

    /** {@link #gemvBatch} with F32 activations for Q8_0/Q4_0 weights (see {@link GemvBatchKernels#gemvBatchF32}). */
    public void gemvBatchF32(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        checkBatch(b, wm.rows(), wm.cols(), xs, xOff, ys, yOff);
        batch.gemvBatchF32(w, xs, xOff, b, ys, yOff);
    }

    /** {@link #gemm} of one A against weights of one width, into {@code cs[i]} (see {@link MatrixKernels#gemmGroup}). */
    @Override
    public void gemmGroup(Tensor[] ws, MemorySegment a, long aOff, int m, MemorySegment[] cs) {
        Checks.length("m", m);
        checkGroup(ws, "a", a, aOff, m, "cs", cs);
        matrix.gemmGroup(ws, a, aOff, m, cs);
    }

    /**
     * {@link #gemm} against an interleaved copy: the same bits as {@code gemm(w.source(), ...)}
     * (see {@link MatrixKernels#gemmGroup(InterleavedWeights[], MemorySegment, long, int, MemorySegment[])}).
     */
    public void gemm(InterleavedWeights w, MemorySegment a, long aOff, int m, MemorySegment c, long cOff) {
        Objects.requireNonNull(w, "w");
        Checks.length("m", m);
        Checks.f32("c (" + m + "×" + w.rows() + ")", c, cOff, (long) m * w.rows());
        gemmGroup(new InterleavedWeights[] {w}, a, aOff, m, new MemorySegment[] {c.asSlice(cOff, 4L * m * w.rows())});
    }

    /** {@link #gemmGroup(Tensor[], MemorySegment, long, int, MemorySegment[])} against interleaved copies (see {@link #gemm(InterleavedWeights, MemorySegment, long, int, MemorySegment, long)}). */
    @Override
    public void gemmGroup(InterleavedWeights[] ws, MemorySegment a, long aOff, int m, MemorySegment[] cs) {
        Checks.length("m", m);
        Tensor[] sources = new Tensor[ws.length];
        for (int i = 0; i < ws.length; i++) {
            sources[i] = Objects.requireNonNull(ws[i], "ws[" + i + "]").source();
        }
        checkGroup(sources, "a", a, aOff, m, "cs", cs);
        matrix.gemmGroup(ws, a, aOff, m, cs);
    }

    @Override
    public boolean gemmReadsCopy(InterleavedWeights w) {
        return matrix.gemmReadsCopy(w);
    }

    /** {@link #gemvBatchF32} of the same vectors against weights of one width (see {@link GemvBatchKernels#gemvBatchF32Group}). */
    @Override
    public void gemvBatchF32Group(Tensor[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        if (b < 1) {
            throw new IllegalArgumentException("b must be ≥ 1 vectors, got " + b);
        }
        checkGroup(ws, "xs", xs, xOff, b, "ys", ys);
        batch.gemvBatchF32Group(ws, xs, xOff, b, ys);
    }

    /**
     * b GEMVs against interleaved Q4_0 weights with Q8_0 activations, each bit-identical to the
     * scalar {@code dotQ4_0} of its source row (see {@link GemvBatchKernels#gemvBatch(InterleavedQ4_0,
     * MemorySegment, long, int, MemorySegment, long)}).
     */
    @Override
    public void gemvBatch(InterleavedQ4_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        Objects.requireNonNull(w, "w");
        checkBatch(b, w.rows(), w.cols(), xs, xOff, ys, yOff);
        batch.gemvBatch(w, xs, xOff, b, ys, yOff);
    }

    /**
     * b GEMVs against interleaved Q6_K weights with Q8_0 activations (see {@link
     * GemvBatchKernels#gemvBatch(InterleavedQ6_K, MemorySegment, long, int, MemorySegment, long)}).
     */
    @Override
    public void gemvBatch(InterleavedQ6_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        Objects.requireNonNull(w, "w");
        checkBatch(b, w.rows(), w.cols(), xs, xOff, ys, yOff);
        batch.gemvBatch(w, xs, xOff, b, ys, yOff);
    }

    /** {@link #gemvBatch(InterleavedQ4_0, MemorySegment, long, int, MemorySegment, long)} against weights of one width, into {@code ys[i]}. */
    @Override
    public void gemvBatchGroup(InterleavedQ4_0[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        checkInterleavedGroup(ws, xs, xOff, b, ys);
        batch.gemvBatchGroup(ws, xs, xOff, b, ys);
    }

    /**
     * b GEMVs against interleaved Q8_0 weights with Q8_0 activations, each bit-identical to the
     * scalar {@code dotQ8_0} of its source row (see {@link GemvBatchKernels#gemvBatch(InterleavedQ8_0,
     * MemorySegment, long, int, MemorySegment, long)}).
     */
    @Override
    public void gemvBatch(InterleavedQ8_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        Objects.requireNonNull(w, "w");
        checkBatch(b, w.rows(), w.cols(), xs, xOff, ys, yOff);
        batch.gemvBatch(w, xs, xOff, b, ys, yOff);
    }

    /** {@link #gemvBatch(InterleavedQ8_0, MemorySegment, long, int, MemorySegment, long)} against weights of one width, into {@code ys[i]}. */
    @Override
    public void gemvBatchGroup(InterleavedQ8_0[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        checkInterleavedGroup(ws, xs, xOff, b, ys);
        batch.gemvBatchGroup(ws, xs, xOff, b, ys);
    }

    /**
     * The K-quant GEMVs of the same vectors against weights of one width (Q4_K and Q6_K copies in
     * any mix), into {@code ys[i]} (see {@link GemvBatchKernels#gemvBatchKQuantGroup}).
     *
     * @throws IllegalArgumentException when a weight is not a Q4_K or Q6_K copy, or shapes disagree
     */
    @Override
    public void gemvBatchKQuantGroup(InterleavedWeights[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        checkInterleavedGroup(ws, xs, xOff, b, ys);
        for (int i = 0; i < ws.length; i++) {
            if (!(ws[i] instanceof InterleavedQ4_K || ws[i] instanceof InterleavedQ6_K)) {
                throw new IllegalArgumentException("ws[" + i + "] is not a Q4_K or Q6_K copy: " + ws[i].source());
            }
        }
        batch.gemvBatchKQuantGroup(ws, xs, xOff, b, ys);
    }

    /** {@link #checkGroup} of interleaved weights' sources, for b ≥ 1 vectors. */
    private static void checkInterleavedGroup(InterleavedWeights[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        if (b < 1) {
            throw new IllegalArgumentException("b must be ≥ 1 vectors, got " + b);
        }
        Tensor[] sources = new Tensor[ws.length];
        for (int i = 0; i < ws.length; i++) {
            sources[i] = Objects.requireNonNull(ws[i], "ws[" + i + "]").source();
        }
        checkGroup(sources, "xs", xs, xOff, b, "ys", ys);
    }

    /** b ≥ 1 vectors of {@code cols} floats in xs and room for b of {@code rows} in ys. */
    private static void checkBatch(int b, int rows, int cols, MemorySegment xs, long xOff, MemorySegment ys, long yOff) {
        if (b < 1) {
            throw new IllegalArgumentException("b must be ≥ 1 vectors, got " + b);
        }
        Checks.f32("xs (" + b + "×" + cols + ")", xs, xOff, (long) b * cols);
        Checks.f32("ys (" + b + "×" + rows + ")", ys, yOff, (long) b * rows);
    }

    /**
     * A group's weights share one width K; its input holds {@code count} rows of K floats and each
     * output {@code count} rows of its weight's row count, from byte 0.
     */
    private static void checkGroup(Tensor[] ws, String inName, MemorySegment in, long inOff, int count,
            String outName, MemorySegment[] outs) {
        if (ws.length == 0 || ws.length != outs.length) {
            throw new IllegalArgumentException("a group needs one output per weight and at least one weight, got "
                    + ws.length + " weights and " + outs.length + " outputs");
        }
        int k = WeightMatrix.of(ws[0]).cols();
        for (int i = 1; i < ws.length; i++) {
            int ki = WeightMatrix.of(ws[i]).cols();
            if (ki != k) {
                throw new IllegalArgumentException("weights of a group must have one width: ws[0] has " + k
                        + " columns, ws[" + i + "] has " + ki);
            }
        }
        Checks.f32(inName + " (" + count + "×" + k + ")", in, inOff, (long) count * k);
        for (int i = 0; i < ws.length; i++) {
            int rows = WeightMatrix.of(ws[i]).rows();
            Checks.f32(outName + "[" + i + "] (" + count + "×" + rows + ")", outs[i], 0, (long) count * rows);
        }
    }

    public void sgemm(int m, int n, int k, MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            MemorySegment c, long cOff, int ldc) {
        Checks.length("m", m);
        Checks.length("n", n);
        Checks.length("k", k);
        Checks.matrix("a", a, aOff, m, k, lda);
        Checks.matrix("b", b, bOff, n, k, ldb);
        Checks.matrix("c", c, cOff, m, n, ldc);
        matrix.sgemm(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    // ---- activations --------------------------------------------------------------------------

    public void rmsnorm(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment w, long wOff, int n,
            float eps) {
        Checks.length("n", n);
        Checks.f32("out", out, outOff, n);
        Checks.f32("x", x, xOff, n);
        Checks.f32("weight", w, wOff, n);
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps must be ≥ 0, got " + eps);
        }
        act.rmsnorm(out, outOff, x, xOff, w, wOff, n, eps);
    }

    /** Plain softmax in place (temperature 1, no mask). */
    public void softmax(MemorySegment x, long off, int n) {
        softmax(x, off, n, 1f, null, 0);
    }

    public void softmax(MemorySegment x, long off, int n, float temperature, MemorySegment mask, long maskOff) {
        Checks.length("n", n);
        Checks.f32("x", x, off, n);
        if (mask != null) {
            Checks.f32("mask", mask, maskOff, n);
        }
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        act.softmax(x, off, n, temperature, mask, maskOff);
    }

    public void logSoftmax(MemorySegment x, long off, int n) {
        Checks.length("n", n);
        Checks.f32("x", x, off, n);
        act.logSoftmax(x, off, n);
    }

    public void silu(MemorySegment out, long outOff, MemorySegment x, long xOff, int n) {
        Checks.length("n", n);
        Checks.f32("out", out, outOff, n);
        Checks.f32("x", x, xOff, n);
        act.silu(out, outOff, x, xOff, n);
    }

    public void swiglu(MemorySegment out, long outOff, MemorySegment gate, long gateOff, MemorySegment up, long upOff,
            int n) {
        Checks.length("n", n);
        Checks.f32("out", out, outOff, n);
        Checks.f32("gate", gate, gateOff, n);
        Checks.f32("up", up, upOff, n);
        act.swiglu(out, outOff, gate, gateOff, up, upOff, n);
    }

    public void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        Checks.length("n", n);
        Checks.f32("out", out, outOff, n);
        pair(a, aOff, DType.F32, b, bOff, DType.F32, n);
        act.add(out, outOff, a, aOff, b, bOff, n);
    }

    public void mul(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        Checks.length("n", n);
        Checks.f32("out", out, outOff, n);
        pair(a, aOff, DType.F32, b, bOff, DType.F32, n);
        act.mul(out, outOff, a, aOff, b, bOff, n);
    }

    public void scale(MemorySegment out, long outOff, MemorySegment x, long xOff, float s, int n) {
        Checks.length("n", n);
        Checks.f32("out", out, outOff, n);
        Checks.f32("x", x, xOff, n);
        act.scale(out, outOff, x, xOff, s, n);
    }

    public int argmax(MemorySegment x, long off, int n) {
        Checks.length("n", n);
        Checks.f32("x", x, off, n);
        return act.argmax(x, off, n);
    }

    public int topK(MemorySegment x, long off, int n, int k, int[] out) {
        Checks.length("n", n);
        Checks.f32("x", x, off, n);
        Objects.requireNonNull(out, "out");
        if (k < 0 || k > n || k > out.length) {
            throw new IllegalArgumentException("k = " + k + " must be in 0.." + Math.min(n, out.length)
                    + " (n = " + n + ", out.length = " + out.length + ")");
        }
        return act.topK(x, off, n, k, out);
    }

    /** b GEMVs against interleaved Q4_K weights with Q8_0 activations (see {@link GemvBatchKernels}). */
    @Override
    public void gemvBatch(InterleavedQ4_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        Objects.requireNonNull(w, "w");
        checkBatch(b, w.rows(), w.cols(), xs, xOff, ys, yOff);
        batch.gemvBatch(w, xs, xOff, b, ys, yOff);
    }
}
