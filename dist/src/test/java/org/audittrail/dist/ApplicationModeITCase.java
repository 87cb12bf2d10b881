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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The job's image without Docker: the assembled Flink directory laid out as docker/Dockerfile lays out the image (the
 * jar in usrlib/), the JobManager and the TaskManager started as docker-compose.yml starts their containers (its
 * commands through docker/flink-entrypoint.sh, the password as a *_FILE secret given to the JobManager alone, its
 * healthcheck), then stopped with a savepoint through the REST API and started again from it: every change exactly once.
 */
class ApplicationModeITCase {

    private static final Path ROOT =
            Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final Path JOB_JAR = Path.of(System.getProperty("job.jar", "../job/target/audit-trail-job.jar"));
    private static final String JOB_ID = "a0d17a11a0d17a11a0d17a11a0d17a11";

    private TestDatabase db;
    private FlinkCluster cluster;
    private final List<String> ledger = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        db = TestDatabase.start();
        db.execute("CREATE TABLE app (id int PRIMARY KEY, note text NOT NULL)");
        Path work =
                Path.of("target", "application-" + Instant.now().toEpochMilli()).toAbsolutePath();
        // nothing in the cluster's environment: what the job needs is given to the JobManager below
        cluster = new FlinkCluster(work, Map.of(), JOB_JAR);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
        db.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void jobFromUsrlibStopsWithASavepointAndResumesFromItWithEveryChangeOnce() throws Exception {
        Map<String, Object> services = (Map<String, Object>) new Yaml()
                .<Map<String, Object>>load(Files.readString(ROOT.resolve("docker-compose.yml")))
                .get("services");
        Map<String, Object> jobManager = (Map<String, Object>) services.get("jobmanager");
        List<String> command = (List<String>) jobManager.get("command");
        String health = String.join(
                        " ", (List<String>) ((Map<String, Object>) jobManager.get("healthcheck")).get("test"))
                .replaceFirst("^CMD-SHELL ", "")
                .replace("localhost:8081", "localhost:" + cluster.restPort);
        assertThat(command.get(0)).isEqualTo("standalone-job");

        // compose's command with the job's arguments after it, the password as the secret's file, for the JobManager:
        // the job's main method runs there
        Path secret =
                Files.createDirectories(cluster.work.resolve("run/secrets")).resolve("source_db_password");
        Files.writeString(secret, TestDatabase.PASSWORD + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("r--------"));
        List<String> args = new ArrayList<>(command.subList(1, command.size()));
        args.addAll(List.of(
                "--db-host",
                "localhost",
                "--db-port",
                String.valueOf(db.port()),
                "--db-name",
                "postgres",
                "--db-user",
                "postgres",
                "--tables",
                "public.app",
                "--checkpoint-interval-ms",
                "1000"));
        Map<String, String> jobManagerEnv = Map.of("DB_PASSWORD_FILE", secret.toString(), "AUDIT_TRAIL_JOB_ID", JOB_ID);
        Path entrypoint = ROOT.resolve("docker/flink-entrypoint.sh");

        assertThat(healthy(health)).as("healthcheck before the JobManager runs").isFalse();
        Process first = cluster.startInImage(entrypoint, jobManagerEnv, "standalone-job", args.toArray(new String[0]));
        cluster.startInImage(entrypoint, Map.of(), "taskmanager");
        cluster.awaitRunningAndCheckpointed(JOB_ID, 0);
        assertThat(cluster.output(first)).contains("starting the job afresh");
        cluster.poll(() -> healthy(health), Duration.ofSeconds(30), "the compose healthcheck to pass");

        write(1, 40);
        awaitStored();

        // stopped with a savepoint: the job finishes, and so does the JobManager of its application
        String savepoint = cluster.stopWithSavepointRest(JOB_ID, cluster.work.resolve("data/savepoints"));
        assertThat(first.waitFor(60, TimeUnit.SECONDS))
                .as("the JobManager exits once its job is stopped")
                .isTrue();
        assertThat(first.exitValue()).isZero();
        assertThat(healthy(health)).as("healthcheck while no JobManager runs").isFalse();
        write(41, 80); // while no job runs

        // started again as the container restarts: the entrypoint resumes from the savepoint
        Process second = cluster.startInImage(entrypoint, jobManagerEnv, "standalone-job", args.toArray(new String[0]));
        cluster.awaitRunningAndCheckpointed(JOB_ID, 0);
        Path savepointDir = Path.of(URI.create(savepoint));
        assertThat(cluster.output(second))
                .contains("Resuming from the newest checkpoint or savepoint, " + savepointDir);
        assertThat(Path.of(URI.create(cluster.rest("/jobs/" + JOB_ID + "/checkpoints")
                        .at("/latest/restored/external_path")
                        .asText())))
                .isEqualTo(savepointDir);
        write(81, 120);
        awaitStored();

        // the password, in a file the JobManager read, is in none of the cluster's logs or outputs
        List<Path> logs = new ArrayList<>(cluster.outputs());
        try (var files = Files.list(cluster.logs())) {
            files.forEach(logs::add);
        }
        for (Path log : logs) {
            assertThat(Files.readString(log, StandardCharsets.ISO_8859_1))
                    .as("%s", log)
                    .doesNotContain(TestDatabase.PASSWORD);
        }
    }

    /** Inserts rows {@code from..to}, and updates each fourth, one transaction each; records what changes must hold. */
    private void write(int from, int to) {
        for (int i = from; i <= to; i++) {
            db.execute("INSERT INTO app (id, note) VALUES (" + i + ", 'inserted')");
            ledger.add("CREATE " + i + " inserted");
            if (i % 4 == 0) {
                db.execute("UPDATE app SET note = 'updated' WHERE id = " + i);
                ledger.add("UPDATE " + i + " updated");
            }
        }
    }

    /** Waits until changes holds exactly the ledger: each write once, none twice. */
    private void awaitStored() {
        List<String> expected = ledger.stream().sorted().collect(Collectors.toList());
        List<String> stored = new ArrayList<>();
        cluster.poll(
                () -> {
                    stored.clear();
                    stored.addAll(stored());
                    return stored.size() >= expected.size();
                },
                Duration.ofSeconds(90),
                expected.size() + " changes of app");
        assertThat(stored).containsExactlyElementsOf(expected);
    }

    private List<String> stored() {
        return db
                .query("SELECT operation, primary_key, after->>'note' AS note FROM changes WHERE \"table\" = 'app'")
                .stream()
                .map(row -> row.get("operation") + " " + row.get("primary_key") + " " + row.get("note"))
                .sorted()
                .collect(Collectors.toList());
    }

    /** Runs the compose healthcheck's shell command against this cluster's REST port: true if it exits with 0. */
    private static boolean healthy(String command) {
        try {
            Process check = new ProcessBuilder("sh", "-c", command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!check.waitFor(15, TimeUnit.SECONDS)) {
                check.destroyForcibly();
                return false;
            }
            return check.exitValue() == 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
