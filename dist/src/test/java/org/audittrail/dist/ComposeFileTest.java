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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.config.Option;
import org.audittrail.job.config.Options;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Static checks of docker-compose.yml and docker/Dockerfile, which no Docker engine runs here: the file parses (anchors
 * and merges resolved as Compose resolves them), every mounted path exists, every pulled image tag is pinned, every
 * variable is in .env.example, the job's image is the pinned Flink image with the jar in usrlib/, passwords are secrets
 * given as *_FILE variables the job's own parser reads, and the Flink image's conventions are kept (writable config,
 * JobManager address, restart policy, state volumes). ApplicationModeITCase runs the same commands on a Flink directory.
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
    void everyPulledImageTagIsPinnedAndTheJobsImageIsBuiltHere() {
        services().forEach((name, service) -> {
            assertThat(service.get("image")).as("image of %s", name).isNotNull();
            if (service.containsKey("build")) {
                // built from the jar at each up, never pulled: a local name, no registry
                // the job's image, or the change browser's
                assertThat(service.get("build"))
                        .as("build of %s", name)
                        .isIn(
                                Map.of("context", ".", "dockerfile", "docker/Dockerfile"),
                                Map.of("context", ".", "dockerfile", "docker/browser.Dockerfile"));
                assertThat(service.get("pull_policy"))
                        .as("pull_policy of %s", name)
                        .isEqualTo("build");
                assertThat((String) service.get("image"))
                        .as("image of %s", name)
                        .doesNotContain("/");
                return;
            }
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
        // and those the secrets are made from
        secrets().values().forEach(secret -> used.add((String) secret.get("environment")));
        assertThat(envExample.keySet()).containsAll(used);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> secrets() {
        return (Map<String, Map<String, Object>>) compose.get("secrets");
    }

    @Test
    void theImageIsThePinnedFlinkImageWithTheJarInUsrlibAndTheProjectsConfig() throws IOException {
        List<String> dockerfile = Files.readAllLines(ROOT.resolve("docker/Dockerfile")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .toList();
        // the Flink the job is built against (pom.xml), in the official image's Java 17 variant
        Matcher version = Pattern.compile("<flink.version>([^<]+)</flink.version>")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(version.find()).isTrue();
        assertThat(dockerfile.get(0)).isEqualTo("FROM flink:" + version.group(1) + "-java17");
        assertThat(dockerfile.stream().filter(line -> line.startsWith("FROM"))).hasSize(1);

        Map<String, String> copies = new LinkedHashMap<>();
        for (String line : dockerfile) {
            if (line.startsWith("COPY ")) {
                String[] words = line.split(" +");
                copies.put(words[words.length - 2], words[words.length - 1]);
            }
        }
        // the jar at the build's stable path (no version in its name), as the application mode entry point finds it
        assertThat(copies)
                .containsEntry("job/target/audit-trail-job.jar", "/opt/flink/usrlib/" + FlinkCluster.IMAGE_JAR_NAME)
                .containsEntry("flink-conf/config.yaml", "/opt/flink/conf/config.yaml")
                .containsEntry("docker/flink-entrypoint.sh", "/opt/audit-trail/flink-entrypoint.sh");
        assertThat(dockerfile).contains("ENTRYPOINT [\"/opt/audit-trail/flink-entrypoint.sh\"]");
        assertThat(dockerfile.stream().filter(line -> line.contains("chown") || line.contains("--chown=flink:flink")))
                .as("config.yaml and the state directories owned by the image's flink user")
                .anyMatch(line -> line.contains("flink-conf/config.yaml"))
                .anyMatch(line -> line.contains("/opt/flink/data"));

        // the build context is the repository: .dockerignore sends only what is copied
        List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .toList();
        assertThat(ignore.get(0)).isEqualTo("*");
        for (String source : copies.keySet()) {
            assertThat(ignore).contains("!" + source);
            if (!source.startsWith("job/target/")) {
                assertThat(ROOT.resolve(source)).exists();
            }
        }

        // the Prometheus reporter config.yaml names is the plugin the image ships, where the assembled directory has it
        assertThat(Files.readString(ROOT.resolve("flink-conf/config.yaml")))
                .contains("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(dockerfile).anyMatch(line -> line.contains("/opt/flink/plugins/metrics-prometheus/"));
        Path home = Path.of(System.getProperty("flink.home", "target/flink-1.20.3"));
        try (var plugin = Files.list(home.resolve("plugins/metrics-prometheus"))) {
            assertThat(plugin.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("flink-metrics-prometheus-"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void passwordsAreSecretsGivenAsFileVariablesTheJobReads(@TempDir Path dir) throws Exception {
        Set<String> secretOptions = new TreeSet<>();
        Set<String> fileVariables = new TreeSet<>();
        for (Option option : Options.ALL) {
            if (option.kind() == Option.Kind.SECRET && option.variable() != null) {
                secretOptions.add(option.variable());
                fileVariables.add(option.fileVariable());
            }
        }
        services().forEach((name, service) -> {
            Map<String, Object> environment = (Map<String, Object>) service.getOrDefault("environment", Map.of());
            List<String> granted = (List<String>) service.getOrDefault("secrets", List.of());
            assertThat(secrets().keySet()).as("secrets of %s", name).containsAll(granted);
            // never a password in a container's environment, where docker inspect and /proc show it
            assertThat(environment.keySet())
                    .as("environment of %s", name)
                    .doesNotContainAnyElementsOf(secretOptions)
                    .doesNotContain("POSTGRES_PASSWORD");
            environment.forEach((key, value) -> {
                if (key.endsWith("_FILE")) {
                    // the job's own, the postgres image's or the change browser's (BrowserCommand)
                    assertThat(key)
                            .as("%s of %s", key, name)
                            .isIn(union(
                                    fileVariables,
                                    "POSTGRES_PASSWORD_FILE",
                                    "BROWSER_DB_PASSWORD_FILE",
                                    "BROWSER_USERS_FILE"));
                    assertThat((String) value)
                            .as("%s of %s: a file of a secret the service is given", key, name)
                            .startsWith("/run/secrets/")
                            .satisfies(path -> assertThat(granted).contains(path.substring("/run/secrets/".length())));
                }
            });
        });
        assertThat(services().get("taskmanager"))
                .as("the job's configuration is read by its main method, on the JobManager")
                .doesNotContainKey("secrets");

        // the JobManager's environment, each secret a file with its value, as the job's own option parser reads it
        Map<String, String> environment = new LinkedHashMap<>();
        ((Map<String, Object>) services().get("jobmanager").get("environment")).forEach((key, value) -> {
            String text = resolved(String.valueOf(value)).get(1);
            if (text.startsWith("/run/secrets/")) {
                Path file = dir.resolve(text.substring("/run/secrets/".length()));
                writeUnchecked(file, "pw-of-" + file.getFileName() + "\n");
                text = file.toString();
            }
            environment.put(key, text);
        });
        List<String> command = (List<String>) services().get("jobmanager").get("command");
        int jobArguments = command.indexOf("org.audittrail.job.cli.Main") + 1;
        assertThat(jobArguments).as("--job-classname of the job's main class").isPositive();
        JobConfig config = Main.config(
                environment, command.subList(jobArguments, command.size()).toArray(new String[0]));
        assertThat(config.source().password()).isEqualTo("pw-of-source_db_password");
        assertThat(config.destination().password()).isEqualTo("pw-of-destination_db_password");
        assertThat(config.source().host()).isEqualTo("source");
        assertThat(config.destination().host()).isEqualTo("destination");
        assertThat(config.destination().tls().mode()).isEqualTo("verify-full");
        // the change browser's role, made at each start with the password the browser logs in with
        assertThat(config.browserRole().name()).isEqualTo("audit_browser");
        assertThat(config.browserRole().password()).isEqualTo("pw-of-browser_db_password");
        Map<String, Object> browser =
                (Map<String, Object>) services().get("browser").get("environment");
        assertThat(browser)
                .containsEntry("BROWSER_DB_USER", "audit_browser")
                .containsEntry("BROWSER_DB_PASSWORD_FILE", "/run/secrets/browser_db_password");
    }

    private static Set<String> union(Set<String> set, String... elements) {
        Set<String> union = new TreeSet<>(set);
        union.addAll(List.of(elements));
        return union;
    }

    private static void writeUnchecked(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void flinkContainersFollowTheImagesConventions() throws IOException {
        Map<String, Object> conf = new Yaml().load(Files.readString(ROOT.resolve("flink-conf/config.yaml")));
        Map<String, Object> checkpointing =
                (Map<String, Object>) ((Map<String, Object>) conf.get("execution")).get("checkpointing");
        for (String name : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> service = services().get(name);
            Map<String, Object> environment = (Map<String, Object>) service.get("environment");
            // else a TaskManager's entrypoint writes its own host name as the JobManager's address
            assertThat(environment).as(name).containsEntry("JOB_MANAGER_RPC_ADDRESS", "jobmanager");
            List<String> volumes = (List<String>) service.get("volumes");
            for (String volume : volumes) {
                // the image's entrypoint rewrites conf/config.yaml: a read-only file mounted there stops it
                assertThat(volume.split(":")[1])
                        .as("%s mounts %s", name, volume)
                        .doesNotStartWith("/opt/flink/conf");
            }
            // the directories config.yaml names for checkpoints and savepoints are volumes, in both: the TaskManager
            // writes state files, the JobManager the _metadata
            for (String key : List.of("dir", "savepoint-dir")) {
                String path = URI.create((String) checkpointing.get(key)).getPath();
                assertThat(volumes).as("%s: %s", name, key).anyMatch(v -> v.endsWith(":" + path));
            }
            // the image's own entrypoint: docker/flink-entrypoint.sh, then the Flink image's
            assertThat(service).as(name).doesNotContainKey("entrypoint");
        }
        assertThat(services().get("jobmanager").get("image"))
                .isEqualTo(services().get("taskmanager").get("image"));
        assertThat((List<String>) services().get("jobmanager").get("command"))
                .startsWith("standalone-job", "--job-classname", "org.audittrail.job.cli.Main");
        assertThat((List<String>) services().get("taskmanager").get("command")).containsExactly("taskmanager");
        // healthy while the REST API lists the job running; ApplicationModeITCase runs this command against Flink
        Map<String, Object> health =
                (Map<String, Object>) services().get("jobmanager").get("healthcheck");
        assertThat(String.join(" ", (List<String>) health.get("test")))
                .startsWith("CMD-SHELL ")
                .contains("http://localhost:8081/jobs/overview")
                .contains("RUNNING");
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
        Map<String, Object> jobEnv =
                (Map<String, Object>) services().get("jobmanager").get("environment");
        for (String name : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> service = services().get(name);
            assertThat(jobEnv).containsEntry("DESTINATION_DB_SSLMODE", "verify-full");
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
                // the JobManager's main method reads the paths, the TaskManager connects with them
                assertThat(jobEnv).as(name).containsEntry(file[0], dir + "/" + file[1]);
                // the file the init script writes into each client's volume
                assertThat(script).contains("\"$dir/" + file[1] + "\"");
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBrowserHasItsOwnCertificateAndIsPublishedOnTheLoopbackAlone() {
        Map<String, Object> destination = services().get("destination");
        Map<String, Object> env = (Map<String, Object>) destination.get("environment");
        Map<String, Object> browser = services().get("browser");
        Map<String, Object> browserEnv = (Map<String, Object>) browser.get("environment");
        // its certificate's CN is the role it logs in as, in a volume the destination writes and only it reads
        assertThat(env.get("DESTINATION_BROWSER_USER")).isEqualTo(browserEnv.get("BROWSER_DB_USER"));
        assertThat((List<String>) destination.get("volumes"))
                .contains("browser-certs:" + env.get("DESTINATION_BROWSER_CERTS_DIR"));
        List<String> mounts = (List<String>) browser.get("volumes");
        String certs = mounts.stream()
                .filter(v -> v.startsWith("browser-certs:"))
                .findFirst()
                .orElseThrow();
        assertThat(certs).endsWith(":ro");
        String url = (String) browserEnv.get("BROWSER_DB_URL");
        String dir = certs.split(":")[1];
        assertThat(url)
                .startsWith("jdbc:postgresql://destination:5432/")
                .contains("sslmode=verify-full")
                .contains("sslrootcert=" + dir + "/root.crt", "sslcert=" + dir + "/client.crt")
                .contains("sslkey=" + dir + "/client.pk8");
        assertThat(mounts).noneMatch(v -> v.startsWith("destination-certs:"));
        for (String job : List.of("jobmanager", "taskmanager")) {
            assertThat((List<String>) services().get(job).get("volumes"))
                    .as(job)
                    .noneMatch(v -> v.startsWith("browser-certs:"));
        }
        // the access log in a volume, the port on the host's loopback only
        assertThat(mounts).anySatisfy(v -> assertThat((String) browserEnv.get("BROWSER_ACCESS_LOG"))
                .startsWith(v.split(":")[1] + "/"));
        for (String port : resolved(String.join(",", (List<String>) browser.get("ports")))) {
            assertThat(port).matches("127\\.0\\.0\\.1:\\d+:8090");
        }
        assertThat((List<String>) browser.get("secrets"))
                .containsExactlyInAnyOrder("browser_db_password", "browser_users");
    }

    @Test
    void everyServiceRestarts() {
        services().forEach((name, service) -> assertThat(service.get("restart"))
                .as("restart policy of %s", name)
                .isIn("always", "unless-stopped", "on-failure"));
    }

    @Test
    void entrypointResumesTheJobManagerFromTheNewestCheckpointOrSavepoint(@TempDir Path dir) throws Exception {
        Path script = ROOT.resolve("docker/flink-entrypoint.sh");
        assertThat(Files.isExecutable(script)).isTrue();
        Path checkpoints = dir.resolve("data/checkpoints/" + JOB_ID);
        Path savepoints = dir.resolve("data/savepoints");
        // stands in for the image's entrypoint: prints what it is given
        Path imageEntrypoint = dir.resolve("docker-entrypoint.sh");
        Files.writeString(imageEntrypoint, "#!/usr/bin/env bash\necho \"$@\"\n");
        imageEntrypoint.toFile().setExecutable(true);
        Map<String, String> env = Map.of(
                "FLINK_DATA_DIR",
                dir.resolve("data").toString(),
                "FLINK_IMAGE_ENTRYPOINT",
                imageEntrypoint.toString(),
                "FLINK_USER",
                System.getProperty("user.name"),
                "AUDIT_TRAIL_JOB_ID",
                JOB_ID);
        String[] command = {"standalone-job", "--job-classname", "org.audittrail.job.cli.Main"};

        assertThat(run(script, env, command))
                .as("a first start")
                .isEqualTo("standalone-job --job-id " + JOB_ID + " --job-classname org.audittrail.job.cli.Main");
        assertThat(savepoints).isDirectory();
        assertThat(run(script, env, "taskmanager")).isEqualTo("taskmanager");

        FileTime time = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));
        for (String checkpoint : List.of("chk-9", "chk-10")) {
            time = written(checkpoints.resolve(checkpoint), time);
        }
        Files.createDirectories(
                checkpoints.resolve("chk-11")); // one being written when the container died: no _metadata
        assertThat(run(script, env, command))
                .isEqualTo("standalone-job --job-id " + JOB_ID + " --fromSavepoint file://"
                        + checkpoints.resolve("chk-10") + " --job-classname org.audittrail.job.cli.Main");

        // stopped with a savepoint: newer than any checkpoint; another job's savepoint is not this one's
        Path savepoint = savepoints.resolve("savepoint-" + JOB_ID.substring(0, 6) + "-0123456789ab");
        time = written(savepoint, time);
        written(savepoints.resolve("savepoint-bbbbbb-0123456789ab"), time);
        assertThat(run(script, env, command))
                .isEqualTo("standalone-job --job-id " + JOB_ID + " --fromSavepoint file://" + savepoint
                        + " --job-classname org.audittrail.job.cli.Main");

        // resumed from it, the job checkpoints again: the newest checkpoint wins
        Path after = checkpoints.resolve("chk-12");
        written(after, time);
        assertThat(run(script, env, command)).contains("--fromSavepoint file://" + after + " ");
    }

    /** A completed checkpoint or savepoint: its directory with a _metadata written a minute after {@code before}. */
    private static FileTime written(Path directory, FileTime before) throws IOException {
        Files.createDirectories(directory);
        FileTime time = FileTime.from(before.toInstant().plusSeconds(60));
        Files.writeString(directory.resolve("_metadata"), "");
        Files.setLastModifiedTime(directory.resolve("_metadata"), time);
        return time;
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
}
