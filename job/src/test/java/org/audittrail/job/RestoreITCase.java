package org.audittrail.job;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Checkpoint, stop, write while stopped, restore: every change is in {@code changes} exactly once. */
class RestoreITCase extends JobTestBase {

    /** Only the checkpoints the test takes. */
    static final String[] NO_PERIODIC_CHECKPOINTS = {"--checkpoint-interval-ms", "3600000"};

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/todo-schema.sql");
    }

    @Test
    void restoreFromCheckpointLosesAndRepeatsNothing() throws Exception {
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS));
        db.execute(ContextITCase.withContext("INSERT INTO todo (task) VALUES ('a1')", "{\"n\": \"a1\"}"),
                "INSERT INTO todo (task) VALUES ('a2')",
                ContextITCase.withContext("UPDATE todo SET is_completed = true WHERE task = 'a1'", "{\"n\": \"a1 done\"}"));
        db.awaitChanges(3);
        String checkpoint = job.checkpoint();

        // written after the checkpoint: replayed on restore, and must not be stored twice
        db.execute(ContextITCase.withContext("INSERT INTO todo (task) VALUES ('b1'), ('b2')", "{\"n\": \"b\"}"));
        db.awaitChanges(5);
        job.cancel();
        db.awaitSlotInactive();

        // written while the job is down
        db.transaction(ContextITCase.withContext("INSERT INTO todo (task) VALUES ('c1')", "{\"n\": \"c1\"}"),
                "DELETE FROM todo WHERE task = 'a2'",
                ContextITCase.withContext("UPDATE todo SET task = 'b1!' WHERE task = 'b1'", "{\"n\": \"b1!\"}"));
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS), checkpoint);
        db.execute("INSERT INTO todo (task) VALUES ('d1')");

        List<Map<String, Object>> rows = db.await("SELECT * FROM changes ORDER BY position",
                r -> r.stream().anyMatch(row -> row.get("after").toString().contains("d1")), Duration.ofSeconds(60));
        // the sink's subtasks may still be writing replays: the count must settle at exactly nine
        db.await("SELECT count(*) AS n FROM changes", r -> ((Long) r.get(0).get("n")) >= 9, Duration.ofSeconds(30));
        job.checkpoint(); // flushes every subtask of the sink
        rows = db.query("SELECT \"operation\", \"after\"->>'task' AS task, \"before\"->>'task' AS old_task,"
                + " coalesce(context->>'n', '-') AS context FROM changes ORDER BY position");
        assertThat(rows).extracting(r -> r.get("operation") + " " + (r.get("task") == null ? r.get("old_task") : r.get("task"))
                        + " " + r.get("context"))
                .containsExactly("CREATE a1 a1", "CREATE a2 -", "UPDATE a1 a1 done", "CREATE b1 b", "CREATE b2 b",
                        "CREATE c1 c1", "DELETE a2 -", "UPDATE b1! b1!", "CREATE d1 -");
        assertThat(db.value("SELECT count(DISTINCT id) FROM changes")).isEqualTo(9L);
    }

    @Test
    void restoringACheckpointOlderThanTheSlotIsRefused() throws Exception {
        job.submit(db.args(NO_PERIODIC_CHECKPOINTS));
        db.execute("INSERT INTO todo (task) VALUES ('x1')");
        db.awaitChanges(1);
        String older = job.checkpoint();
        db.execute("INSERT INTO todo (task) VALUES ('x2')");
        db.awaitChanges(2);
        job.checkpoint(); // the slot moves past the older checkpoint
        job.cancel();
        db.awaitSlotInactive();

        job.submit(db.args(NO_PERIODIC_CHECKPOINTS), older);
        assertThat(job.awaitException("is behind the position")).contains("--allow-restore-behind-slot");
        job.cancel();
        db.awaitSlotInactive();

        // told to, it starts from the slot: nothing is stored twice, and what comes after is captured
        job.submit(db.args("--checkpoint-interval-ms", "3600000", "--allow-restore-behind-slot"), older);
        db.execute("INSERT INTO todo (task) VALUES ('x3')");
        assertThat(settledChanges(3)).extracting(r -> ContextITCase.json(r, "after").get("task").asText())
                .containsExactly("x1", "x2", "x3");
    }
}
