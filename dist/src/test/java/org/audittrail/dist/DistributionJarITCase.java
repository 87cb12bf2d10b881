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
package org.audittrail.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.PackageVersion;
import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.internal.InternalFutureFailureAccess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar users submit: only what the job uses, every library Flink or another job may also carry relocated under
 * the project's package, the project's LICENSE and NOTICE, a command line that runs from the jar alone, and a job that
 * runs on the assembled Flink beside another job bringing its own Jackson and Guava.
 */
class DistributionJarITCase {

    private static final Path JOB_JAR = Path.of(System.getProperty("job.jar", "../job/target/audit-trail-job.jar"));
    private static final Path ROOT = Path.of(System.getProperty("project.root", ".."));

    /** What may sit at the jar's top: the project (its relocated libraries included), Flink's connectors, SSH, SLF4J. */
    private static final List<String> ALLOWED = List.of(
            "org/audittrail/",
            "org/apache/flink/cdc/",
            "org/apache/flink/connector/",
            "org/apache/flink/shaded/guava31/",
            "org/apache/sshd/",
            "net/i2p/crypto/eddsa/",
            "org/slf4j/",
            "sql/",
            "META-INF/");

    /** Never in the jar, wherever relocated: Kafka Connect's runtime, web servers, logging bindings, test libraries. */
    private static final List<String> FORBIDDEN = List.of(
            "/kafka/connect/runtime/",
            "/kafka/clients/producer/",
            "org/eclipse/jetty/",
            "org/glassfish/",
            "javax/ws/rs/",
            "jakarta/ws/rs/",
            "org/apache/log4j/",
            "org/apache/logging/",
            "ch/qos/",
            "org/junit/",
            "org/assertj/",
            "io/zonky/",
            "org/audittrail/job/testing/");

