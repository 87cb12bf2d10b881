package org.audittrail.bench;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.JobOptions;
import org.audittrail.job.Main;
import org.audittrail.job.TestDatabase;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real job on an embedded PostgreSQL in a local MiniCluster, on this machine: latency under low traffic,
 * throughput of small transactions with context, and one transaction of a million rows within a small heap.
 * Writes its numbers to the file given as argument (bench/RESULTS.md).
 */
public final class ThroughputBenchmark {

    static final String CONTEXT = " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\"} Bemi*/";

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        List<String> lines = new ArrayList<>();
        try (TestDatabase db = TestDatabase.start()) {
            db.execute("CREATE TABLE todo (id bigserial PRIMARY KEY, task text NOT NULL, is_completed boolean NOT NULL DEFAULT false,"
                    + " updated_at timestamptz NOT NULL DEFAULT now())");
            Configuration config = new Configuration();
            config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    Files.createTempDirectory("bench-checkpoints").toUri().toString());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
            JobOptions options = Main.options(db.args());
            AuditTrailJob.build(env, options);
            JobClient client = env.executeAsync(options.jobName());
            try {
                lines.add(latency(db));
                lines.add(smallTransactions(db));
                lines.add(largeTransaction(db));
            } finally {
                client.cancel().get();
            }
        }
        String text = "# Benchmark results\n\n"
                + "Written by `mvn -B -Pbench -DskipTests verify` (bench/src/main/java/org/audittrail/bench/ThroughputBenchmark.java):\n"
                + "the real job (parallelism 2, heap state) on embedded PostgreSQL 15, source and destination in one,\n"
                + "on this machine (" + Runtime.getRuntime().availableProcessors() + " cores, JVM heap capped at "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB for PostgreSQL's client, Flink and the benchmark).\n"
                + "Last run: " + Instant.now() + "\n\n"
                + "| benchmark | result |\n|---|---|\n" + String.join("\n", lines) + "\n";
        Files.writeString(results, text);
        System.out.println(text);
    }

    /** One change every 100 ms: how long from commit to stored, as PostgreSQL's clock tells. */
    static String latency(TestDatabase db) throws Exception {
        int changes = 50;
        for (int i = 0; i < changes; i++) {
            db.execute("INSERT INTO todo (task) VALUES ('latency " + i + "')" + CONTEXT);
            Thread.sleep(100); // the pace of low traffic, not a wait for a result
        }
        await(db, changes);
        List<Double> millis = new ArrayList<>();
        for (Map<String, Object> row : db.query("SELECT extract(epoch FROM created_at - committed_at) * 1000 AS ms FROM changes")) {
            millis.add(((Number) row.get("ms")).doubleValue());
        }
        Collections.sort(millis);
        return String.format("| latency, commit to stored, one change every 100 ms (%d changes) | median %.0f ms, max %.0f ms |",
                changes, millis.get(millis.size() / 2), millis.get(millis.size() - 1));
    }

    /** 10,000 transactions of 10 single-row statements, each with its context. */
    static String smallTransactions(TestDatabase db) throws Exception {
        db.execute("TRUNCATE changes");
        int transactions = 10_000;
        int statements = 10;
        Instant start = Instant.now();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int t = 0; t < transactions; t++) {
                for (int i = 0; i < statements; i++) {
                    s.addBatch("INSERT INTO todo (task) VALUES ('small " + t + "." + i + "')" + CONTEXT);
                }
                s.executeBatch();
                c.commit();
            }
        }
        Duration written = Duration.between(start, Instant.now());
        await(db, transactions * statements);
        Duration stored = Duration.between(start, Instant.now());
        return String.format("| %,d transactions of %d rows with context | written in %.1f s, all stored after %.1f s: %,.0f changes/s |",
                transactions, statements, written.toMillis() / 1000.0, stored.toMillis() / 1000.0,
                transactions * statements / (stored.toMillis() / 1000.0));
    }

    /** One transaction of a million rows with context, and the most heap the whole JVM used meanwhile. */
    static String largeTransaction(TestDatabase db) throws Exception {
        db.execute("TRUNCATE changes");
        int rows = 1_000_000;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong(baseline);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(50); // sampling interval
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        Instant start = Instant.now();
        db.execute("INSERT INTO todo (task) SELECT 'large ' || i FROM generate_series(1, " + rows + ") i" + CONTEXT);
        Duration committed = Duration.between(start, Instant.now());
        await(db, rows);
        Duration stored = Duration.between(start, Instant.now());
        sampler.interrupt();
        long withContext = ((Number) db.value("SELECT count(*) FROM changes WHERE context->>'user_id' = '187234'")).longValue();
        return String.format("| one transaction of %,d rows with context | committed in %.1f s, all stored after %.1f s:"
                        + " %,.0f changes/s; %,d with their context; heap peak %d MiB (%d MiB before) |",
                rows, committed.toMillis() / 1000.0, stored.toMillis() / 1000.0, rows / (stored.toMillis() / 1000.0),
                withContext, peak.get() / (1024 * 1024), baseline / (1024 * 1024));
    }

    private static void await(TestDatabase db, long count) {
        db.await("SELECT count(*) AS n FROM changes", r -> ((Number) r.get(0).get("n")).longValue() >= count, Duration.ofMinutes(15));
    }
}
