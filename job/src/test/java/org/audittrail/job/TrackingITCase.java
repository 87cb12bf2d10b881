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

import java.util.List;
import java.util.Map;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Selective tracking: include and exclude patterns, a second schema, a table added through a savepoint. */
class TrackingITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/tracking-schema.sql");
    }

    @Test
    void onlyIncludedTablesNotExcludedAreTracked() throws Exception {
        job.submit(db.args("--tables", "public.*,sales.orders", "--exclude-tables", "public.tmp_*,public.other"));
        db.execute(
                "INSERT INTO todo VALUES (1, 'a')",
                "INSERT INTO tmp_import VALUES (1, 'x')",
                "INSERT INTO sales.orders VALUES (1, 9.90)",
                "INSERT INTO sales.secrets VALUES (1, 's')",
                ContextITCase.withContext("UPDATE sales.orders SET total = 10.00 WHERE id = 1", "{\"by\": \"sales\"}"));
        // a message of an untracked row never reaches the tracked row after it
        db.transaction(
                ContextITCase.withContext("INSERT INTO tmp_import VALUES (2, 'y')", "{\"by\": \"import\"}"),
                "INSERT INTO todo VALUES (2, 'b')");
        db.execute("INSERT INTO todo VALUES (3, 'marker')");

        List<Map<String, Object>> rows = settledChanges(5);
        assertThat(rows)
                .extracting(r ->
                        r.get("schema") + "." + r.get("table") + " " + r.get("operation") + " " + r.get("primary_key")
                                + " " + r.get("context").toString().replace(" ", ""))
                .containsExactly(
                        "public.todo CREATE 1 {}",
                        "sales.orders CREATE 1 {}",
                        "sales.orders UPDATE 1 {\"by\":\"sales\"}",
                        "public.todo CREATE 2 {}",
                        "public.todo CREATE 3 {}");
        // a tracked table outside public gets REPLICA IDENTITY FULL too: its UPDATE has a whole before image
        assertThat(rows.get(2).get("before").toString()).isEqualTo("{\"id\": 1, \"total\": 9.90}");
        assertThat(db.query("SELECT tablename FROM pg_publication_tables WHERE pubname = 'bemi' ORDER BY 1"))
                .extracting(r -> r.get("tablename"))
                .contains("orders", "other", "tmp_import", "todo")
                .doesNotContain("secrets");
    }

    @Test
    void aTableCreatedWhileTheJobRunsIsTrackedAtOnce() throws Exception {
        job.submit(db.args());
        db.execute(
                "CREATE TABLE created_later (id int PRIMARY KEY, v text)",
                ContextITCase.withContext("INSERT INTO created_later VALUES (1, 'a')", "{\"new\": true}"),
                "UPDATE created_later SET v = 'b'");
        List<Map<String, Object>> rows = settledChanges(2);
        assertThat(rows)
                .extracting(
                        r -> r.get("table") + " " + r.get("operation") + " " + r.get("before") + " " + r.get("context"))
                .containsExactly(
                        "created_later CREATE {} {\"new\": true}", "created_later UPDATE {\"v\": \"a\", \"id\": 1} {}");
        // the job never reads back what it writes
        assertThat(db.value("SELECT count(*) FROM changes WHERE \"table\" LIKE 'changes%'"))
                .isEqualTo(0L);
        assertThat(db.value("SELECT count(*) FROM pg_publication_tables WHERE tablename LIKE 'changes%'"))
                .isEqualTo(0L);
    }

    @Test
    void aTableThatDoesNotExistIsReportedAtStart() {
        Cli.Result result = Cli.run(db.args("setup", "--tables", "public.todo,public.todos"));
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("--tables names public.todos, which does not exist");
        Cli.Result badPattern = Cli.run(db.args("setup", "--tables", "todo"));
        assertThat(badPattern.err()).contains("'todo' is not schema.table");
    }

    @Test
    void aTableAddedThroughASavepointIsTrackedFromThenOn() throws Exception {
        job.submit(db.args("--tables", "public.todo"));
        db.execute("INSERT INTO todo VALUES (10, 'before')", "INSERT INTO sales.orders VALUES (10, 1)");
        db.awaitChanges(1);
        String savepoint = job.stopWithSavepoint();
        db.execute("INSERT INTO todo VALUES (11, 'while down')", "INSERT INTO sales.orders VALUES (11, 1)");

        job.submit(db.args("--tables", "public.todo,sales.orders"), savepoint);
        db.execute("INSERT INTO todo VALUES (12, 'after')", "INSERT INTO sales.orders VALUES (12, 1)");
        assertThat(settledChanges(4))
                .extracting(r -> r.get("table") + " " + r.get("primary_key"))
                .containsExactly("todo 10", "todo 11", "todo 12", "orders 12");
    }
}