    @Test
    void holdsOnlyWhatTheJobUsesWithSharedLibrariesRelocated() throws IOException {
        List<String> entries = new ArrayList<>();
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            jar.stream().filter(e -> !e.isDirectory()).forEach(e -> entries.add(e.getName()));
            assertThat(text(jar, "META-INF/NOTICE")).isEqualTo(Files.readString(ROOT.resolve("NOTICE")));
            assertThat(text(jar, "META-INF/LICENSE")).isEqualTo(Files.readString(ROOT.resolve("LICENSE")));
        }
        assertThat(entries)
                .as("entries outside the allowed packages (an unrelocated library?)")
                .allMatch(name -> ALLOWED.stream().anyMatch(name::startsWith), "under " + ALLOWED);
        assertThat(entries).as("forbidden packages").noneMatch(name -> FORBIDDEN.stream()
                .anyMatch(name::contains));
        assertThat(entries)
                .as("the shared libraries, relocated")
                .contains(
                        "org/audittrail/shaded/com/fasterxml/jackson/databind/ObjectMapper.class",
                        "org/audittrail/shaded/io/debezium/connector/postgresql/PostgresConnector.class",
                        "org/audittrail/shaded/org/apache/kafka/connect/data/Struct.class",
                        "org/audittrail/shaded/org/postgresql/Driver.class",
                        "org/audittrail/shaded/com/zaxxer/hikari/HikariDataSource.class",
                        "org/audittrail/shaded/picocli/CommandLine.class",
                        "META-INF/services/java.sql.Driver");
        long classes = entries.stream().filter(name -> name.endsWith(".class")).count();
        System.out.printf("%s: %.1f MB, %d classes%n", JOB_JAR.getFileName(), Files.size(JOB_JAR) / 1e6, classes);
        // issue 21's bound: at most half of the 38.3 MB jar that carried Kafka Connect's runtime
        assertThat(Files.size(JOB_JAR)).as("jar size").isLessThanOrEqualTo(19_150_000L);
    }

    /** target/release: the job's jar, the sources, the client and the browser named with the POM's version, each checksum right. */
    @Test
    void theReleaseFilesCarryTheVersionAndTheirChecksums() throws Exception {
        String version = System.getProperty("project.version");
        Path release = ROOT.resolve("target/release");
        List<String> jars = List.of(
                "audit-trail-job-" + version + ".jar",
                "audit-trail-job-" + version + "-sources.jar",
                "audit-trail-udf-" + version + "-sources.jar",
                "audit-trail-client-" + version + ".jar",
                "audit-trail-client-" + version + "-sources.jar",
                "audit-trail-browser-" + version + ".jar",
                "audit-trail-browser-" + version + "-sources.jar");
        try (Stream<Path> files = Files.list(release)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(
                            Stream.concat(jars.stream(), jars.stream().map(j -> j + ".sha512"))
                                    .toList());
        }
        for (String jar : jars) {
            // the form sha512sum -c reads: the hex digest, two spaces, the file's name
            String expected = HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-512")
                                    .digest(Files.readAllBytes(release.resolve(jar))))
                    + "  " + jar;
            assertThat(Files.readString(release.resolve(jar + ".sha512")).strip())
                    .as(jar)
                    .isEqualTo(expected);
        }
        assertThat(Files.mismatch(release.resolve(jars.get(0)), JOB_JAR)).isEqualTo(-1L);
        try (JarFile sources = new JarFile(release.resolve(jars.get(1)).toFile())) {
            assertThat(sources.getEntry("org/audittrail/job/AuditTrailJob.java"))
                    .isNotNull();
        }
        // the browser's jar runs alone and carries its own NOTICE
        Path browser = release.resolve(jars.get(5));
        Process run = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        browser.toString(),
                        "--version")
                .redirectErrorStream(true)
                .start();
        assertThat(new String(run.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                .contains(version);
        assertThat(run.waitFor()).isZero();
        try (JarFile jar = new JarFile(browser.toFile())) {
            assertThat(new String(
                            jar.getInputStream(jar.getEntry("META-INF/NOTICE")).readAllBytes(),
                            java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(Files.readString(ROOT.resolve("browser/NOTICE")));
            assertThat(jar.getEntry("META-INF/LICENSE")).isNotNull();
        }
    }

    @Test
    void theCommandLineRunsFromTheJarAlone() throws Exception {
        assertThat(java("--version")).isEqualTo("audit-trail " + System.getProperty("project.version") + "\n");
        try (TestDatabase db = TestDatabase.start()) {
            db.execute("CREATE TABLE jar_setup (id int PRIMARY KEY)");
            List<String> setup = new ArrayList<>(List.of("setup"));
            setup.addAll(List.of(db.args("--tables", "public.jar_setup")));
            String output = java(setup.toArray(new String[0]));
            assertThat(output).contains("Setup done");
            assertThat(db.value("SELECT count(*) FROM pg_publication_tables WHERE tablename = 'jar_setup'"))
                    .isEqualTo(1L);
        }
    }

    @Test
    void runsOnFlinkBesideAJobWithItsOwnJacksonAndGuava() throws Exception {
        try (TestDatabase db = TestDatabase.start();
                FlinkCluster cluster = new FlinkCluster(
                        Path.of("target", "jar-" + Instant.now().toEpochMilli()).toAbsolutePath(),
                        Map.of("DB_PASSWORD", TestDatabase.PASSWORD))) {
            db.execute("CREATE TABLE beside (id int PRIMARY KEY, note text)");
            cluster.startJobManager();
            cluster.startTaskManager();
            cluster.awaitTaskManagers(1);
            String audit = cluster.submit(
                    JOB_JAR,
                    null,
                    "--db-host",
                    "localhost",
                    "--db-port",
                    String.valueOf(db.port()),
                    "--tables",
                    "public.beside",
                    "--checkpoint-interval-ms",
                    "2000");
            cluster.awaitRunningAndCheckpointed(audit, 0);
            String neighbour = cluster.submit(neighbourJar(cluster.work), null, PackageVersion.VERSION.toString());
            db.execute("INSERT INTO beside VALUES (1, 'a'), (2, 'b')", "UPDATE beside SET note = 'c' WHERE id = 1");
            db.awaitChanges(3);
            cluster.poll(
                    () -> "FINISHED"
                            .equals(cluster.rest("/jobs/" + neighbour)
                                    .get("state")
                                    .asText()),
                    Duration.ofSeconds(120),
                    "the neighbour job to finish with its own Jackson and Guava");
            assertThat(cluster.rest("/jobs/" + audit).get("state").asText()).isEqualTo("RUNNING");
        }
    }

    /** The neighbour's jar as its build would make it: its classes, and Jackson and Guava unrelocated beside them. */
    private static Path neighbourJar(Path work) throws IOException, URISyntaxException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, NeighbourJob.class.getName());
        Path jar = Files.createDirectories(work).resolve("neighbour.jar");
        Set<String> written = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            written.add("META-INF/MANIFEST.MF");
            Path classes = location(NeighbourJob.class);
            try (Stream<Path> files = Files.walk(classes.resolve("org/audittrail/dist"))) {
                for (Path file : files.filter(f -> f.getFileName().toString().startsWith("NeighbourJob"))
                        .toList()) {
                    add(out, written, classes.relativize(file).toString(), Files.readAllBytes(file));
                }
            }
            for (Class<?> library : List.of(
                    ObjectMapper.class,
                    JsonParser.class,
                    JsonProperty.class,
                    ImmutableList.class,
                    InternalFutureFailureAccess.class)) {
                try (JarFile from = new JarFile(location(library).toFile())) {
                    for (JarEntry entry : from.stream().toList()) {
                        String name = entry.getName();
                        if (!entry.isDirectory() && !name.startsWith("META-INF/")) {
                            try (InputStream in = from.getInputStream(entry)) {
                                add(out, written, name, in.readAllBytes());
                            }
                        }
                    }
                }
            }
        }
        return jar;
    }

    private static void add(JarOutputStream out, Set<String> written, String name, byte[] bytes) throws IOException {
        if (written.add(name)) {
            out.putNextEntry(new JarEntry(name));
            out.write(bytes);
            out.closeEntry();
        }
    }

    private static Path location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static String text(JarFile jar, String name) throws IOException {
        try (InputStream in = jar.getInputStream(jar.getJarEntry(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Runs {@code java -jar} on the job jar, as a DBA runs setup; fails unless it exits with 0. */
    private static String java(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JOB_JAR.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES))
                .as("java -jar finished")
                .isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
