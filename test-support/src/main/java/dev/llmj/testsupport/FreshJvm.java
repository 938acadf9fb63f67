package dev.llmj.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a check in a new JVM, and again in another when it fails, for properties of how C2
 * compiles a method rather than of what it computes: whether a kernel keeps its vectors in
 * registers ({@link SteadyAllocation}) depends on the order and timing of compilations, and in
 * about one JVM in ten a large kernel reaches C2's node budget before all its vector calls are
 * inlined, so that compilation boxes for the rest of the process. Within one JVM that cannot be
 * retried (the compiled code stays), so the check runs in up to {@code attempts} JVMs and passes
 * when one of them passes: a kernel that boxes whenever it is compiled still fails every time.
 *
 * <p>The child gets this JVM's class path, the Vector API module, native access and every
 * {@code llmj.*} system property (the vector width under test).
 */
public final class FreshJvm {
    private FreshJvm() {}

    private static final long TIMEOUT_SECONDS = 300;

    /**
     * Runs {@code testClass}'s no-argument method {@code check} on a new instance in a child JVM,
     * up to {@code attempts} times until one run completes without an exception.
     */
    public static void assertPassesInOneOf(int attempts, Class<?> testClass, String check) {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            String out = run(testClass, check);
            if (out == null) {
                return;
            }
            failures.add("JVM " + (i + 1) + ": " + out.strip());
        }
        fail(testClass.getSimpleName() + "." + check + " failed in all " + attempts + " JVMs:\n"
                + String.join("\n", failures));
    }

    /** Null when the check passed in the child, else its output. */
    private static String run(Class<?> testClass, String check) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx1g");
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("llmj.")) {
                cmd.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FreshJvm.class.getName());
        cmd.add(testClass.getName());
        cmd.add(check);
        Path log = null;
        try {
            log = Files.createTempFile("fresh-jvm", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out after " + TIMEOUT_SECONDS + " s";
            }
            return p.exitValue() == 0 ? null : Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "could not start " + cmd.get(0) + ": " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** Child entry point: {@code <test class> <method>}; exit status 0 when the method returned. */
    public static void main(String[] args) throws Exception {
        Class<?> c = Class.forName(args[0]);
        var ctor = c.getDeclaredConstructor();
        ctor.setAccessible(true);
        Object test = ctor.newInstance();
        Method m = c.getDeclaredMethod(args[1]);
        m.setAccessible(true);
        try {
            m.invoke(test);
        } catch (InvocationTargetException e) {
            System.out.println(e.getCause());
            System.exit(1);
        }
        System.exit(0);
    }
}
