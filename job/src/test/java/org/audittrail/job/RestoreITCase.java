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

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.audittrail.job.source.CaptureRefusedException;
import org.audittrail.job.source.ContextMessageDialect;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Restores from checkpoints and savepoints: each change exactly once, the newest state restores after any idle time,
 * and where changes may have been lost (older state, slot moved or dropped) the job fails for good, saying why.
 */
class RestoreITCase extends JobTestBase {

    /** Only the checkpoints the test takes. */
    static final String[] NO_PERIODIC_CHECKPOINTS = {"--checkpoint-interval-ms", "3600000"};

    /** Frequent checkpoints and heartbeats, so that idle time moves the position as minutes of it would. */
    static final String[] BUSY_HEARTBEAT = {"--checkpoint-interval-ms", "300", "--heartbeat-interval-ms", "100"};

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/todo-schema.sql");
        db.execute(
                "CREATE SCHEMA elsewhere",
                "CREATE TABLE elsewhere.noise (id serial PRIMARY KEY, at timestamptz DEFAULT now())");
    }

    @Test
    void restoreFromCheckpointLosesAndRepeatsNothing() throws Exception {
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS));
        db.execute(
                ContextITCase.withContext("INSERT INTO todo (task) VALUES ('a1')", "{\"n\": \"a1\"}"),
                "INSERT INTO todo (task) VALUES ('a2')",
                ContextITCase.withContext(
                        "UPDATE todo SET is_completed = true WHERE task = 'a1'", "{\"n\": \"a1 done\"}"));
        db.awaitChanges(3);
        String checkpoint = job.checkpoint();

        // written after the checkpoint: replayed on restore, and must not be stored twice
        db.execute(ContextITCase.withContext("INSERT INTO todo (task) VALUES ('b1'), ('b2')", "{\"n\": \"b\"}"));
        db.awaitChanges(5);
        job.cancel();
        db.awaitSlotInactive();

        // written while the job is down
        db.transaction(
                ContextITCase.withContext("INSERT INTO todo (task) VALUES ('c1')", "{\"n\": \"c1\"}"),
                "DELETE FROM todo WHERE task = 'a2'",
                ContextITCase.withContext("UPDATE todo SET task = 'b1!' WHERE task = 'b1'", "{\"n\": \"b1!\"}"));
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS), checkpoint);
        db.execute("INSERT INTO todo (task) VALUES ('d1')");

        db.await(
                "SELECT * FROM changes ORDER BY position",
                r -> r.stream().anyMatch(row -> row.get("after").toString().contains("d1")),
                Duration.ofSeconds(60));
        // the sink's subtasks may still be writing replays: the count must settle at exactly nine
        db.await("SELECT count(*) AS n FROM changes", r -> ((Long) r.get(0).get("n")) >= 9, Duration.ofSeconds(30));
        job.checkpoint(); // flushes every subtask of the sink
        List<Map<String, Object>> rows =
                db.query("SELECT \"operation\", \"after\"->>'task' AS task, \"before\"->>'task' AS old_task,"
                        + " coalesce(context->>'n', '-') AS context FROM changes ORDER BY position");
        assertThat(rows)
                .extracting(r -> r.get("operation") + " " + (r.get("task") == null ? r.get("old_task") : r.get("task"))
                        + " " + r.get("context"))
                .containsExactly(
                        "CREATE a1 a1",
                        "CREATE a2 -",
                        "UPDATE a1 a1 done",
                        "CREATE b1 b",
                        "CREATE b2 b",
                        "CREATE c1 c1",
                        "DELETE a2 -",
                        "UPDATE b1! b1!",
                        "CREATE d1 -");
        assertThat(db.value("SELECT count(DISTINCT id) FROM changes")).isEqualTo(9L);
    }

    @Test
    void newestSavepointAndCheckpointRestoreAfterIdleTime() throws Exception {
        job.submit(db.args(BUSY_HEARTBEAT));
        db.execute("INSERT INTO todo (task) VALUES ('before idle')");
        db.awaitChanges(1);
        idle();
        // the upgrade path: stop with a savepoint, WAL written meanwhile by others, start from the savepoint
        String savepoint = job.stopWithSavepoint();
        noise();
        job.submit(db.args(BUSY_HEARTBEAT), savepoint);
        db.execute("INSERT INTO todo (task) VALUES ('after savepoint')");
        db.awaitChanges(2);
        idle();
        // a crash after a quiet spell: the newest checkpoint restores
        String checkpoint = job.checkpoint();
        job.cancel();
        db.awaitSlotInactive();
        noise();
        job.submit(db.args(BUSY_HEARTBEAT), checkpoint);
        db.execute("INSERT INTO todo (task) VALUES ('after checkpoint')");
        assertThat(settledChanges(3))
                .extracting(r -> ContextITCase.json(r, "after").get("task").asText())
                .containsExactly("before idle", "after savepoint", "after checkpoint");
        assertThat(job.failures()).isEmpty();
    }

    /** WAL the job has no change in (another schema, the job's own changes table); returns the WAL position after it. */
    private static long noise() {
        db.execute("INSERT INTO elsewhere.noise DEFAULT VALUES", "INSERT INTO elsewhere.noise DEFAULT VALUES");
        return ((Number) db.value("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")).longValue();
    }

    /** Idle time as it matters: untracked WAL written, and the slot confirmed past it, as the heartbeat makes it. */
    private static void idle() {
        long end = noise();
        db.await(
                "SELECT confirmed_flush_lsn - '0/0'::pg_lsn AS confirmed FROM pg_replication_slots WHERE slot_name = 'bemi'",
                rows -> ((Number) rows.get(0).get("confirmed")).longValue() >= end,
                Duration.ofSeconds(30));
    }

    @Test
    void restoringACheckpointOlderThanTheSlotFailsForGood() throws Exception {
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS));
        db.execute("INSERT INTO todo (task) VALUES ('x1')");
        db.awaitChanges(1);
        String older = job.checkpoint();
        db.execute("INSERT INTO todo (task) VALUES ('x2')");
        db.awaitChanges(2);
        job.checkpoint(); // the slot moves past the older checkpoint
        db.awaitSlotConfirmed();
        job.cancel();
        db.awaitSlotInactive();

        job.start(db.args(NO_PERIODIC_CHECKPOINTS), older);
        assertThat(job.awaitFailedForGood())
                .startsWith(CaptureRefusedException.class.getName() + ": Restored position")
                .contains("older checkpoint or savepoint", ContextMessageDialect.ACCEPT_OPTION);
        db.awaitSlotInactive();

        // told to, it starts from the slot: nothing is stored twice, and what comes after is captured
        job.submit(db.args("--checkpoint-interval-ms", "3600000", ContextMessageDialect.ACCEPT_OPTION), older);
        db.execute("INSERT INTO todo (task) VALUES ('x3')");
        assertThat(settledChanges(3))
                .extracting(r -> ContextITCase.json(r, "after").get("task").asText())
                .containsExactly("x1", "x2", "x3");
    }

    @Test
    void slotMovedByHandPastUnstoredChangesFailsForGood() throws Exception {
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS));
        db.execute("INSERT INTO todo (task) VALUES ('y1')");
        db.awaitChanges(1);
        String checkpoint = job.checkpoint();
        job.cancel();
        db.awaitSlotInactive();
        db.execute(
                "INSERT INTO todo (task) VALUES ('lost unless refused')",
                "SELECT pg_replication_slot_advance('bemi', pg_current_wal_lsn())");

        job.start(db.args(NO_PERIODIC_CHECKPOINTS), checkpoint);
        assertThat(job.awaitFailedForGood())
                .startsWith(CaptureRefusedException.class.getName())
                .contains("moved by something other than this job", ContextMessageDialect.ACCEPT_OPTION);
    }

    @Test
    void droppedSlotIsNeverRecreatedSilently() throws Exception {
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS));
        db.execute("INSERT INTO todo (task) VALUES ('z1')");
        db.awaitChanges(1);
        String checkpoint = job.checkpoint();
        job.cancel();
        db.awaitSlotInactive();
        // as a failover to a server without the slot, or a disconnect, leaves it; setup is not run by a restart
        db.execute("SELECT pg_drop_replication_slot('bemi')", "INSERT INTO todo (task) VALUES ('z2')");

        job.start(db.args("--checkpoint-interval-ms", "3600000", "--skip-setup"), checkpoint);
        assertThat(job.awaitFailedForGood())
                .startsWith(CaptureRefusedException.class.getName())
                .contains("no longer exists", "may have been lost", ContextMessageDialect.ACCEPT_OPTION);
        assertThat(db.query("SELECT * FROM pg_replication_slots")).isEmpty();

        // told to, setup makes a new slot and the job captures from now on
        job.submit(db.args("--checkpoint-interval-ms", "3600000", ContextMessageDialect.ACCEPT_OPTION), checkpoint);
        db.execute("INSERT INTO todo (task) VALUES ('z3')");
        assertThat(settledChanges(2))
                .extracting(r -> ContextITCase.json(r, "after").get("task").asText())
                .containsExactly("z1", "z3");
    }

    @Test
    void secondJobOnTheDatabaseIsToldTheSlotIsActiveEveryTime() throws Exception {
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS));
        db.execute("INSERT INTO todo (task) VALUES ('first job')");
        db.awaitChanges(1);
        job.checkpoint();

        TestJob second = new TestJob(cluster).submit(db.args("--checkpoint-interval-ms", "200"));
        try {
            TestDatabase.poll(
                    () -> {
                        try {
                            return second.failures().size() >= 3;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    Duration.ofSeconds(60),
                    "the second job to have failed three times");
            assertThat(second.failures()).allSatisfy(failure -> assertThat(failure)
                    .contains("slot \"bemi\" is active for PID")
                    .doesNotContain(ContextMessageDialect.ACCEPT_OPTION));
        } finally {
            second.cancel();
        }
        // the first job goes on undisturbed
        db.execute("INSERT INTO todo (task) VALUES ('still captured')");
        assertThat(settledChanges(2)).hasSize(2);
    }
}
