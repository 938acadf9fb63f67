package dev.llmj.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/llm}. */
@Command(name = "llm", mixinStandardHelpOptions = true, version = "llm 0.1.0",
        description = "Local CPU LLM inference and long-context experiments on the JVM.",
        subcommands = {})
public final class LlmCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LlmCommand()).execute(args));
    }
}
