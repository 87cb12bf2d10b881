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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.audittrail.job.testing.TestDatabase;

/** A standalone Flink cluster of the assembled directory: JobManager and TaskManagers as processes started by its launchers. */
final class FlinkCluster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path home =
            Path.of(System.getProperty("flink.home", "target/flink-1.20.3")).toAbsolutePath();
    final Path work;
    /** The Flink directory the launchers run from: {@link #home}, or one laid out as the job's image. */
    private final Path flinkHome;

    final int restPort = freePort();
    final int prometheusPort = freePort();
    private final int rpcPort = freePort();
    private final Map<String, String> environment;
    private final List<String> dynamicConfig;
    private final List<Process> processes = new ArrayList<>();
    private final Map<Process, Path> outputs = new java.util.LinkedHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private int started;

    /**
     * The cluster of {@code conf/config.yaml}, pointed at this host and at state under {@code work} as docs/deploy.md says, on
     * free ports; heartbeats are shortened (a dead peer's failed heartbeat RPCs are noticed within two intervals) so a
     * kill is handled in seconds.
     */
    FlinkCluster(Path work, Map<String, String> environment) throws IOException {
        this(work, environment, null);
    }

    /**
     * As {@link #FlinkCluster(Path, Map)}; with a {@code usrlibJar}, the launchers run from a Flink directory laid out as
     * docker/Dockerfile lays out the image: the assembled bin/, lib/ and plugins/, and the jar in usrlib/.
     */
    FlinkCluster(Path work, Map<String, String> environment, Path usrlibJar) throws IOException {
        this.work = Files.createDirectories(work);
        this.flinkHome = usrlibJar == null ? home : imageLayout(usrlibJar);
        this.environment = new java.util.HashMap<>(environment);
        Path conf = Files.createDirectories(work.resolve("conf"));
        try (var files = Files.list(home.resolve("conf"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, conf.resolve(file.getFileName()));
            }
        }
        // docs/deploy.md's edit for a cluster on one machine
        Files.writeString(
                conf.resolve("config.yaml"),
                Files.readString(conf.resolve("config.yaml"))
                        .replace("address: jobmanager", "address: localhost")
                        .replace(
                                "file:///opt/flink/data",
                                work.resolve("data").toUri().toString().replaceAll("/$", "")));
        this.environment.put("FLINK_CONF_DIR", conf.toString());
        this.dynamicConfig = List.of(
                "jobmanager.rpc.port=" + rpcPort,
                "jobmanager.bind-host=localhost",
                "taskmanager.host=localhost",
                "taskmanager.bind-host=localhost",
                "rest.address=localhost",
                "rest.bind-address=localhost",
                "rest.port=" + restPort,
                "metrics.reporter.prom.port=" + prometheusPort + "-" + (prometheusPort + 5),
                "heartbeat.interval=2000",
                "heartbeat.timeout=15000");
    }

    /** A Flink directory of the assembled one's bin/, lib/ and plugins/ (hard links: cheap, real files), and {@code jar} in usrlib/. */
    private Path imageLayout(Path jar) throws IOException {
        Path layout = Files.createDirectories(work.resolve("flink"));
        for (String dir : List.of("bin", "lib", "plugins")) {
            try (var paths = Files.walk(home.resolve(dir))) {
                for (Path path : (Iterable<Path>) paths::iterator) {
                    Path copy = layout.resolve(home.relativize(path));
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.createLink(copy, path);
                    }
                }
            }
        }
        // the application mode entry point takes usrlib/ next to lib/ (FLINK_LIB_DIR's parent) as the job's class path
        Path usrlib = Files.createDirectories(layout.resolve("usrlib"));
        Files.copy(jar, usrlib.resolve(IMAGE_JAR_NAME));
        // stands in for the Flink image's /docker-entrypoint.sh: the launcher each of its commands runs
        Files.writeString(
                work.resolve("docker-entrypoint.sh"),
                String.join(
                        "\n",
                        "#!/usr/bin/env bash",
                        "set -euo pipefail",
                        "case $1 in",
                        "  standalone-job) shift; exec \"$FLINK_HOME/bin/standalone-job.sh\" start-foreground \"$@\" ;;",
                        "  taskmanager) shift; exec \"$FLINK_HOME/bin/taskmanager.sh\" start-foreground \"$@\" ;;",
                        "  *) echo \"not a command of the image: $1\" >&2; exit 2 ;;",
                        "esac",
                        ""));
        work.resolve("docker-entrypoint.sh").toFile().setExecutable(true);
        return layout;
    }

    /** The jar's name in the image's usrlib/, as docker/Dockerfile copies it. */
    static final String IMAGE_JAR_NAME = "audit-trail-job.jar";

    /**
     * Runs a command of the job's image as its container does: docker/flink-entrypoint.sh with {@code command}
     * (standalone-job or taskmanager), this cluster's -D settings, then {@code args}; {@code environment} is added to
     * the cluster's for this process alone. Needs the image layout ({@link #FlinkCluster(Path, Map, Path)}).
     */
    Process startInImage(Path entrypoint, Map<String, String> environment, String command, String... args)
            throws IOException {
        List<String> line = new ArrayList<>(List.of(entrypoint.toString(), command));
        dynamicConfig.forEach(setting -> line.addAll(List.of("-D", setting)));
        line.addAll(List.of(args));
        Map<String, String> env = new java.util.HashMap<>(environment);
        env.put("FLINK_HOME", flinkHome.toString());
        env.put("FLINK_IMAGE_ENTRYPOINT", work.resolve("docker-entrypoint.sh").toString());
        env.put("FLINK_DATA_DIR", work.resolve("data").toString());
        env.put("FLINK_USER", System.getProperty("user.name"));
        return start(line, command, env);
    }

    /** The files of the standard output and error of the processes started so far. */
    List<Path> outputs() {
        return List.copyOf(outputs.values());
    }

    /** What a process started by this cluster has written to its standard output and error so far. */
    String output(Process process) throws IOException {
        return Files.readString(outputs.get(process), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Where the checkpoints of each job go, a directory per job id. */
    Path checkpoints() {
        return work.resolve("data/checkpoints");
    }

    Path logs() {
        return work.resolve("log");
    }

    /** Starts a JobManager with bin/jobmanager.sh. */
    Process startJobManager() throws IOException {
        return launch("jobmanager.sh");
    }

    /** Starts a TaskManager with bin/taskmanager.sh. */
    Process startTaskManager() throws IOException {
        return launch("taskmanager.sh");
    }

    private Process launch(String script) throws IOException {
        List<String> command =
                new ArrayList<>(List.of(flinkHome.resolve("bin").resolve(script).toString()));
        dynamicConfig.forEach(setting -> command.addAll(List.of("-D", setting)));
        return start(command, script.replace(".sh", ""), Map.of());
    }

    private Process start(List<String> command, String name, Map<String, String> extraEnvironment) throws IOException {
        Path out = logs().resolve(name + "-" + (++started) + ".out");
        Files.createDirectories(logs());
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().put("FLINK_LOG_DIR", logs().toString());
        builder.environment().putAll(environment);
        builder.environment().putAll(extraEnvironment);
        Process process = builder.start();
        processes.add(process);
        outputs.put(process, out);
        return process;
    }

    /** Runs bin/flink with {@code args} against this cluster and returns its output; fails unless it exits with 0. */
    String flink(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/flink").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("FLINK_LOG_DIR", logs().toString());
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new AssertionError(
                    "flink " + String.join(" ", args) + " failed: " + new String(output) + "; logs in " + logs());
        }
        return new String(output);
    }

    /** The JobManager's address for the CLI's -m. */
    String address() {
        return "localhost:" + restPort;
    }

    /** Submits {@code jar} detached, as {@code flink run -d [-s restorePath] jar args}; returns the job id. */
    String submit(Path jar, String restorePath, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("run", "-d", "-m", address()));
        if (restorePath != null) {
            command.addAll(List.of("-s", restorePath));
        }
        command.add(jar.toString());
        command.addAll(List.of(args));
        String output = flink(command.toArray(new String[0]));
        Matcher id = Pattern.compile("JobID ([0-9a-f]{32})").matcher(output);
        if (!id.find()) {
            throw new AssertionError("No job id in: " + output);
        }
        return id.group(1);
    }

    /** Stops the job with a savepoint under {@code directory}, as {@code flink stop --savepointPath}; returns the savepoint's path. */
    String stopWithSavepoint(String jobId, Path directory) throws Exception {
        String output = flink(
                "stop", "-m", address(), "--savepointPath", directory.toUri().toString(), jobId);
        Matcher path = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(output);
        if (!path.find()) {
            throw new AssertionError("No savepoint path in: " + output);
        }
        return path.group(1);
    }

    /**
     * Stops the job with a savepoint under {@code directory} through the REST API, as {@code POST /jobs/:id/stop} with a
     * target directory, and waits for it; returns the savepoint's location.
     */
    String stopWithSavepointRest(String jobId, Path directory) {
        String body = "{\"targetDirectory\": \"" + directory.toUri() + "\", \"drain\": false}";
        String trigger = send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + restPort + "/jobs/" + jobId + "/stop"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)))
                .get("request-id")
                .asText();
        JsonNode[] status = {null};
        poll(
                () -> {
                    status[0] = rest("/jobs/" + jobId + "/savepoints/" + trigger);
                    return "COMPLETED".equals(status[0].at("/status/id").asText());
                },
                Duration.ofSeconds(120),
                "the savepoint of stop " + trigger);
        JsonNode operation = status[0].get("operation");
        if (operation.has("failure-cause")) {
            throw new AssertionError("Stop with a savepoint failed: " + operation.get("failure-cause"));
        }
        return operation.get("location").asText();
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response =
                    http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new AssertionError("HTTP " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GETs a path of the REST API, the web UI's backend, as JSON. */
    JsonNode rest(String path) {
        String body = get(URI.create("http://localhost:" + restPort + path));
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GETs a URL's body; IOException as unchecked, so it can be polled. */
    String get(URI uri) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new UncheckedIOException(
                        new IOException(uri + ": HTTP " + response.statusCode() + " " + response.body()));
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls {@code done}, treating a REST call that fails (process starting or gone) as not yet. */
    void poll(java.util.function.BooleanSupplier done, Duration timeout, String what) {
        TestDatabase.poll(
                () -> {
                    try {
                        return done.getAsBoolean();
                    } catch (UncheckedIOException e) {
                        return false;
                    }
                },
                timeout,
                what + " (logs in " + logs() + ")");
    }

    /**
     * Waits until {@code count} TaskManagers are registered with the JobManager; on a timeout, says where each launched
     * process is (a launcher still in one of its own JVM runs, say).
     */
    void awaitTaskManagers(int count) {
        try {
            poll(
                    () -> rest("/taskmanagers").get("taskmanagers").size() == count,
                    Duration.ofSeconds(90),
                    count + " TaskManagers");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; processes: " + processTrees(), e);
        }
    }

    /** Each launched process: alive or its exit value, and the command lines of its descendants. */
    String processTrees() {
        StringBuilder out = new StringBuilder();
        for (Process process : processes) {
            out.append("\n  ").append(outputs.get(process).getFileName()).append(": ");
            out.append(process.isAlive() ? "running" : "exited " + process.exitValue());
            process.descendants().forEach(child -> out.append("\n    ")
                    .append(child.pid())
                    .append(' ')
                    .append(child.info().commandLine().orElse("?")));
        }
        return out.toString();
    }

    /** The job's checkpoint counts: completed, failed, in_progress, restored. */
    JsonNode checkpointCounts(String jobId) {
        return rest("/jobs/" + jobId + "/checkpoints").get("counts");
    }

    /** Waits until every task of the job runs and a checkpoint completed after {@code completedBefore}. */
    void awaitRunningAndCheckpointed(String jobId, long completedBefore) {
        poll(
                () -> {
                    JsonNode job = rest("/jobs/" + jobId);
                    if (!"RUNNING".equals(job.get("state").asText())) {
                        return false;
                    }
                    for (JsonNode vertex : job.get("vertices")) {
                        if (!"RUNNING".equals(vertex.get("status").asText())) {
                            return false;
                        }
                    }
                    return checkpointCounts(jobId).get("completed").asLong() > completedBefore;
                },
                Duration.ofSeconds(180),
                "job " + jobId + " to run and complete a checkpoint after #" + completedBefore);
    }

    /** The sum over the job's subtasks of an operator metric, as the web UI reads it; 0 until reported. */
    long metric(String jobId, String name) {
        long sum = 0;
        for (JsonNode vertex : rest("/jobs/" + jobId).get("vertices")) {
            String base = "/jobs/" + jobId + "/vertices/" + vertex.get("id").asText() + "/metrics";
            List<String> names = new ArrayList<>();
            rest(base).forEach(m -> {
                if (m.get("id").asText().endsWith("." + name)) {
                    names.add(m.get("id").asText());
                }
            });
            if (!names.isEmpty()) {
                for (JsonNode m : rest(base + "?get=" + String.join(",", names))) {
                    sum += (long) Double.parseDouble(m.get("value").asText());
                }
            }
        }
        return sum;
    }

    /** What the Prometheus reporters of the cluster's processes serve, concatenated; a port nobody serves is skipped. */
    String prometheus() {
        StringBuilder all = new StringBuilder();
        for (int port = prometheusPort; port <= prometheusPort + 5; port++) {
            try {
                all.append(get(URI.create("http://localhost:" + port + "/metrics")));
            } catch (UncheckedIOException e) {
                // no process on this port of the range
            }
        }
        return all.toString();
    }

    /** Kills a process at once: on Linux destroyForcibly sends SIGKILL, as {@code kill -9}; the launchers exec java, so this is the JVM. */
    static void kill9(Process process) throws Exception {
        process.destroyForcibly(); // no procps needed on the CI machine
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("Process " + process.pid() + " survived kill -9");
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
