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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.DoublePredicate;
import org.audittrail.job.source.watch.SlotLag;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The slot, watched: its WAL status and safe size as metrics, a warning when it leaves reserved, a clear end when lost. */
class SlotSafetyITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        // other.filler is not tracked: its rows only fill the WAL the slot holds
        db.execute(
                "CREATE TABLE todo (id serial PRIMARY KEY, task text)",
                "CREATE SCHEMA other",
                "CREATE TABLE other.filler (id int, pad text)");
    }

    @Test
    void aSlotBeyondItsKeepSizeIsWarnedOfThenFailsTheJobSayingWhatWasLost() throws Exception {
        String warning = "Replication slot bemi has left wal_status reserved";
        long warningsBefore = count(warning);
        db.execute(
                "ALTER SYSTEM SET min_wal_size = '32MB'",
                "ALTER SYSTEM SET max_wal_size = '32MB'",
                "ALTER SYSTEM SET max_slot_wal_keep_size = '64MB'",
                "SELECT pg_reload_conf()");
        // checkpoints only when the test takes one: the slot holds every segment written from now on
        job.submit(db.args("--checkpoint-interval-ms", "3600000", "--slot-lag-interval-ms", "200"));
        awaitMetric(SlotLag.STATUS_METRIC, v -> v == 0);
        awaitMetric(SlotLag.SAFE_WAL_SIZE_METRIC, v -> v > 0);
        db.execute("INSERT INTO todo (task) VALUES ('kept')");
        db.awaitChanges(1);

        // beyond max_wal_size, still within max_slot_wal_keep_size: extended, said once
        TestDatabase.poll(
                () -> {
                    fillSegment();
                    return walStatus().equals("extended") || walStatus().equals("unreserved");
                },
                Duration.ofSeconds(60),
                "the slot to hold WAL beyond max_wal_size");
        awaitMetric(SlotLag.STATUS_METRIC, v -> v == 1 || v == 2);
        TestDatabase.poll(() -> count(warning) == warningsBefore + 1, Duration.ofSeconds(10), "the warning");

        // beyond the keep size, a checkpoint removes the WAL: the slot is lost, and the job ends saying so
        TestDatabase.poll(
                () -> {
                    fillSegment();
                    db.execute("CHECKPOINT");
                    return walStatus().equals("lost");
                },
                Duration.ofSeconds(60),
                "the slot to be invalidated");
        assertThat(job.awaitFailedForGood())
                .startsWith("org.audittrail.job.source.CaptureRefusedException: Replication slot bemi was invalidated"
                        + " by PostgreSQL (wal_status lost")
                .contains("SELECT pg_drop_replication_slot('bemi');");
        assertThat(count(warning)).isEqualTo(warningsBefore + 1);
        db.execute(
                "ALTER SYSTEM RESET max_slot_wal_keep_size",
                "ALTER SYSTEM RESET max_wal_size",
                "ALTER SYSTEM RESET min_wal_size",
                "SELECT pg_reload_conf()");
    }

    /** A few rows, then the rest of the WAL segment: 16 MB more the slot holds. */
    private void fillSegment() {
        db.execute(
                "INSERT INTO other.filler SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g",
                "SELECT pg_switch_wal()");
    }

    private String walStatus() {
        Object status = db.value("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'bemi'");
        return String.valueOf(status);
    }

    private void awaitMetric(String name, DoublePredicate until) {
        TestDatabase.poll(
                () -> {
                    try {
                        List<Double> values = TestJob.metricValues(job.restAddress(), job.id(), name);
                        return !values.isEmpty() && until.test(values.get(0));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                Duration.ofSeconds(60),
                "metric " + name);
    }

    private static long count(String text) {
        try {
            Path log = Path.of("target", "test.log");
            return Files.exists(log)
                    ? Files.readAllLines(log).stream()
                            .filter(line -> line.contains(text))
                            .count()
                    : 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
