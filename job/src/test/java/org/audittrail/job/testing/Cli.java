/*
 * Copyright 2026 the audit-trail authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package org.audittrail.job.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.audittrail.job.cli.Main;

/** The job's command line as a person runs it: in this JVM, or in a new one with its own environment. */
public final class Cli {

    private Cli() {}

    /** Exit code and standard error of one run. */
    public record Result(int exit, String err) {}

    /** Exit code, standard output and standard error of a run in a new JVM. */
    public record Output(int exit, String out, String err) {}

    /** Runs the command line in this JVM; the subcommand may appear anywhere in {@code args}. */
    public static Result run(String... args) {
        StringWriter err = new StringWriter();
        var commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute(subcommandFirst(args).toArray(new String[0]));
        return new Result(exit, err.toString());
    }

    /** Runs the command line in this JVM, its standard output captured too (the job's log may be in it). */
    public static Output runCapturing(String... args) {
        java.io.PrintStream original = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Result result = run(args);
            return new Output(result.exit(), out.toString(StandardCharsets.UTF_8), result.err());
        } finally {
            System.setOut(original);
        }
    }

    /** Runs the jar's main in a new JVM with {@code environment} (no other DB_ variables), as a container would; output and error merged. */
    public static Result inNewJvm(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(java(System.getProperty("java.class.path")));
        command.addAll(subcommandFirst(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("DB_") || name.startsWith("DESTINATION_DB_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Result(process.exitValue(), output);
    }

    /** Runs main in a new JVM without BouncyCastle, a test dependency only, so ed25519 works with what the jar bundles. */
    public static Output withJarDependencies(String... args) throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("bouncycastle"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(java(classPath));
        command.addAll(List.of(args));
        Path err = Files.createTempFile("cli", ".err");
        Process process =
                new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return new Output(process.exitValue(), out, Files.readString(err));
    }

    /** A new empty directory: the key files of an earlier run would be refused, not overwritten. */
    public static Path freshDirectory(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(dir);
    }

    private static List<String> java(String classPath) {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                Main.class.getName());
    }

    // picocli takes the subcommand first
    private static List<String> subcommandFirst(String[] args) {
        List<String> list = new ArrayList<>(List.of(args));
        for (String sub : List.of("setup", "disconnect", "verify", "erase", "undo")) {
            if (list.remove(sub)) {
                list.add(0, sub);
            }
        }
        return list;
    }
}
