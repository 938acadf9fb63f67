package dev.llmj.runtime.cli;

import dev.llmj.tensor.gguf.GgufArray;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufTensorInfo;
import dev.llmj.tensor.gguf.GgufType;
import dev.llmj.tensor.gguf.GgufValue;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prints a GGUF file's header, metadata (long arrays abbreviated) and tensor table. */
final class GgufInspector {
    private GgufInspector() {}

    private static final int SHOWN_ELEMENTS = 8;

    static void print(Path path, Arena arena, PrintStream out) throws IOException {
        GgufFile f = GgufFile.open(path, arena);
        out.println("file: " + path);
        out.println("format: GGUF version " + f.version() + ", alignment " + f.alignment() + ", data at byte "
                + f.dataOffset());
        out.println("metadata: " + f.metadata().size() + " keys");
        int w = f.metadata().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, GgufValue> e : f.metadata().entrySet()) {
            out.printf("  %-" + w + "s  %s%n", e.getKey(), render(e.getValue()));
        }
        TensorTable table = new TensorTable();
        for (GgufTensorInfo t : f.tensorInfos()) {
            table.add(t.name(), t.dtype().name(), t.shape(), t.absoluteOffset(), t.byteSize());
        }
        table.print(out);
    }

    static String render(GgufValue v) {
        if (v.type() == GgufType.ARRAY) {
            GgufArray a = v.asArray();
            List<String> shown = new ArrayList<>();
            for (int i = 0; i < Math.min(SHOWN_ELEMENTS, a.size()); i++) {
                shown.add(render(a.get(i)));
            }
            String more = a.size() > SHOWN_ELEMENTS ? ", … (" + (a.size() - SHOWN_ELEMENTS) + " more)" : "";
            return "[" + a.elementType().name().toLowerCase() + " × " + a.size() + "] [" + String.join(", ", shown) + more + "]";
        }
        if (v.type() == GgufType.STRING) {
            String s = v.asString().replace("\n", "\\n");
            return '"' + (s.length() > 120 ? s.substring(0, 120) + "…" : s) + '"';
        }
        if (v.type() == GgufType.UINT64) {
            return Long.toUnsignedString(v.asLong());
        }
        return String.valueOf(v.value());
    }
}
