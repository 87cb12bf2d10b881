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

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.config.Options;
import org.audittrail.job.testing.TestDatabase;

/**
 * One transaction of ten million rows with context through the real job, in a JVM whose heap is capped at 256 MiB (the
 * bench profile's -Xmx; the MiniCluster's TaskManager, the benchmark and PostgreSQL's client share it): the most heap in
 * use, the most still live after a collection, the largest checkpoint and the peak resident set. Writes its section of
 * bench/RESULTS.md.
 */
public final class MemoryBenchmark {

    static final String CONTEXT = " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\"} Bemi*/";

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 10_000_000;
        Path checkpoints = Files.createTempDirectory("bench-checkpoints");
        // the destination on a server of its own: the slot holds the source's WAL from the transaction's start until
        // the job has stored all of it, which on one server would keep every write of the ten million changes too
        try (TestDatabase destination = TestDatabase.start();
                TestDatabase db = TestDatabase.start()) {
            db.execute(
                    "CREATE TABLE todo (id bigserial PRIMARY KEY, task text NOT NULL, is_completed boolean NOT NULL DEFAULT false,"
                            + " updated_at timestamptz NOT NULL DEFAULT now())");
            Configuration config = new Configuration();
            config.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    checkpoints.toUri().toString());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
            JobConfig options = Main.config(db.args(
                    "--destination-db-port",
                    String.valueOf(destination.port()),
                    "--destination-db-password=" + TestDatabase.PASSWORD));
            AuditTrailJob.build(env, options);
            JobClient client = env.executeAsync(options.jobName());
            try {
                Results.write(results, "memory", largeTransaction(db, destination, rows, checkpoints));
            } finally {
                client.cancel().get();
            }
        }
    }

    static String largeTransaction(TestDatabase db, TestDatabase destination, int rows, Path checkpoints)
            throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong(baseline);
        AtomicLong live = new AtomicLong(baseline);
        AtomicLong largestCheckpoint = new AtomicLong();
        afterEachCollection(live);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                largestCheckpoint.accumulateAndGet(largestCheckpoint(checkpoints), Math::max);
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
        long withContext;
        try (Connection c = destination.connect();
                Statement s = c.createStatement()) {
            // statistics first: counting a growing table of millions of rows over and over would slow the run it
            // measures
            LimitsBenchmark.await(
                    s,
                    "SELECT coalesce(sum(n_tup_ins), 0) >= " + rows + " FROM pg_stat_user_tables"
                            + " WHERE relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'changes'::regclass)");
            LimitsBenchmark.await(s, "SELECT count(*) >= " + rows + " FROM changes");
            Duration stored = Duration.between(start, Instant.now());
            sampler.interrupt();
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM changes WHERE context->>'user_id' = '187234'")) {
                rs.next();
                withContext = rs.getLong(1);
            }
            return String.format(
                    "## Memory%n%n`mvn -B -Pbench -DskipTests verify` (MemoryBenchmark), %s, %d cores: one transaction of"
                            + " %,d rows with context (one INSERT ... SELECT) through the job (a local MiniCluster of parallelism"
                            + " 2, heap state, a checkpoint every %s), in a JVM with a %d MiB heap that also holds the benchmark"
                            + " and PostgreSQL's client; source and destination are two embedded PostgreSQL 15 servers. Heap in use is sampled every 50 ms (it includes garbage not yet"
                            + " collected); live after a collection is the most the heap held after any collection (what the"
                            + " job keeps); the largest checkpoint is the most a completed checkpoint held on disk (the job's"
                            + " state: the stitcher holds a transaction's context messages, never its rows).%n%n"
                            + "| committed in | all stored after | changes/s | stored with their context | heap in use, peak"
                            + " (before) | live after a collection, peak | largest checkpoint | peak RSS |%n"
                            + "|---|---|---|---|---|---|---|---|%n"
                            + "| %.1f s | %.1f s | %,.0f | %,d | %d MiB (%d MiB) | %d MiB | %,d KiB | %d MiB |%n",
                    LocalDate.now(),
                    Runtime.getRuntime().availableProcessors(),
                    rows,
                    Options.CHECKPOINT_INTERVAL_MS.defaultValue() + " ms",
                    Runtime.getRuntime().maxMemory() / (1024 * 1024),
                    committed.toMillis() / 1000.0,
                    stored.toMillis() / 1000.0,
                    rows / (stored.toMillis() / 1000.0),
                    withContext,
                    peak.get() / (1024 * 1024),
                    baseline / (1024 * 1024),
                    live.get() / (1024 * 1024),
                    largestCheckpoint.get() / 1024,
                    Cpu.peakRssMiB());
        }
    }

    /** Keeps in {@code live} the most heap used after any stop-the-world collection (concurrent cycles' pauses left out). */
    static void afterEachCollection(AtomicLong live) {
        // the collections' figures cover every memory pool: count the heap's only (not metaspace, not the code cache)
        Set<String> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc.getName().contains("Concurrent")) {
                continue; // a remark or cleanup pause reports the heap before the cycle frees it
            }
            ((NotificationEmitter) gc)
                    .addNotificationListener(
                            (notification, handback) -> {
                                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                                        notification.getType())) {
                                    long used = GarbageCollectionNotificationInfo.from(
                                                    (CompositeData) notification.getUserData())
                                            .getGcInfo()
                                            .getMemoryUsageAfterGc()
                                            .entrySet()
                                            .stream()
                                            .filter(pool -> heap.contains(pool.getKey()))
                                            .mapToLong(pool -> pool.getValue().getUsed())
                                            .sum();
                                    live.accumulateAndGet(used, Math::max);
                                }
                            },
                            null,
                            null);
        }
    }

    /** The bytes of the largest completed checkpoint under {@code dir} (one with its metadata written). */
    static long largestCheckpoint(Path dir) {
        long largest = 0;
        try (Stream<Path> checkpoints =
                Files.find(dir, 2, (p, a) -> p.getFileName().toString().startsWith("chk-"))) {
            for (Path chk : (Iterable<Path>) checkpoints::iterator) {
                if (Files.exists(chk.resolve("_metadata"))) {
                    try (Stream<Path> files = Files.walk(chk)) {
                        largest = Math.max(
                                largest,
                                files.filter(Files::isRegularFile)
                                        .mapToLong(f -> f.toFile().length())
                                        .sum());
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return largest; // a checkpoint removed while being read: the next sample sees the one after
        }
        return largest;
    }
}
