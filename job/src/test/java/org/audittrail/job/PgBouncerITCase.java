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
import org.audittrail.job.db.Database;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.PgBouncer;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The destination behind PgBouncer in transaction pooling mode: setup and the sink work there, and store each change once. */
class PgBouncerITCase extends JobTestBase {

    private static PgBouncer bouncer;

    @BeforeAll
    static void startPgBouncer() throws Exception {
        db.executeFixture("fixtures/todo-schema.sql");
        db.execute("CREATE DATABASE audit");
        bouncer = PgBouncer.start(db.port());
    }

    @AfterAll
    static void stopPgBouncer() throws Exception {
        if (bouncer != null) {
            bouncer.close();
        }
    }

    @Test
    void changesAreStoredOnceThroughTransactionPooling() throws Exception {
        Database audit = new Database("localhost", db.port(), "audit", "postgres", TestDatabase.PASSWORD);
        String rollbacks = "SELECT xact_rollback FROM pg_stat_database WHERE datname = 'audit'";
        long rollbacksBefore = count(db.database(), rollbacks);
        // the source stays direct: replication cannot go through a pooler
        job.submit(db.args(
                "--destination-db-host",
                "127.0.0.1",
                "--destination-db-port",
                String.valueOf(bouncer.port()),
                "--destination-db-name",
                "audit",
                "--batch-size",
                "20",
                "--checkpoint-interval-ms",
                "500"));
        int rows = 0;
        for (int t = 0; t < 30; t++) {
            db.execute("INSERT INTO todo (task) SELECT 'pooled ' || i FROM generate_series(1, 20) i");
            rows += 20;
        }
        String count =
                "SELECT count(*) AS n, count(DISTINCT after->>'id') AS ids FROM changes WHERE after->>'task' LIKE 'pooled %'";
        int expected = rows;
        TestDatabase.poll(
                () -> count(audit, count) >= expected, Duration.ofSeconds(90), expected + " changes in audit");
        job.checkpoint();

        assertThat(List.of(count(audit, count), count(audit, count.replace("count(*) AS n, ", ""))))
                .as("each change once")
                .containsExactly((long) rows, (long) rows);
        assertThat(job.failures()).as("no failed attempt").isEmpty();
        // a batch failing on a prepared statement another client made, or one the pooler's next connection lacks, is
        // retried by the sink without failing the job: only the server's rollbacks tell
        assertThat(count(db.database(), rollbacks) - rollbacksBefore)
                .as("failed transactions in audit")
                .isZero();
        // the job's destination connections went through PgBouncer, which logs each login
        assertThat(bouncer.log()).contains("login attempt: db=audit user=postgres");
    }

    private static long count(Database database, String sql) {
        try (var c = database.connect();
                var s = c.createStatement();
                var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return 0; // the table may not exist yet
        }
    }
}
