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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shaded job jar on the assembled Flink directory, run as in production: JobManager and TaskManager processes, the
 * flink CLI, TaskManagers and the JobManager killed with kill -9, stop with a savepoint and an upgrade after a quiet
 * minute, and every change stored exactly once with its context, checked against the writes' own ledger.
 */
class ClusterE2EITCase {

    private static final Path JOB_JAR = Path.of(System.getProperty("job.jar", "../job/target/audit-trail-job.jar"));

    private TestDatabase db;
    private FlinkCluster cluster;
    private Writer writer;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabase.start();
        db.execute(
                "CREATE TABLE e2e (id int PRIMARY KEY, note text NOT NULL)",
                "CREATE TABLE untracked (id int PRIMARY KEY)");
        Path work = Path.of("target", "e2e-" + Instant.now().toEpochMilli()).toAbsolutePath();
        // the password as production gives it, in the client's environment, never on its command line
        cluster = new FlinkCluster(work, Map.of("DB_PASSWORD", TestDatabase.PASSWORD));
    }

    @AfterEach
    void stop() throws Exception {
        if (writer != null) {
            writer.finish();
        }
        cluster.close();
        db.close();
    }

    @Test
    void everyChangeExactlyOnceThroughKillsStopUpgradeAndJobManagerLoss() throws Exception {
        String[] args = {
            "--db-host",
            "localhost",
            "--db-port",
            String.valueOf(db.port()),
            "--db-name",
            "postgres",
            "--db-user",
            "postgres",
            "--tables",
            "public.e2e",
            "--checkpoint-interval-ms",
            "2000"
        };
        Process jobManager = cluster.startJobManager();
        Process taskManager = cluster.startTaskManager();
        cluster.awaitTaskManagers(1);

        String job = cluster.submit(JOB_JAR, null, args);
        cluster.awaitRunningAndCheckpointed(job, 0);
        writer = new Writer(db);
        writer.start();

        // the web UI and REST API show the job and its metrics; the Prometheus plugin serves them too
        assertThat(cluster.get(java.net.URI.create("http://localhost:" + cluster.restPort + "/")))
                .contains("<html");
        assertThat(cluster.rest("/jobs/overview").toString()).contains(job).contains("audit-trail");
        cluster.poll(
                () -> cluster.metric(job, "changesWithContext") > 0,
                Duration.ofSeconds(60),
                "changesWithContext in the REST API");
        cluster.poll(
                () -> cluster.prometheus().contains("flink_taskmanager_job_task_operator_changesWithContext"),
                Duration.ofSeconds(60),
                "changesWithContext from the Prometheus reporter");

        // a TaskManager killed while writes go on: the job restarts on a new one from its last checkpoint
        long completed = cluster.checkpointCounts(job).get("completed").asLong();
        FlinkCluster.kill9(taskManager);
        taskManager = cluster.startTaskManager();
        cluster.awaitRunningAndCheckpointed(job, completed);

        // killed during a checkpoint: the destination is locked, so the sink cannot flush and the checkpoint stays open
        long failed = cluster.checkpointCounts(job).get("failed").asLong();
        try (Connection lock = db.connect();
                Statement s = lock.createStatement()) {
            lock.setAutoCommit(false);
            s.execute("LOCK TABLE changes IN EXCLUSIVE MODE");
            cluster.poll(
                    () -> cluster.checkpointCounts(job).get("in_progress").asLong() > 0,
                    Duration.ofSeconds(60),
                    "a checkpoint in progress");
            completed = cluster.checkpointCounts(job).get("completed").asLong();
            FlinkCluster.kill9(taskManager);
            lock.rollback();
        }
        taskManager = cluster.startTaskManager();
        cluster.awaitRunningAndCheckpointed(job, completed);
        assertThat(cluster.checkpointCounts(job).get("failed").asLong())
                .as("the checkpoint the kill interrupted")
                .isGreaterThan(failed);

        // a quiet minute, as restore defects showed only after idle time: no tracked change, WAL written to an
        // untracked
        // table, and the slot moved on only by the job's heartbeats and checkpoints
        writer.quiet();
        long quietUntil = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        String[] walAfterAMinute = {null};
        // the quiet period ends once a minute has passed and the slot has moved past the untracked WAL written in it
        cluster.poll(
                () -> {
                    if (walAfterAMinute[0] == null && System.nanoTime() - quietUntil >= 0) {
                        walAfterAMinute[0] =
                                db.value("SELECT pg_current_wal_lsn()::text").toString();
                    }
                    return walAfterAMinute[0] != null
                            && (Boolean) db.value("SELECT confirmed_flush_lsn >= '" + walAfterAMinute[0]
                                    + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'bemi'");
                },
                Duration.ofMinutes(3),
                "a quiet minute, the slot moved past it by the job's heartbeats and checkpoints alone");
        writer.proceed();

        // stop with a savepoint right after it, while writes go on; a rebuilt jar starts from it, the writes made
        // meanwhile included
        String savepoint = cluster.stopWithSavepoint(job, cluster.work.resolve("stop-savepoints"));
        int writtenAtStop = writer.size();
        cluster.poll(
                () -> writer.size() > writtenAtStop + 50, Duration.ofSeconds(30), "writes while the job is stopped");
        String upgraded = cluster.submit(rebuiltJar(), savepoint, args);
        cluster.awaitRunningAndCheckpointed(upgraded, 0);

        // the JobManager killed: without HA the job is gone with it; it is resubmitted from its newest checkpoint
        long completedAfterUpgrade =
                cluster.checkpointCounts(upgraded).get("completed").asLong();
        cluster.poll(
                () -> cluster.checkpointCounts(upgraded).get("completed").asLong() > completedAfterUpgrade + 1,
                Duration.ofSeconds(60),
                "another checkpoint with writes in it");
        FlinkCluster.kill9(jobManager);
        String checkpoint = newestCheckpoint(cluster.checkpoints().resolve(upgraded));
        jobManager = cluster.startJobManager();
        cluster.awaitTaskManagers(1);
        // the TaskManager drops the lost JobManager's tasks within a heartbeat timeout; until then the new job would
        // retry
        db.awaitSlotInactive();
        String resumed = cluster.submit(JOB_JAR, checkpoint, args);
        cluster.awaitRunningAndCheckpointed(resumed, 0);

        // every write of the ledger in changes exactly once, with its context
        writer.finish();
        List<String> expected = writer.ledger().stream().sorted().collect(Collectors.toList());
        List<List<String>> stored = new ArrayList<>(List.of(List.of()));
        cluster.poll(
                () -> {
                    stored.set(0, storedChanges());
                    return stored.get(0).equals(expected);
                },
                Duration.ofSeconds(120),
                "every write of the ledger in changes");
        assertThat(stored.get(0))
                .as("changes of e2e against the ledger of %d writes", expected.size())
                .containsExactlyElementsOf(expected);
        assertThat(db.value("SELECT count(*) FROM untracked"))
                .as("untracked writes of the quiet minute")
                .isNotEqualTo(0L);
        assertThat(db.value("SELECT count(*) FROM changes WHERE \"table\" <> 'e2e'"))
                .isEqualTo(0L);
        cluster.flink("cancel", "-m", cluster.address(), resumed);

        // the password, given to the client and the processes as a variable, is in none of the cluster's logs
        try (Stream<Path> logs = Files.list(cluster.logs())) {
            for (Path log : (Iterable<Path>) logs::iterator) {
                assertThat(Files.readString(log, StandardCharsets.ISO_8859_1))
                        .as("%s", log)
                        .doesNotContain(TestDatabase.PASSWORD);
            }
        }
    }

    /** The changes of table e2e, each as its ledger entry reads, sorted. */
    private List<String> storedChanges() {
        return db
                .query("SELECT operation, primary_key, after->>'note' AS note, context::text AS context"
                        + " FROM changes WHERE \"table\" = 'e2e'")
                .stream()
                .map(row -> Writer.entry(
                        (String) row.get("operation"),
                        (String) row.get("primary_key"),
                        (String) row.get("note"),
                        (String) row.get("context")))
                .sorted()
                .collect(Collectors.toList());
    }

    /** The newest retained checkpoint of a job: the chk-N directory with the highest N that holds its _metadata. */
    private static String newestCheckpoint(Path jobCheckpoints) throws IOException {
        try (Stream<Path> dirs = Files.list(jobCheckpoints)) {
            return dirs.filter(
                            d -> d.getFileName().toString().startsWith("chk-") && Files.exists(d.resolve("_metadata")))
                    .max(Comparator.comparingLong(
                            d -> Long.parseLong(d.getFileName().toString().substring(4))))
                    .orElseThrow(() -> new AssertionError("No completed checkpoint in " + jobCheckpoints))
                    .toUri()
                    .toString();
        }
    }

    /** A new build of the job jar, as an upgrade brings one: the same classes, repackaged with a build marker of its own. */
    private Path rebuiltJar() throws IOException {
        Path rebuilt = cluster.work.resolve("audit-trail-job-upgraded.jar");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(JOB_JAR));
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(rebuilt))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
            }
            out.putNextEntry(new ZipEntry("META-INF/audit-trail-build.txt"));
            out.write(("rebuilt " + Instant.now()).getBytes(StandardCharsets.UTF_8));
        }
        return rebuilt;
    }

    /** Steady writes with context, one per transaction, and the ledger of those committed. */
    private static final class Writer extends Thread {
        private final TestDatabase db;
        private final List<String> ledger = new CopyOnWriteArrayList<>();
        private final AtomicBoolean quiet = new AtomicBoolean();
        private volatile boolean finished;
        private volatile Throwable failure;
        private long due;

        Writer(TestDatabase db) {
            super("e2e-writer");
            this.db = db;
            setDaemon(true);
        }

        /** One ledger entry, as the change of it must read. */
        static String entry(String operation, String primaryKey, String note, String context) {
            return operation + " " + primaryKey + " " + note + " " + context;
        }

        @Override
        public void run() {
            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                for (int i = 1, untracked = 1; !finished; i++) {
                    if (quiet.get()) {
                        s.execute("INSERT INTO untracked (id) VALUES (" + untracked++ + ")");
                        i--;
                        pace(50); // WAL written while no tracked table changes
                        continue;
                    }
                    // written as Bemi's ORM packages write: the context in a comment at the end of the statement
                    String context = "{\"user\": \"e2e\", \"write\": " + i + "}"; // keys as jsonb orders them
                    if (i % 4 == 0) {
                        int id = i - 1;
                        s.execute("UPDATE e2e SET note = 'updated by " + i + "' WHERE id = " + id + " /*Bemi " + context
                                + " Bemi*/");
                        ledger.add(entry("UPDATE", String.valueOf(id), "updated by " + i, context));
                    } else {
                        s.execute("INSERT INTO e2e (id, note) VALUES (" + i + ", 'inserted') /*Bemi " + context
                                + " Bemi*/");
                        ledger.add(entry("CREATE", String.valueOf(i), "inserted", context));
                    }
                    pace(20); // steady writes, about 40 a second
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        /** Keeps the writes to a schedule, one every {@code millis}: the load's rate, not a wait for a result. */
        private void pace(long millis) {
            due = Math.max(due, System.nanoTime()) + millis * 1_000_000L;
            LockSupport.parkNanos(due - System.nanoTime());
        }

        /** Writes only to an untracked table, until {@link #proceed()}. */
        void quiet() {
            quiet.set(true);
        }

        void proceed() {
            quiet.set(false);
        }

        int size() {
            return ledger.size();
        }

        void finish() throws InterruptedException {
            finished = true;
            join(30_000);
            if (failure != null) {
                throw new AssertionError("Writes failed", failure);
            }
        }

        List<String> ledger() {
            return new ArrayList<>(ledger);
        }
    }
}
