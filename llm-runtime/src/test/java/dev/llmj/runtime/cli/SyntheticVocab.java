package dev.llmj.runtime.cli;

import dev.llmj.tensor.gguf.GgufArray;
import dev.llmj.tensor.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A vocabulary-only GGUF of 32000 tokens, so synth tests do not depend on ../shared. */
final class SyntheticVocab {
    private SyntheticVocab() {}

    static Path write(Path file) throws IOException {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        int[] types = new int[32000];
        java.util.Arrays.fill(types, 1);
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            types[tokens.size()] = 6;
            tokens.add(String.format("<0x%02X>", b));
        }
        while (tokens.size() < 32000) {
            tokens.add("▁w" + tokens.size());
        }
        new GgufWriter().putString("tokenizer.ggml.model", "llama")
                .putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens))
                .putArray("tokenizer.ggml.scores", GgufArray.ofFloats(new float[32000]))
                .putArray("tokenizer.ggml.token_type", GgufArray.ofInts(types))
                .write(file);
        return file;
    }
}
