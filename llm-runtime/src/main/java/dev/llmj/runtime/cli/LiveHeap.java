package dev.llmj.runtime.cli;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The most heap still in use right after a garbage collection: what a run actually keeps alive.
 * Peak heap usage ({@code peak_heap_mib}) also counts garbage the collector has not yet reclaimed,
 * which on a big machine is most of it (0.8–1.5 GiB for a 110m model whose live heap is a few
 * tens of MiB). Sampled from every collection's after-GC pool sizes, and once more after a
 * collection requested when the peak is read.
 */
final class LiveHeap {
    private final AtomicLong peak = new AtomicLong();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());

    private LiveHeap() {}

    /** Starts listening to the collectors of this JVM. */
    static LiveHeap track() {
        LiveHeap h = new LiveHeap();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, hb) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                        h.record(info.getGcInfo().getMemoryUsageAfterGc());
                    }
                }, null, null);
            }
        }
        return h;
    }

    private void record(Map<String, MemoryUsage> afterGc) {
        long used = afterGc.entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getUsed()).sum();
        peak.accumulateAndGet(used, Math::max);
    }

    /** The peak so far, including the heap in use after a collection requested now, in MiB. */
    double peakMiB() {
        System.gc();
        long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return Math.max(peak.get(), now) / (1024.0 * 1024.0);
    }
}
