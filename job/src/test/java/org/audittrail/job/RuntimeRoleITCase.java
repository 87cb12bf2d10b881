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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.cli.Main;
import org.audittrail.job.db.Database;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/privileges.md's runtime role, made by its statements as they are written there after setup by the owner: the
 * job runs as it with --skip-setup and stores changes; each privilege taken away stops it at start with its one line.
 */
class RuntimeRoleITCase extends JobTestBase {

    static final String ROLE = "audit_runtime";
    static final String TABLES = "--tables=public.*,app.*";

    @BeforeAll
    static void setUpAsOwnerThenMakeTheRole() throws Exception {
        db.executeFixture("fixtures/todo-schema.sql");
        db.execute("CREATE SCHEMA app", "CREATE TABLE app.items (id int PRIMARY KEY, name text)");
        assertThat(Cli.run(db.args("setup", TABLES)).exit()).isZero();
        db.execute(roleStatements());
    }

    /** The first sql block of section 2 of docs/privileges.md. */
    static String roleStatements() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "privileges.md"));
        String section = page.substring(page.indexOf("## 2. The runtime role"));
        int start = section.indexOf("```sql\n") + "```sql\n".length();
        return section.substring(start, section.indexOf("```", start));
    }

    static String[] asRuntimeRole() {
        return db.args("--db-user", ROLE, "--skip-setup", TABLES);
    }

    @Test
    void theJobRunsAsTheRuntimeRoleAndStoresChanges() throws Exception {
        // the slot setup made (an earlier test's end drops it)
        db.execute("SELECT pg_create_logical_replication_slot('bemi', 'pgoutput')"
                + " WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'bemi')");
        // rows come from the WAL: the role may not read a tracked table, nor look into schema app
        assertThat(db.value("SELECT has_table_privilege('audit_runtime', 'public.todo', 'SELECT')"
                        + " OR has_schema_privilege('audit_runtime', 'app', 'USAGE')"))
                .isEqualTo(false);
        job.submit(asRuntimeRole());
        db.execute(
                withContext("INSERT INTO todo (task) VALUES ('written while the runtime role runs')", "{\"by\":1}"),
                "INSERT INTO app.items VALUES (1, 'outside public')",
                "UPDATE todo SET task = 'done'");
        List<Map<String, Object>> rows = settledChanges(3);
        assertThat(rows)
                .extracting(row -> row.get("schema") + "." + row.get("table") + " " + row.get("operation"))
                .containsExactly("public.todo CREATE", "app.items CREATE", "public.todo UPDATE");
        assertThat(json(rows.get(0), "context").get("by").asInt()).isEqualTo(1);
        assertThat(json(rows.get(2), "before").get("task").asText()).isEqualTo("written while the runtime role runs");
        assertThat(db.value("SELECT usename FROM pg_stat_replication")).isEqualTo(ROLE);

        // partition upkeep as the role: a month ahead, then the retention of a day
        try (Connection c = new Database("localhost", db.port(), "postgres", ROLE, "").connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT changes_create_partitions(40), changes_apply_retention(1)")) {
            rs.next();
            assertThat(rs.getInt(1)).isPositive();
        }
    }

    @Test
    void eachMissingPrivilegeStopsTheJobAtStartWithTheLineThatGrantsIt() throws Exception {
        assertThat(missing()).isEmpty();
        for (String[] privilege : List.of(
                new String[] {
                    "ALTER ROLE audit_runtime NOREPLICATION",
                    "ALTER ROLE audit_runtime REPLICATION",
                    "role audit_runtime lacks REPLICATION: run ALTER ROLE audit_runtime REPLICATION"
                },
                new String[] {
                    "REVOKE CREATE ON SCHEMA public FROM audit_runtime",
                    "GRANT CREATE ON SCHEMA public TO audit_runtime",
                    "role audit_runtime lacks CREATE on schema public, where the job creates the daily partitions of"
                            + " changes: run GRANT CREATE ON SCHEMA public TO audit_runtime"
                },
                new String[] {
                    "ALTER TABLE changes OWNER TO postgres",
                    "ALTER TABLE changes OWNER TO audit_runtime",
                    "role audit_runtime does not own public.changes, whose partitions the job creates, moves rows into"
                            + " and drops: run ALTER TABLE public.changes OWNER TO audit_runtime"
                },
                new String[] {
                    "ALTER TABLE changes_default OWNER TO postgres",
                    "ALTER TABLE changes_default OWNER TO audit_runtime",
                    "role audit_runtime does not own public.changes_default, whose partitions the job creates, moves"
                            + " rows into and drops: run ALTER TABLE public.changes_default OWNER TO audit_runtime"
                },
                new String[] {
                    "REVOKE UPDATE ON chain_anchors FROM audit_runtime",
                    "GRANT UPDATE ON chain_anchors TO audit_runtime",
                    "role audit_runtime lacks SELECT, INSERT or UPDATE on chain_anchors, where the retention keeps the"
                            + " last chain link it drops: run GRANT SELECT, INSERT, UPDATE ON chain_anchors TO"
                            + " audit_runtime"
                },
                new String[] {
                    "REVOKE TEMPORARY ON DATABASE postgres FROM PUBLIC",
                    "GRANT TEMPORARY ON DATABASE postgres TO PUBLIC",
                    "role audit_runtime lacks TEMPORARY on database postgres, where the sink stages a batch it writes"
                            + " again after a restart: run GRANT TEMPORARY ON DATABASE postgres TO audit_runtime"
                })) {
            db.execute(privilege[0]);
            try {
                assertThat(missing()).as(privilege[0]).isEqualTo(privilege[2]);
            } finally {
                db.execute(privilege[1]);
            }
        }
        // two missing: two lines
        db.execute("ALTER ROLE audit_runtime NOREPLICATION", "REVOKE CREATE ON SCHEMA public FROM audit_runtime");
        try {
            assertThat(missing().lines()).hasSize(2);
        } finally {
            db.execute("ALTER ROLE audit_runtime REPLICATION", "GRANT CREATE ON SCHEMA public TO audit_runtime");
        }
    }

    /** What the job, started as the runtime role, refuses to start with before it is submitted; empty if it builds. */
    private static String missing() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        try {
            AuditTrailJob.build(env, Main.config(asRuntimeRole()));
            return "";
        } catch (Setup.SetupException e) {
            return e.getMessage();
        }
    }
}
