package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK discovery that bin/llm and bin/test share (bin/lib/env.sh), run by bash against fake
 * JDK directories whose {@code java} reports a chosen version.
 */
class LauncherScriptTest {
    private static final Path ENV_SH = Path.of("..", "bin", "lib", "env.sh").toAbsolutePath().normalize();

    @TempDir
    Path jvms;

    private Path fakeJdk(String name, String version) throws IOException {
        Path bin = Files.createDirectories(jvms.resolve(name).resolve("bin"));
        String java = "#!/bin/sh\necho '    java.specification.version = " + version + "' >&2\n";
        for (String tool : new String[] {"java", "javac"}) {
            Path p = bin.resolve(tool);
            Files.writeString(p, java);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return jvms.resolve(name);
    }

    private record Run(int code, String out, String err) {}

    private Run source(String javaHome) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source \"$0\" && echo \"$JAVA_HOME\"", ENV_SH.toString());
        Map<String, String> env = pb.environment();
        env.put("LLMJ_JVM_DIR", jvms.toString());
        if (javaHome == null) {
            env.remove("JAVA_HOME");
        } else {
            env.put("JAVA_HOME", javaHome);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out, err);
    }

    @Test
    void picksTheNewestJdkOf22OrLaterWhenJavaHomeIsTooOld() throws Exception {
        Path old = fakeJdk("jdk-17", "17");
        fakeJdk("jdk-21", "21");
        fakeJdk("jdk-23", "23");
        Path newest = fakeJdk("temurin-25", "25");
        Run r = source(old.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(newest.toString(), r.out());
    }

    @Test
    void keepsASuitableJavaHome() throws Exception {
        Path jdk23 = fakeJdk("jdk-23", "23");
        fakeJdk("temurin-25", "25");
        assertEquals(jdk23.toString(), source(jdk23.toString()).out());
    }

    @Test
    void saysWhatToInstallWhenNoJdkIsSuitable() throws Exception {
        fakeJdk("jdk-17", "17");
        fakeJdk("jdk-8", "1.8");
        Run r = source(null);
        assertEquals(3, r.code());
        assertTrue(r.err().contains("needs a JDK 22 or newer"), r.err());
        assertTrue(r.err().contains("set JAVA_HOME"), r.err());
        assertEquals("", r.out());
    }
}
