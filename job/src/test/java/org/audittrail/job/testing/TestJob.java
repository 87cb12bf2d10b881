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

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;

/** Runs the real job on a Flink MiniCluster: submit, checkpoint, cancel, restore. */
public final class TestJob {

    /** Port of the Prometheus reporter of the cluster {@link #cluster()} made last (test classes run one after another). */
    public static int prometheusPort;

    /** A MiniCluster for an ITCase: one TaskManager, checkpoints kept under target/, metrics also for Prometheus. */
    public static MiniClusterExtension cluster() {
        Configuration config = new Configuration();
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Path.of("target", "checkpoints").toAbsolutePath().toUri().toString());
        config.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3); // so a test can restore an older one
        prometheusPort = freePort();
        config.setString(
                "metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        config.setString("metrics.reporter.prom.port", String.valueOf(prometheusPort));
        // the web UI's metrics fetched every second rather than every 10, so tests see them sooner
        config.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(4)
                .setConfiguration(config)
                .build());
    }

    /** A TCP port free on this machine now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final MiniCluster cluster;
    private JobID id;
    private int parallelism = 2;

    public TestJob(MiniCluster cluster) {
        this.cluster = cluster;
    }

    /** The parallelism of the jobs it submits from now on (2 unless set): a restore at another one rescales. */
    public TestJob parallelism(int parallelism) {
        this.parallelism = parallelism;
        return this;
    }

    /** Parses the command line as {@code flink run} would, builds the job and submits it. */
    public TestJob submit(String[] args) throws Exception {
        return submit(args, null);
    }

    /** As {@link #submit(String[])}, restoring from a checkpoint or savepoint when {@code restorePath} is given. */
    public TestJob submit(String[] args, String restorePath) throws Exception {
        start(args, restorePath);
        awaitStatus(JobStatus.RUNNING);
        return this;
    }

    /** Submits without waiting for it to run: a refused restore may fail it at once. */
    public TestJob start(String[] args, String restorePath) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(
                parallelism); // two jobs of 2 fit the cluster's four slots, as a second job on one database must be
        // tried
        JobConfig config = Main.config(args);
        AuditTrailJob.build(env, config);
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(config.jobName()); // as the jar's run names it, which metrics' job_name label shows
        JobGraph graph = streamGraph.getJobGraph();
        if (restorePath != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restorePath));
        }
        id = cluster.submitJob(graph).get().getJobID();
        return this;
    }

    /**
     * The web UI's pages where the job's arguments, configuration, plan or failures show, by REST path, each answered
     * with 200: a test asserts that no secret and no row value is among them.
     */
    public Map<String, String> pagesShowingTheJob() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, String> pages = new java.util.LinkedHashMap<>();
        for (String path : List.of(
                "/jobs/" + id,
                "/jobs/" + id + "/config",
                "/jobs/" + id + "/plan",
                "/jobs/" + id + "/exceptions",
                "/jobmanager/config",
                "/jobs/overview")) {
            java.net.http.HttpResponse<String> response = http.send(
                    java.net.http.HttpRequest.newBuilder(restAddress().resolve(path))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            pages.put(path, response.body());
        }
        return pages;
    }

    /** Takes a checkpoint now and returns its path. */
    public String checkpoint() throws Exception {
        return cluster.triggerCheckpoint(id).get();
    }

    /** Stops the job with a savepoint, as {@code flink stop} does, and returns the savepoint's path. */
    public String stopWithSavepoint() throws Exception {
        String path = cluster.stopWithSavepoint(
                        id,
                        Path.of("target", "savepoints").toAbsolutePath().toUri().toString(),
                        false,
                        SavepointFormatType.CANONICAL)
                .get();
        awaitStatus(JobStatus.FINISHED);
        id = null;
        return path;
    }

    /** Polls {@link #metric} until it reaches {@code atLeast}, then returns it: the REST API's metrics lag behind. */
    public long awaitMetric(String name, long atLeast) throws Exception {
        TestDatabase.poll(
                () -> {
                    try {
                        return metric(name) >= atLeast;
                    } catch (Exception e) {
                        return false;
                    }
                },
                java.time.Duration.ofSeconds(30),
                "the metric " + name + " at " + atLeast);
        return metric(name);
    }

    /** The sum over subtasks of an operator metric, read from the REST API as the web UI does; 0 until reported. */
    public long metric(String name) throws Exception {
        long sum = 0;
        for (double value : metricValues(restAddress(), id, name)) {
            sum += (long) value;
        }
        return sum;
    }

    /**
     * Each subtask's value of operator metric {@code name} of job {@code job}, read from the REST API at {@code rest}
     * as the web UI does; none until reported. For a job this class did not submit, as the benchmarks' own.
     */
    public static List<Double> metricValues(java.net.URI rest, JobID job, String name) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<Double> values = new ArrayList<>();
        for (JsonNode vertex : get(http, rest, "/jobs/" + job).get("vertices")) {
            String base = "/jobs/" + job + "/vertices/" + vertex.get("id").asText() + "/metrics";
            List<String> names = new ArrayList<>();
            for (JsonNode m : get(http, rest, base)) {
                if (m.get("id").asText().endsWith("." + name)) {
                    names.add(m.get("id").asText());
                }
            }
            if (!names.isEmpty()) {
                for (JsonNode m : get(http, rest, base + "?get=" + String.join(",", names))) {
                    values.add(Double.parseDouble(m.get("value").asText()));
                }
            }
        }
        return values;
    }

    /** One sample of a Prometheus scrape: metric name, labels, value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The samples of this job in what Prometheus scrapes from the cluster's reporter now. */
    public List<Sample> prometheus() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + prometheusPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        List<Sample> samples = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            if (id.toString().equals(labels.get("job_id"))) {
                samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
            }
        }
        return samples;
    }

    private JsonNode get(HttpClient http, String path) throws Exception {
        return get(http, restAddress(), path);
    }

    private static JsonNode get(HttpClient http, java.net.URI rest, String path) throws Exception {
        HttpResponse<String> response =
                http.send(HttpRequest.newBuilder(rest.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        return org.audittrail.udf.values.Json.parse(response.body());
    }

    /** Waits until the job has failed (and is restarting or failed) with {@code text} in its exception history. */
    public String awaitException(String text) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String[] exceptions = {""};
        TestDatabase.poll(
                () -> {
                    try {
                        exceptions[0] = get(http, "/jobs/" + id + "/exceptions").toString();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return exceptions[0].contains(text);
                },
                Duration.ofSeconds(60),
                "job " + id + " to fail with: " + text);
        return exceptions[0];
    }

    /**
     * Waits until the job has failed for good (no restart) and returns the reason: the first line of the cause of its
     * root exception, whose own first line is always Flink's {@code JobException: The failure is not recoverable}.
     */
    public String awaitFailedForGood() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String[] root = {null};
        // the REST API may answer FAILED a moment before its exception history holds the failure
        TestDatabase.poll(
                () -> {
                    try {
                        if (cluster.getJobStatus(id).get() != JobStatus.FAILED) {
                            return false;
                        }
                        var exception = get(http, "/jobs/" + id + "/exceptions").get("root-exception");
                        root[0] = exception == null || exception.isNull() ? null : exception.asText();
                        return root[0] != null;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                Duration.ofSeconds(60),
                "job " + id + " to fail for good");
        // the refusal is the wrapper's cause, or, where the enumerator refused, one cause further down
        return root[0].lines()
                .filter(line -> line.startsWith("Caused by: org.audittrail."))
                .findFirst()
                .map(line -> line.substring("Caused by: ".length()))
                .orElse(root[0]);
    }

    /** The first lines of the exceptions of every failed attempt of the job, newest first. */
    public List<String> failures() throws Exception {
        List<String> failures = new ArrayList<>();
        for (JsonNode entry : get(HttpClient.newHttpClient(), "/jobs/" + id + "/exceptions")
                .get("exceptionHistory")
                .get("entries")) {
            failures.add(entry.get("stacktrace").asText().lines().findFirst().orElse(""));
        }
        return failures;
    }

    /** Cancels the job and waits until it is gone. */
    public void cancel() throws Exception {
        if (id != null && !cluster.getJobStatus(id).get().isGloballyTerminalState()) {
            cluster.cancelJob(id).get();
            awaitStatus(JobStatus.CANCELED);
        }
        id = null;
    }

    /** Where the cluster's REST API, the web UI's backend, listens. */
    public java.net.URI restAddress() throws Exception {
        return cluster.getRestAddress().get();
    }

    public JobID id() {
        return id;
    }

    private void awaitStatus(JobStatus expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JobStatus status = cluster.getJobStatus(id).get();
        while (status != expected) {
            if (status.isGloballyTerminalState() || System.nanoTime() > deadline) {
                throw new AssertionError("Job " + id + " is " + status + ", expected " + expected
                        + (status == JobStatus.FAILED
                                ? ": "
                                        + cluster.requestJobResult(id)
                                                .get()
                                                .getSerializedThrowable()
                                                .map(t -> t.getFullStringifiedStackTrace())
                                                .orElse("")
                                : ""));
            }
            Thread.sleep(50); // polling interval of a deadline-bounded wait
            status = cluster.getJobStatus(id).get();
        }
    }
}
