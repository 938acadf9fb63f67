package dev.llmj.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.runtime.tokenizer.Tokenizer;
import dev.llmj.runtime.tokenizer.Tokenizers;
import dev.llmj.tensor.gguf.GgufFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llm tokenize}: text to token ids with a model's (or a vocabulary-only GGUF's) tokenizer. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text (no BOS unless --bos). Works on vocabulary-only GGUF files.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "GGUF file (model or vocabulary only) or llama2.c checkpoint / tokenizer.bin")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer.bin (default: beside a checkpoint)")
    Path tokenizer;

    static final class Input {
        @Option(names = "--text", required = true, description = "the text") String text;
        @Option(names = "--file", required = true, paramLabel = "FILE", description = "read the text from FILE (UTF-8)") Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--bos", description = "start with the BOS token")
    boolean bos;

    @Option(names = "--json", description = "print a JSON array")
    boolean json;

    @Override
    public Integer call() throws IOException {
        String text = input.text != null ? input.text : Files.readString(input.file, StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            int[] ids = open(arena).encode(text, bos);
            System.out.println(json ? new ObjectMapper().writeValueAsString(ids)
                    : Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        }
        return 0;
    }

    private Tokenizer open(Arena arena) throws IOException {
        if (GgufFile.isGguf(model)) {
            return Tokenizers.fromGguf(GgufFile.open(model, arena));
        }
        if (model.getFileName().toString().equals("tokenizer.bin")) {
            throw new IllegalArgumentException("pass the llama2.c checkpoint as --model and this file as --tokenizer"
                    + " (the vocabulary size comes from the checkpoint)");
        }
        var ck = InspectCommand.openLlama2c(model, arena);
        Path tok = tokenizer != null ? tokenizer : model.resolveSibling("tokenizer.bin");
        return Tokenizers.fromLlama2c(tok, ck.config().vocabSize());
    }
}
