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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Static checks of docker-compose.yml, which no Docker engine runs here: it parses (anchors and merges resolved as
 * Compose resolves them), every mounted path exists, every image tag is pinned, every variable is in .env.example, and
 * the Flink image's conventions are kept (writable config, JobManager address, restart policy, state volume).
 */
class ComposeFileTest {

    private static final Path ROOT =
            Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::?-([^}]*))?}");

    private static String text;
    private static Map<String, Object> compose;
    private static Map<String, String> envExample;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parse() throws IOException {
        text = Files.readString(ROOT.resolve("docker-compose.yml"));
        compose = new Yaml().load(text);
        envExample = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] pair = line.split("=", 2);
                envExample.put(pair[0].trim(), pair[1].trim());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() {
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    /** A value with each ${VAR:-default} replaced as Compose would without a .env file, and with .env.example as .env. */
    private static List<String> resolved(String value) {
        return List.of(substitute(value, Map.of()), substitute(value, envExample));
    }

    private static String substitute(String value, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        Matcher m = VARIABLE.matcher(value);
        while (m.find()) {
            String fallback = m.group(2) == null ? "" : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), fallback)));
        }
        return m.appendTail(out).toString();
    }

    @Test
    void everyImageTagIsPinned() {
        services().forEach((name, service) -> {
            assertThat(service.get("image")).as("image of %s", name).isNotNull();
            for (String image : resolved((String) service.get("image"))) {
                // a version with at least major.minor: not latest, not a bare major that moves
                assertThat(image)
                        .as("image of %s", name)
                        .matches("[a-z0-9./_-]+:\\d+\\.\\d+(\\.\\d+)?([-_][A-Za-z0-9._-]+)?");
            }
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMountedPathExistsAndEveryVolumeIsDeclared() {
        Set<String> declared = ((Map<String, Object>) compose.get("volumes")).keySet();
        services().forEach((name, service) -> {
            for (Object volume : (List<Object>) service.getOrDefault("volumes", List.of())) {
                String source = ((String) volume).split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    // the job jar exists once the job module is packaged, as the reactor does before this module
                    assertThat(ROOT.resolve(source).normalize())
                            .as("%s mounts %s", name, source)
                            .exists();
                } else {
                    assertThat(declared).as("%s uses volume %s", name, source).contains(source);
                }
            }
        });
    }

    @Test
    void everyVariableIsInEnvExample() {
        Set<String> used = new TreeSet<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(envExample.keySet()).containsAll(used);
    }

    @Test
    @SuppressWarnings("unchecked")
    void flinkContainersFollowTheImagesConventions() {
        for (String name : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> service = services().get(name);
            Map<String, Object> environment = (Map<String, Object>) service.get("environment");
            // else a TaskManager's entrypoint writes its own host name as the JobManager's address
            assertThat(environment).as(name).containsEntry("JOB_MANAGER_RPC_ADDRESS", "jobmanager");
            for (Object volume : (List<Object>) service.get("volumes")) {
                // the image's entrypoint rewrites conf/config.yaml: a read-only file mounted there stops it
                assertThat(((String) volume).split(":")[1])
                        .as("%s mounts %s", name, volume)
                        .doesNotStartWith("/opt/flink/conf");
            }
            assertThat(service.get("entrypoint"))
                    .as("%s: conf/ and the state volume prepared as root", name)
                    .isEqualTo(List.of("/opt/audit-trail/flink-entrypoint.sh"));
        }
        assertThat((List<String>) services().get("jobmanager").get("command")).contains("standalone-job");
    }

    @Test
    @SuppressWarnings("unchecked")
    void destinationTakesOnlyVerifiedTlsWithTheCertificatesOfItsFirstStart() throws IOException {
        Map<String, Object> destination = services().get("destination");
        Map<String, Object> env = (Map<String, Object>) destination.get("environment");
        List<String> volumes = (List<String>) destination.get("volumes");
        // the image runs what is in /docker-entrypoint-initdb.d once, on an empty data directory, executing what is
        // executable
        assertThat(volumes)
                .anyMatch(v -> v.startsWith("./docker/destination-tls.sh:/docker-entrypoint-initdb.d/")
                        && v.endsWith(".sh:ro"));
        assertThat(Files.isExecutable(ROOT.resolve("docker/destination-tls.sh")))
                .isTrue();
        // the certificates' volume is given to postgres as root first; an entrypoint resets the image's command
        assertThat(destination.get("entrypoint")).isEqualTo(List.of("/opt/audit-trail/destination-entrypoint.sh"));
        assertThat(volumes)
                .contains("./docker/destination-entrypoint.sh:/opt/audit-trail/destination-entrypoint.sh:ro");
        assertThat(Files.isExecutable(ROOT.resolve("docker/destination-entrypoint.sh")))
                .isTrue();
        assertThat(destination.get("command")).isEqualTo(List.of("postgres"));
        String certsDir = (String) env.get("DESTINATION_CERTS_DIR");
        assertThat(volumes).contains("destination-certs:" + certsDir);
        // healthy, so the job starts, only once the client's key is written and the real server listens
        String health =
                String.join(" ", (List<String>) ((Map<String, Object>) destination.get("healthcheck")).get("test"));
        assertThat(health)
                .contains(certsDir + "/client.pk8")
                .contains("pg_isready")
                .contains("-h 127.0.0.1");

        // access by CIDR: the default names the compose network, whose subnet is fixed for that
        String subnet = (String) ((List<Map<String, Object>>) ((Map<String, Object>)
                                ((Map<String, Object>) ((Map<String, Object>) compose.get("networks")).get("default"))
                                        .get("ipam"))
                        .get("config"))
                .get(0)
                .get("subnet");
        assertThat(resolved((String) env.get("DESTINATION_ALLOWED_CIDRS"))).isEqualTo(resolved(subnet));

        String script = Files.readString(ROOT.resolve("docker/destination-tls.sh"));
        for (String name : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> service = services().get(name);
            Map<String, Object> jobEnv = (Map<String, Object>) service.get("environment");
            assertThat(jobEnv).as(name).containsEntry("DESTINATION_DB_SSLMODE", "verify-full");
            // the host name the job connects by is one the server's certificate holds, the client's CN the role it logs
            // in as
            assertThat(((String) env.get("DESTINATION_HOST_NAMES")).split(" "))
                    .contains((String) jobEnv.get("DESTINATION_DB_HOST"));
            assertThat(env.get("DESTINATION_CLIENT_USER")).isEqualTo(jobEnv.get("DESTINATION_DB_USER"));
            String mount = ((List<String>) service.get("volumes"))
                    .stream()
                            .filter(v -> v.startsWith("destination-certs:"))
                            .findFirst()
                            .orElseThrow();
            assertThat(mount).as("%s: the client's key read-only", name).endsWith(":ro");
            String dir = mount.split(":")[1];
            for (String[] file : new String[][] {
                {"DESTINATION_DB_SSLROOTCERT", "root.crt"},
                {"DESTINATION_DB_SSLCERT", "client.crt"},
                {"DESTINATION_DB_SSLKEY", "client.pk8"}
            }) {
                assertThat(jobEnv).as(name).containsEntry(file[0], dir + "/" + file[1]);
                // the file the init script writes into the volume
                assertThat(script).contains("\"$certs/" + file[1] + "\"");
            }
        }
    }

    @Test
    void everyServiceRestarts() {
        services().forEach((name, service) -> assertThat(service.get("restart"))
                .as("restart policy of %s", name)
                .isIn("always", "unless-stopped", "on-failure"));
    }

    @Test
    void entrypointCopiesTheConfigAndResumesTheJobManagerFromTheNewestCheckpoint(@TempDir Path dir) throws Exception {
        Path script = ROOT.resolve("docker/flink-entrypoint.sh");
        assertThat(Files.isExecutable(script)).isTrue();
        Path conf = Files.createDirectories(dir.resolve("repository-conf"));
        Files.writeString(conf.resolve("config.yaml"), "parallelism:\n  default: 1\n");
        Path home = Files.createDirectories(dir.resolve("flink/conf")).getParent();
        Path checkpoints = dir.resolve("data/checkpoints/" + JOB_ID);
        for (String checkpoint : List.of("chk-9", "chk-10")) {
            Files.createDirectories(checkpoints.resolve(checkpoint));
            Files.writeString(checkpoints.resolve(checkpoint).resolve("_metadata"), "");
        }
        Files.createDirectories(
                checkpoints.resolve("chk-11")); // one being written when the container died: no _metadata
        // stands in for the image's entrypoint: prints what it is given
        Path imageEntrypoint = dir.resolve("docker-entrypoint.sh");
        Files.writeString(imageEntrypoint, "#!/usr/bin/env bash\necho \"$@\"\n");
        imageEntrypoint.toFile().setExecutable(true);
        Map<String, String> env = Map.of(
                "FLINK_HOME",
                home.toString(),
                "AUDIT_TRAIL_FLINK_CONF",
                conf.toString(),
                "FLINK_DATA_DIR",
                dir.resolve("data").toString(),
                "FLINK_IMAGE_ENTRYPOINT",
                imageEntrypoint.toString(),
                "FLINK_USER",
                System.getProperty("user.name"),
                "AUDIT_TRAIL_JOB_ID",
                JOB_ID);

        assertThat(run(script, env, "standalone-job", "--job-classname", "org.audittrail.job.cli.Main"))
                .isEqualTo("standalone-job --job-id " + JOB_ID + " --fromSavepoint file://"
                        + checkpoints.resolve("chk-10") + " --job-classname org.audittrail.job.cli.Main");
        assertThat(home.resolve("conf/config.yaml")).hasSameTextualContentAs(conf.resolve("config.yaml"));
        assertThat(run(script, env, "taskmanager")).isEqualTo("taskmanager");

        deleteRecursively(checkpoints);
        assertThat(run(script, env, "standalone-job", "--job-classname", "org.audittrail.job.cli.Main"))
                .as("a first start")
                .isEqualTo("standalone-job --job-id " + JOB_ID + " --job-classname org.audittrail.job.cli.Main");
    }

    private static final String JOB_ID = "a0d17a11a0d17a11a0d17a11a0d17a11";

    /** Runs the script with {@code env} added, returns its standard output trimmed; fails unless it exits with 0. */
    private static String run(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes()).trim();
        assertThat(process.waitFor())
                .as("exit of %s: %s", String.join(" ", command), out)
                .isZero();
        return out;
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (var paths = Files.walk(path)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
