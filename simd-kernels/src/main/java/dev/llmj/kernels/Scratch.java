package dev.llmj.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread scratch buffers for kernels: 64-byte aligned, grown on demand and then reused, so hot
 * paths allocate nothing. The memory is GC-managed ({@link Arena#ofAuto()}) and readable by every
 * thread, so a caller may fill a buffer that pool workers then read during the same call.
 */
public final class Scratch {
    private Scratch() {}

    /** Buffer roles; each thread has one buffer per role, so roles can be used at the same time. */
    public enum Slot { ACTIVATIONS_Q8, PACKED_A, WEIGHT_PANEL, ROW, BATCH_ACTIVATIONS }

    private static final ThreadLocal<MemorySegment[]> BUFFERS =
            ThreadLocal.withInitial(() -> new MemorySegment[Slot.values().length]);

    /** A buffer of at least {@code bytes} bytes for this thread and slot (contents undefined). */
    public static MemorySegment get(Slot slot, long bytes) {
        MemorySegment[] mine = BUFFERS.get();
        MemorySegment s = mine[slot.ordinal()];
        if (s == null || s.byteSize() < bytes) {
            long size = Math.max(bytes, s == null ? 4096 : Math.min(Long.MAX_VALUE / 2, s.byteSize() * 2));
            s = Arena.ofAuto().allocate(Math.max(size, 64), 64);
            mine[slot.ordinal()] = s;
        }
        return s;
    }

    /**
     * The float[] {@code slot} holds for this thread, replaced by a larger one when it is shorter
     * than {@code floats} (contents undefined). Kernels read heap arrays where a segment access
     * would carry its checks into a hot loop.
     */
    public static float[] floats(ThreadLocal<float[]> slot, int floats) {
        float[] a = slot.get();
        if (a.length < floats) {
            a = new float[floats];
            slot.set(a);
        }
        return a;
    }

    /** {@link #floats} for int[]s. */
    public static int[] ints(ThreadLocal<int[]> slot, int ints) {
        int[] a = slot.get();
        if (a.length < ints) {
            a = new int[ints];
            slot.set(a);
        }
        return a;
    }
}
