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
package org.audittrail.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestJob;

/**
 * Commit to stored with the job caught up: a steady rate of single-row changes with context for a minute, at 100/s
 * and at 1,000/s, each on a fresh job; the percentiles are the job's own histogram {@code commitToStoredLatencyMs}
 * (commit time from the WAL to the sink's flush), read from the REST API as the web UI shows it. Writes its section
 * of bench/RESULTS.md.
 */
public final class LatencyBenchmark {

    static final String METRIC = "commitToStoredLatencyMs";
    static final int WRITERS = 4;

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        if (args.length > 2) {
            chained(results, seconds, Integer.parseInt(args[2]));
            return;
        }
        StringBuilder out = new StringBuilder(
                        "## Latency, commit to stored\n\n`mvn -B -Pbench -DskipTests verify` (LatencyBenchmark), ")
                .append(LocalDate.now())
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores. Single-row INSERTs with a context, at a steady rate for ")
                .append(seconds)
                .append(" s from ")
                .append(WRITERS)
                .append(" connections, the job caught up (a local MiniCluster of parallelism 2;"
                        + " source and destination one embedded PostgreSQL 15). Percentiles of the job's histogram `")
                .append(METRIC)
                .append(
                        "` (from the commit time the WAL carries to the sink's flush), read from the REST API as the web UI shows"
                                + " them; the worse of the two writers; it also holds the"
                                + " probe change stored while the job started. Beside them each load change's own, from the"
                                + " destination: the commit time of the sink's transaction that stored it"
                                + " (`pg_xact_commit_timestamp(xmin)`) less its source commit time; and the three slowest"
                                + " changes, when they committed after the load's first, with the checkpoints and the time in"
                                + " garbage collection (the MiniCluster runs in the benchmark's JVM) that overlapped their wait.\n\n"
                                + "| rate | changes | p50 (job) | p99 (job) | max (job) | p50 (stored) | p99 (stored)"
                                + " | max (stored) | slowest |\n|---|---|---|---|---|---|---|---|---|\n");
        try (TestDatabase db = TestDatabase.start()) {
            db.executeFixture("bench/item.sql");
            for (int rate : new int[] {100, 1_000}) {
                out.append(run(db, rate, seconds)).append('\n');
            }
        }
        Results.write(results, "latency", out.toString());
    }

    /**
     * The same load on the job without and with a 20-rule privacy policy and --hash-chain (a heartbeat every second in
     * both), interleaved, {@code rounds} rounds: the "p99 latency with chaining", beside its anchor.
     */
    static void chained(Path results, int seconds, int rounds) throws Exception {
        StringBuilder out = new StringBuilder("Commit to stored with a 20-rule privacy policy and `--hash-chain`"
                        + " (LatencyBenchmark with a rounds argument), ")
                .append(LocalDate.now())
                .append(": the load above for ")
                .append(seconds)
                .append(
                        " s at each rate, on the job without and with PrivacyPolicyBenchmark's policy and the chain, one"
                                + " after the other in each round, `--heartbeat-interval-ms 1000` in both. The chain holds each"
                                + " change until the watermark, sent every 5 ms, passes the source's stamp of it (its"
                                + " commit's millisecond, never lower than the one before).\n\n"
                                + "| rate | round | p50 without | p50 with | p99 without | p99 with | max without | max with |\n"
                                + "|---|---|---|---|---|---|---|---|\n");
        try (TestDatabase db = TestDatabase.start()) {
            db.executeFixture("bench/item.sql");
            Path dir = Files.createTempDirectory("latency-policy");
            Path policy = Files.writeString(dir.resolve("policy.json"), PrivacyPolicyBenchmark.POLICY);
            Path key = Files.writeString(dir.resolve("key"), "k".repeat(32));
            String[] plain = {"--heartbeat-interval-ms", "1000"};
            String[] chain = {
                "--heartbeat-interval-ms",
                "1000",
                "--privacy-policy-file",
                policy.toString(),
                "--privacy-hash-key-file",
                key.toString(),
                "--hash-chain"
            };
            for (int rate : new int[] {100, 1_000}) {
                for (int round = 1; round <= rounds; round++) {
                    double[] without = percentiles(db, rate, seconds, plain);
                    double[] with = percentiles(db, rate, seconds, chain);
                    out.append(String.format(
                            "| %,d/s | %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms |%n",
                            rate, round, without[0], with[0], without[1], with[1], without[2], with[2]));
                }
            }
        }
        Results.write(results, "latency-chain", out.toString());
    }

    static String run(TestDatabase db, int rate, int seconds) throws Exception {
        Latency l = latency(db, rate, seconds);
        return String.format(
                "| %,d/s | %,d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %s |",
                rate,
                rate * seconds,
                l.job()[0],
                l.job()[1],
                l.job()[2],
                l.stored()[0],
                l.stored()[1],
                l.stored()[2],
                l.slowest());
    }

    /**
     * A run's latency: the job's histogram as the web UI shows it (p50, p99, max; it also holds the caught-up probe,
     * stored while the job started), each load change's from the destination (the same three), and the slowest ones.
     */
    record Latency(double[] job, double[] stored, String slowest) {}

    /** p50, p99 and max of the job's histogram for a run at {@code rate} (see {@link #latency}). */
    static double[] percentiles(TestDatabase db, int rate, int seconds, String... extra) throws Exception {
        return latency(db, rate, seconds, extra).job();
    }

    /** A run at {@code rate} for {@code seconds} on a fresh job given {@code extra} options. */
    static Latency latency(TestDatabase db, int rate, int seconds, String... extra) throws Exception {
        db.execute("DROP TABLE IF EXISTS changes CASCADE");
        int port = TestJob.freePort();
        Configuration config = new Configuration();
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Files.createTempDirectory("bench-checkpoints").toUri().toString());
        config.set(RestOptions.PORT, port);
        config.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        JobConfig options = Main.config(db.args(extra));
        AuditTrailJob.build(env, options);
        JobClient client = env.executeAsync(options.jobName());
        try (Stalls stalls = new Stalls()) {
            db.execute("INSERT INTO bench_sentinel (id) VALUES ('caught-up-" + rate + "')");
            awaitStored(db, 1);
            int changes = rate * seconds;
            drive(db, rate, changes);
            awaitStored(db, 1 + changes);
            URI rest = URI.create("http://localhost:" + port);
            JobID job = client.getJobID();
            double[] p = new double[3];
            String[] names = {METRIC + "_median", METRIC + "_p99", METRIC + "_max"};
            // the writers' histograms, once the web UI's fetcher has read them after the last change
            long count = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (count < 1 + changes && System.nanoTime() < deadline) {
                Thread.sleep(500); // the REST API's metrics are fetched every second
                count = (long) writerMetric(rest, job, METRIC + "_count", true);
            }
            for (int i = 0; i < names.length; i++) {
                p[i] = writerMetric(rest, job, names[i], false);
            }
            List<Stalls.Stored> stored = Stalls.stored(db, "item", 0);
            return new Latency(p, Stalls.percentiles(stored), stalls.slowest(stored, Stalls.checkpoints(rest, job), 3));
        } finally {
            client.cancel().get();
            db.execute("TRUNCATE bench_sentinel");
        }
    }

    /** {@code changes} single-row INSERTs at {@code rate} per second, spread over {@value #WRITERS} connections. */
    static void drive(TestDatabase db, int rate, int changes) throws Exception {
        long start = System.nanoTime() + 100_000_000L;
        long interval = 1_000_000_000L / rate;
        AtomicLong late = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(pool.submit(() -> {
                try (Connection c = db.connect();
                        Statement s = c.createStatement()) {
                    for (int i = writer; i < changes; i += WRITERS) {
                        long due = start + i * interval;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait); // the pace of the load, not a wait for a result
                        } else if (wait < -interval * 10) {
                            late.incrementAndGet();
                        }
                        s.execute(
                                "INSERT INTO item (name, price, quantity, tags, attributes, note, created_at, updated_at)"
                                        + " VALUES ('item " + i + "', 9.99, " + i
                                        + ", ARRAY['a', 'b'], '{\"color\": \"red\"}', 'note', now(), now())"
                                        + LimitsBenchmark.context("POST", i));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : writers) {
            f.get();
        }
        pool.shutdown();
        if (late.get() > changes / 100) {
            System.out.println("Warning: " + late.get() + " of " + changes
                    + " writes left more than 10 intervals late: the load fell behind its rate");
        }
    }

    static void awaitStored(TestDatabase db, long count) {
        TestDatabase.poll(
                () -> ((Number) db.value("SELECT count(*) FROM changes")).longValue() >= count,
                Duration.ofMinutes(5),
                count + " changes stored");
    }

    /**
     * Each subtask's value of metric {@code name} from the REST API, as the web UI reads it (as TestJob does, with the
     * Jackson of the class path: this runs beside the job's shaded jar, whose own is relocated).
     */
    static List<Double> metricValues(URI rest, JobID job, String name) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.function.Function<String, com.fasterxml.jackson.databind.JsonNode> get = path -> {
            try {
                return json.readTree(http.send(
                                java.net.http.HttpRequest.newBuilder(rest.resolve(path))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        List<Double> values = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode vertex :
                get.apply("/jobs/" + job).get("vertices")) {
            String base = "/jobs/" + job + "/vertices/" + vertex.get("id").asText() + "/metrics";
            List<String> names = new ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode m : get.apply(base)) {
                if (m.get("id").asText().endsWith("." + name)) {
                    names.add(m.get("id").asText());
                }
            }
            if (!names.isEmpty()) {
                for (com.fasterxml.jackson.databind.JsonNode m : get.apply(base + "?get=" + String.join(",", names))) {
                    values.add(Double.parseDouble(m.get("value").asText()));
                }
            }
        }
        return values;
    }

    /** The writers' metric from the REST API: their sum, or the largest of them. */
    static double writerMetric(URI rest, JobID job, String name, boolean sum) throws Exception {
        double result = 0;
        for (double v : metricValues(rest, job, name)) {
            if (Double.isNaN(v)) {
                continue; // a writer that got no change (the chain sends a database's changes to one)
            }
            result = sum ? result + v : Math.max(result, v);
        }
        return result;
    }
}
