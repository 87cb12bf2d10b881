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
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The examples of the history functions in docs/query.md, on seed 003's todo changes: each query and the rows it shows. */
class HistoryExamplesITCase {

    static TestDatabase db;

    @BeforeAll
    static void load() {
        db = TestDatabase.start();
        Setup.prepareDestination(db.database());
        db.executeFixture("fixtures/seed-003-changes.sql");
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    private static List<String> rows(String sql) {
        return db.query(sql).stream()
                .map(row -> String.join(
                        " | ", row.values().stream().map(String::valueOf).toList()))
                .toList();
    }

    @Test
    void aRecordAsOfAMoment() {
        assertThat(rows("SELECT after FROM changes_record_at('todo', '26', '2023-12-11 17:09:14+00')"))
                .containsExactly("{\"id\": 26, \"task\": \"Sleep\", \"is_completed\": false}");
        assertThat(rows("SELECT after FROM changes_record_at('todo', '26', '2023-12-11 17:09:15+00')"))
                .containsExactly("{\"id\": 26, \"task\": \"Sleep\", \"is_completed\": true}");
        assertThat(rows("SELECT after FROM changes_record_at('todo', '27', '2023-12-11 17:09:18+00')"))
                .isEmpty();
    }

    @Test
    void aTableAsOfAMoment() {
        assertThat(
                        rows(
                                "SELECT primary_key, after FROM changes_table_at('todo', '2023-12-11 17:09:16+00') ORDER BY primary_key"))
                .containsExactly(
                        "26 | {\"id\": 26, \"task\": \"Sleep\", \"is_completed\": true}",
                        "27 | {\"id\": 27, \"task\": \"Eat\", \"is_completed\": false}",
                        "28 | {\"id\": 28, \"task\": \"Repeat\", \"is_completed\": false}");
        assertThat(rows("SELECT primary_key FROM changes_table_at('todo', 'infinity') ORDER BY primary_key"))
                .containsExactly("26", "28");
    }

    @Test
    void aRecordsHistory() {
        assertThat(
                        rows(
                                "SELECT committed_at, operation, context->>'endpoint' AS endpoint, changed FROM changes_record_history('todo', '26')"))
                .containsExactly(
                        "2023-12-11 17:09:09.0 | CREATE | /todo | {\"id\": {\"after\": 26}, \"task\": {\"after\": \"Sleep\"}, \"is_completed\": {\"after\": false}}",
                        "2023-12-11 17:09:15.0 | UPDATE | /todo/complete | {\"is_completed\": {\"after\": true, \"before\": false}}");
    }

    @Test
    void theChangesOfOneRequest() {
        assertThat(
                        rows(
                                "SELECT \"table\", primary_key, operation FROM changes_by_context('{\"endpoint\": \"/todo/27\", \"method\": \"DELETE\"}')"))
                .containsExactly("todo | 27 | DELETE");
        assertThat(
                        rows(
                                "SELECT primary_key FROM changes_by_context('{\"method\": \"POST\"}', since => '2023-12-11 17:09:10+00')"))
                .containsExactly("27", "28");
    }
}
