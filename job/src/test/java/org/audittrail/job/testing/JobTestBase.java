package org.audittrail.job.testing;

import com.fasterxml.jackson.databind.JsonNode;

import org.audittrail.udf.values.Json;

import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

/** An embedded PostgreSQL per test class and a Flink MiniCluster to run the real job on; subclasses add their schema in a {@code @BeforeAll}; each test starts with a new slot and an empty changes table. */
public abstract class JobTestBase {

    @RegisterExtension
    public static final MiniClusterExtension FLINK = TestJob.cluster();

    protected static TestDatabase db;
    protected TestJob job;
    protected MiniCluster cluster;

    @BeforeAll
    public static void startDatabase() {
        db = TestDatabase.start();
    }

    @AfterAll
    public static void stopDatabase() throws Exception {
        db.close();
    }

    @BeforeEach
    public void newJob(@InjectMiniCluster MiniCluster cluster) {
        this.cluster = cluster;
        job = new TestJob(cluster);
    }

    /**
     * The rows of changes, by position, once there are at least {@code count} and the sink has flushed: its
     * subtasks write independently, so one row landing says nothing of the others.
     */
    protected List<Map<String, Object>> settledChanges(int count) throws Exception {
        db.awaitChanges(count);
        job.checkpoint();
        return db.query("SELECT * FROM changes ORDER BY position, operation");
    }

    /** Cancels the job, then drops the slot and empties changes, so the next test replays nothing of this one. */
    @AfterEach
    public void cancelJob() throws Exception {
        job.cancel();
        db.awaitSlotInactive();
        db.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'bemi'",
                "DO $$ BEGIN IF to_regclass('changes') IS NOT NULL THEN TRUNCATE changes; END IF; END $$");
    }

    /** A statement with Bemi's comment at its very end, as the Prisma package sends it. */
    public static String withContext(String sql, String context) {
        return sql + " /*Bemi " + context + " Bemi*/";
    }

    /** A JSON column of a changes row, parsed. */
    public static JsonNode json(Map<String, Object> row, String column) {
        try {
            return Json.parse(row.get(column).toString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
