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

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.testing.TestDatabase;

/**
 * One transaction of a million rows with context through the real job, in a JVM whose heap is capped (the bench profile
 * gives it 512 MiB): the most heap it used and its peak resident set. Writes its section of bench/RESULTS.md.
 */
public final class MemoryBenchmark {

    static final String CONTEXT = " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\"} Bemi*/";

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        try (TestDatabase db = TestDatabase.start()) {
            db.execute(
                    "CREATE TABLE todo (id bigserial PRIMARY KEY, task text NOT NULL, is_completed boolean NOT NULL DEFAULT false,"
                            + " updated_at timestamptz NOT NULL DEFAULT now())");
            Configuration config = new Configuration();
            config.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    Files.createTempDirectory("bench-checkpoints").toUri().toString());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
            JobConfig options = Main.config(db.args());
            AuditTrailJob.build(env, options);
            JobClient client = env.executeAsync(options.jobName());
            try {
                Results.write(results, "memory", largeTransaction(db, rows));
            } finally {
                client.cancel().get();
            }
        }
    }

    static String largeTransaction(TestDatabase db, int rows) throws Exception {
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
        LatencyBenchmark.awaitStored(db, rows);
        Duration stored = Duration.between(start, Instant.now());
        sampler.interrupt();
        long withContext =
                ((Number) db.value("SELECT count(*) FROM changes WHERE context->>'user_id' = '187234'")).longValue();
        return String.format(
                "## Memory%n%n`mvn -B -Pbench -DskipTests verify` (MemoryBenchmark), %s, %d cores: one transaction of"
                        + " %,d rows with context through the job (a local MiniCluster of parallelism 2, heap state), in a JVM with"
                        + " a %d MiB heap that also holds the benchmark and PostgreSQL's client.%n%n"
                        + "| committed in | all stored after | changes/s | stored with their context | heap peak (before) | peak RSS |%n"
                        + "|---|---|---|---|---|---|%n| %.1f s | %.1f s | %,.0f | %,d | %d MiB (%d MiB) | %d MiB |%n",
                LocalDate.now(),
                Runtime.getRuntime().availableProcessors(),
                rows,
                Runtime.getRuntime().maxMemory() / (1024 * 1024),
                committed.toMillis() / 1000.0,
                stored.toMillis() / 1000.0,
                rows / (stored.toMillis() / 1000.0),
                withContext,
                peak.get() / (1024 * 1024),
                baseline / (1024 * 1024),
                Cpu.peakRssMiB());
    }
}
