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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.audittrail.job.db.Database;
import org.audittrail.job.setup.Replication;
import org.audittrail.job.sink.StoredChanges;
import org.audittrail.job.source.watch.SlotLag;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestJob.Sample;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The job's metrics, as Prometheus scrapes them and the web UI shows them, against what the job really stored. */
class MetricsITCase extends JobTestBase {

    private static final String OPERATOR = "flink_taskmanager_job_task_operator_";
    private static final int WITH_CONTEXT = 6;
    private static final int WITHOUT_CONTEXT = 4;
    private static final int BULK = 10_000;

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/todo-schema.sql");
    }

    @Test
    void metricsTellWhatWasStoredHowLateWithWhichContextAndWhatTheSlotHolds() throws Exception {
        long start = System.currentTimeMillis();
        // checkpoints only when the test takes one, so the slot holds all WAL until then
        job.submit(db.args(
                "--checkpoint-interval-ms",
                "3600000",
                "--heartbeat-interval-ms",
                "500",
                "--slot-lag-interval-ms",
                "500"));
        awaitMetric(SlotLag.METRIC, v -> v >= 0);

        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            for (int i = 0; i < WITH_CONTEXT; i++) {
                s.execute(ContextITCase.withContext(
                        "INSERT INTO todo (task) VALUES ('with " + i + "')", "{\"user_id\": " + i + "}"));
            }
            for (int i = 0; i < WITHOUT_CONTEXT; i++) {
                s.execute("INSERT INTO todo (task) VALUES ('without " + i + "')");
            }
        }
        long walBefore = walPosition();
        db.execute("INSERT INTO todo (task) SELECT repeat('x', 500) || g FROM generate_series(1, " + BULK + ") g");
        long walWritten = walPosition() - walBefore;
        int total = WITH_CONTEXT + WITHOUT_CONTEXT + BULK;
        db.awaitChanges(total);

        // without a checkpoint the slot may not move: it holds at least what the bulk insert wrote
        assertThat(walWritten).isGreaterThan(4_000_000L);
        awaitMetric(SlotLag.METRIC, v -> v >= walWritten);
        // checkpoints confirm the position read, and what the slot holds falls back to a little; one is not always
        // enough, as the server goes on writing WAL of its own (hint bits of the rows just read, vacuum)
        long[] lastCheckpoint = {0};
        TestDatabase.poll(
                () -> {
                    try {
                        if (System.nanoTime() - lastCheckpoint[0]
                                > Duration.ofSeconds(1).toNanos()) {
                            job.checkpoint();
                            lastCheckpoint[0] = System.nanoTime();
                        }
                        double lag = sum(job.prometheus(), SlotLag.METRIC);
                        return lag >= 0 && lag < walWritten / 20.0;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                Duration.ofSeconds(60),
                "the slot's lag to fall below " + walWritten / 20 + " bytes after checkpoints");

        // every stored change counted once, by table too, and timed
        awaitMetric(StoredChanges.STORED, v -> v == total);
        List<Sample> samples = job.prometheus();
        assertThat(sum(samples, StoredChanges.STORED)).isEqualTo(total);
        assertThat(sum(samples, StoredChanges.LATENCY + "_count")).isEqualTo(total);
        // per table, one sample per subtask; Prometheus label values have "_" for "."
        assertThat(samples)
                .filteredOn(s -> s.name().equals(OPERATOR + StoredChanges.TABLE_GROUP + "_" + StoredChanges.STORED))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.labels()).containsEntry(StoredChanges.TABLE_GROUP, "public_todo"));
        assertThat(sum(samples, StoredChanges.TABLE_GROUP + "_" + StoredChanges.STORED))
                .isEqualTo(total);
        // Flink's job metrics, which the alert on restarts in docs/operate.md uses
        assertThat(samples).anyMatch(s -> s.name().equals("flink_jobmanager_job_numRestarts"));
        // the slot's status, reserved, and no safe size where max_slot_wal_keep_size is unlimited (the alerts in
        // docs/operate.md)
        assertThat(samples).anyMatch(s -> s.name().equals(OPERATOR + SlotLag.STATUS_METRIC) && s.value() == 0);
        assertThat(samples).anyMatch(s -> s.name().equals(OPERATOR + SlotLag.SAFE_WAL_SIZE_METRIC) && s.value() == -1);
        long elapsed = System.currentTimeMillis() - start;
        assertThat(samples)
                .filteredOn(s -> s.name().equals(OPERATOR + StoredChanges.LATENCY))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.value()).as(s.toString()).isBetween(0.0, (double) elapsed));
        // each writer since its last stored commit: the newest of them is within the test's time
        assertThat(samples)
                .filteredOn(s -> s.name().equals(OPERATOR + StoredChanges.SINCE_LAST_COMMIT))
                .extracting(Sample::value)
                .isNotEmpty()
                .allSatisfy(v -> assertThat(v).isBetween(-1.0, (double) elapsed + 1000))
                .filteredOn(v -> v >= 0)
                .isNotEmpty();

        // the share of changes with context, as written, and as each writer reports its own
        assertThat(db.value("SELECT count(*) FROM changes WHERE context <> '{}'::jsonb"))
                .isEqualTo((long) WITH_CONTEXT);
        assertThat(sum(samples, StoredChanges.STORED_WITH_CONTEXT)).isEqualTo(WITH_CONTEXT);
        Map<String, Double> stored = bySubtask(samples, StoredChanges.STORED);
        Map<String, Double> withContext = bySubtask(samples, StoredChanges.STORED_WITH_CONTEXT);
        Map<String, Double> share = bySubtask(samples, StoredChanges.CONTEXT_SHARE);
        assertThat(share).isNotEmpty().containsOnlyKeys(stored.keySet());
        share.forEach((subtask, value) -> assertThat(value)
                .as("subtask " + subtask)
                .isCloseTo(
                        stored.get(subtask) == 0 ? 0.0 : withContext.get(subtask) / stored.get(subtask), within(1e-9)));

        // stored per second, averaged over a minute, once Flink's view updater has run
        awaitMetric(StoredChanges.STORED_PER_SECOND, v -> v > 0);

        // Flink's own event-time lags of the WAL source, in milliseconds since the commit: no garbage
        samples = job.prometheus();
        for (String lag : List.of("currentEmitEventTimeLag", "watermarkLag")) {
            assertThat(samples)
                    .filteredOn(s -> s.name().equals(OPERATOR + lag))
                    .as(lag)
                    .isNotEmpty()
                    .allSatisfy(s -> assertThat(s.value()).as(lag).isBetween(0.0, (double)
                            (System.currentTimeMillis() - start)));
        }

        // the web UI shows them too
        TestDatabase.poll(
                () -> {
                    try {
                        return job.metric(StoredChanges.STORED_WITH_CONTEXT) == WITH_CONTEXT
                                && job.metric(SlotLag.METRIC) >= 0
                                && job.metric(StoredChanges.TABLE_GROUP + ".public_todo." + StoredChanges.STORED)
                                        == total;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                Duration.ofSeconds(30),
                "the metrics in the web UI");
    }

    @Test
    void slotLagIsMinusOneWhileTheSlotCannotBeReadSaidOnceAndBackWhenItCan() throws Exception {
        Path log = Path.of("target", "test.log");
        String warning = "Cannot read the WAL held by replication slot " + Replication.BEMI.slot();
        long warningsBefore = count(log, warning);

        // nothing listens on port 1: each query fails, the gauge says -1, the log says so once
        try (SlotLag down =
                new SlotLag(new Database("127.0.0.1", 1, "postgres", "postgres", TestDatabase.PASSWORD), 100)) {
            down.query();
            down.query();
            assertThat(down.getValue()).isEqualTo(-1L);
        }
        assertThat(count(log, warning)).isEqualTo(warningsBefore + 1);

        // a database without the slot: -1, said once; once the slot exists, its lag
        try (SlotLag lag = new SlotLag(db.database(), 100)) {
            lag.query();
            lag.query();
            assertThat(lag.getValue()).isEqualTo(-1L);
            assertThat(count(log, warning)).isEqualTo(warningsBefore + 2);
            db.execute("SELECT pg_create_logical_replication_slot('" + Replication.BEMI.slot() + "', 'pgoutput')");
            lag.query();
            assertThat(lag.getValue()).isGreaterThanOrEqualTo(0L);
        }
        assertThat(Files.readString(log))
                .contains("Reading the WAL held by replication slot " + Replication.BEMI.slot() + " works again")
                .doesNotContain(TestDatabase.PASSWORD);
    }

    private static long count(Path log, String text) throws Exception {
        return Files.exists(log)
                ? Files.readAllLines(log).stream()
                        .filter(line -> line.contains(text))
                        .count()
                : 0;
    }

    private long walPosition() {
        return ((Number) db.value("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")).longValue();
    }

    /** The sum of a metric over the job's subtasks in a Prometheus scrape. */
    private static double sum(List<Sample> samples, String name) {
        return samples.stream()
                .filter(s -> s.name().equals(OPERATOR + name))
                .mapToDouble(Sample::value)
                .sum();
    }

    private static Map<String, Double> bySubtask(List<Sample> samples, String name) {
        Map<String, Double> values = new TreeMap<>();
        samples.stream()
                .filter(s -> s.name().equals(OPERATOR + name))
                .forEach(s -> values.put(s.labels().get("subtask_index"), s.value()));
        return values;
    }

    /** Polls Prometheus until the sum of {@code name} over the job's subtasks passes {@code until}. */
    private void awaitMetric(String name, Predicate<Double> until) {
        double[] last = {Double.NaN};
        try {
            TestDatabase.poll(
                    () -> {
                        try {
                            List<Sample> samples = job.prometheus();
                            last[0] = sum(samples, name);
                            return samples.stream().anyMatch(s -> s.name().equals(OPERATOR + name))
                                    && until.test(last[0]);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    Duration.ofSeconds(60),
                    name);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last value " + last[0], e);
        }
    }
}
