package dev.llmj.runtime.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/llm}: subcommands, one-line errors, exit codes (0 ok, 1 failure, 2 usage). */
@Command(name = "llm", mixinStandardHelpOptions = true, version = "llm 0.1.0",
        description = "Local CPU LLM inference and long-context experiments on the JVM.",
        subcommands = {
                GenerateCommand.class,
                ServeCommand.class,
                PerplexityCommand.class,
                ExtrapolateCommand.class,
                BenchCommand.class,
                TokenizeCommand.class,
                InspectCommand.class,
                ConvertCommand.class,
                SynthCommand.class,
        })
public final class LlmCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Builds the command line with the project's error policy; tests call this directly. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LlmCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("llm " + cmd.getCommandName() + ": " + describe(ex));
            if (Boolean.getBoolean("llmj.stacktrace")) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("llm " + ex.getCommandLine().getCommandName() + ": " + ex.getMessage());
            err.println("Try 'llm " + ex.getCommandLine().getCommandName() + " --help'.");
            err.flush();
            return 2;
        });
        return cl;
    }

    /** One line naming what went wrong; the exception class only when the message alone is unclear. */
    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (ex instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + msg;
        }
        if (ex instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + msg;
        }
        if (msg == null || msg.isBlank()) {
            return ex.getClass().getSimpleName();
        }
        return ex instanceof java.io.IOException || ex instanceof IllegalArgumentException
                || ex instanceof IllegalStateException ? msg : ex.getClass().getSimpleName() + ": " + msg;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
