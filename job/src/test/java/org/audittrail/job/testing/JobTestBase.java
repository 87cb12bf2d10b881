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
package org.audittrail.job.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

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
        db.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'bemi'",
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
