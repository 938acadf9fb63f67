package dev.llmj.runtime.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the llm command in-process, capturing stdout and stderr. */
final class CliRunner {
    record Result(int exitCode, String out, String err) {}

    static synchronized Result run(String... args) {
        PrintStream savedOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            CommandLine cl = LlmCommand.commandLine();
            cl.setOut(new PrintWriter(o, true));
            cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
            int code = cl.execute(args);
            o.flush();
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
        }
    }
}
