package dev.llmj.runtime.cli;

import dev.llmj.runtime.eval.TokenStream;
import dev.llmj.runtime.model.Model;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --text FILE | --tokens FILE}: the token stream an evaluation command reads. */
final class TokenInputOptions {
    @Option(names = "--text", paramLabel = "FILE",
            description = "UTF-8 text, tokenized with the model's tokenizer (no BOS, SentencePiece dummy prefix)")
    Path text;

    @Option(names = "--tokens", paramLabel = "FILE", description = "whitespace-separated token ids (no BOS is added)")
    Path tokens;

    /** Exactly one of the two must be given; a usage error (exit 2) otherwise. */
    void check(CommandLine cmd) {
        if ((text == null) == (tokens == null)) {
            throw new CommandLine.ParameterException(cmd, text == null
                    ? "give the input with --text FILE or --tokens FILE"
                    : "give either --text or --tokens, not both");
        }
    }

    TokenStream read(Model model) throws IOException {
        return text != null ? TokenStream.fromText(text, model.tokenizer())
                : TokenStream.fromIds(tokens, model.config().vocabSize());
    }
}
