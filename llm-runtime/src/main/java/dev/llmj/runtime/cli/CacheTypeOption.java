package dev.llmj.runtime.cli;

import dev.llmj.rope.attention.KvType;
import picocli.CommandLine.Option;

/** {@code --cache-type}, for the commands that keep a KV cache across tokens. */
final class CacheTypeOption {
    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f32",
            description = "KV cache element type: f32 (exact), f16 (half the memory and the bytes each decode step "
                    + "reads per position, llama.cpp's default; keys and values rounded once) or q8_0 (int8 with a scale "
                    + "per 32 elements: 1.125 bytes per element; head dims that are multiples of 32) "
                    + "(default: ${DEFAULT-VALUE})")
    String cacheType;

    KvType kvType() {
        return KvType.parse(cacheType);
    }
}
