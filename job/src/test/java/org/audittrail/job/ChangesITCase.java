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

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase.Transaction;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** From SQL written to the source to the exact rows of {@code changes}, all 14 columns. */
class ChangesITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/changes-schema.sql");
    }

    @Test
    void everyRowChangeLandsOnceWithAllColumns() throws Exception {
        job.submit(db.args());
        List<Expected> expected = new ArrayList<>();

        Transaction single = db.transaction("INSERT INTO todo (task) VALUES ('Sleep')");
        expected.add(new Expected(
                "todo", "1", Operation.CREATE, "{}", "{\"id\":1,\"task\":\"Sleep\",\"is_completed\":false}", single));

        Transaction multi = db.transaction("INSERT INTO todo (task) VALUES ('Eat'), ('Repeat')");
        expected.add(new Expected(
                "todo", "2", Operation.CREATE, "{}", "{\"id\":2,\"task\":\"Eat\",\"is_completed\":false}", multi));
        expected.add(new Expected(
                "todo", "3", Operation.CREATE, "{}", "{\"id\":3,\"task\":\"Repeat\",\"is_completed\":false}", multi));

        Transaction update = db.transaction("UPDATE todo SET is_completed = true WHERE id IN (1, 3)");
        expected.add(new Expected(
                "todo",
                "1",
                Operation.UPDATE,
                "{\"id\":1,\"task\":\"Sleep\",\"is_completed\":false}",
                "{\"id\":1,\"task\":\"Sleep\",\"is_completed\":true}",
                update));
        expected.add(new Expected(
                "todo",
                "3",
                Operation.UPDATE,
                "{\"id\":3,\"task\":\"Repeat\",\"is_completed\":false}",
                "{\"id\":3,\"task\":\"Repeat\",\"is_completed\":true}",
                update));

        Transaction tables = db.transaction(
                "DELETE FROM todo WHERE id = 2",
                "INSERT INTO todo_tags (todo_id, tag, note) VALUES (1, 'home', 'first')",
                "INSERT INTO events (name, payload) VALUES ('signup', 7)");
        expected.add(new Expected(
                "todo", "2", Operation.DELETE, "{\"id\":2,\"task\":\"Eat\",\"is_completed\":false}", "{}", tables));
        expected.add(new Expected(
                "todo_tags",
                "[\"home\",1]",
                Operation.CREATE,
                "{}",
                "{\"todo_id\":1,\"tag\":\"home\",\"note\":\"first\"}",
                tables));
        expected.add(
                new Expected("events", null, Operation.CREATE, "{}", "{\"name\":\"signup\",\"payload\":7}", tables));

        Transaction keyless = db.transaction(
                "UPDATE todo_tags SET note = 'second'", "UPDATE events SET payload = 8", "DELETE FROM events");
        expected.add(new Expected(
                "todo_tags",
                "[\"home\",1]",
                Operation.UPDATE,
                "{\"todo_id\":1,\"tag\":\"home\",\"note\":\"first\"}",
                "{\"todo_id\":1,\"tag\":\"home\",\"note\":\"second\"}",
                keyless));
        expected.add(new Expected(
                "events",
                null,
                Operation.UPDATE,
                "{\"name\":\"signup\",\"payload\":7}",
                "{\"name\":\"signup\",\"payload\":8}",
                keyless));
        expected.add(
                new Expected("events", null, Operation.DELETE, "{\"name\":\"signup\",\"payload\":8}", "{}", keyless));

        db.awaitChanges(expected.size());
        List<Map<String, Object>> rows =
                db.query("SELECT *, pg_xact_commit_timestamp(transaction_id::text::xid) AS real_commit"
                        + " FROM changes ORDER BY position");
        assertThat(rows).hasSize(expected.size());
        for (int i = 0; i < rows.size(); i++) {
            expected.get(i).assertMatches(rows.get(i));
        }
        assertThat(db.value("SELECT count(DISTINCT position) FROM changes")).isEqualTo((long) expected.size());
    }

    /** One expected row of changes, and the transaction that made it. */
    record Expected(String table, String primaryKey, Operation operation, String before, String after, Transaction tx) {

        void assertMatches(Map<String, Object> row) throws Exception {
            String what = operation + " " + table + " " + primaryKey;
            assertThat(row.get("database")).as(what).isEqualTo("postgres");
            assertThat(row.get("schema")).as(what).isEqualTo("public");
            assertThat(row.get("table")).as(what).isEqualTo(table);
            assertThat(row.get("primary_key")).as(what).isEqualTo(primaryKey);
            assertThat(row.get("operation")).as(what).isEqualTo(operation.name());
            assertThat(json(row.get("before"))).as(what + " before").isEqualTo(Json.parse(before));
            assertThat(json(row.get("after"))).as(what + " after").isEqualTo(Json.parse(after));
            assertThat(json(row.get("context"))).as(what + " context").isEqualTo(Json.parse("{}"));
            assertThat(row.get("transaction_id")).as(what).isEqualTo(tx.xid());
            long position = (Long) row.get("position");
            assertThat(position)
                    .as(what + " position")
                    .isGreaterThanOrEqualTo(tx.lsnBefore())
                    .isLessThan(tx.lsnAfter());

            Timestamp committedAt = (Timestamp) row.get("committed_at");
            Timestamp realCommit = (Timestamp) row.get("real_commit");
            Timestamp queuedAt = (Timestamp) row.get("queued_at");
            Timestamp createdAt = (Timestamp) row.get("created_at");
            // Debezium gives the commit time in milliseconds
            assertThat(Duration.between(committedAt.toInstant(), realCommit.toInstant())
                            .abs())
                    .as(what + " committed_at")
                    .isLessThan(Duration.ofMillis(1));
            assertThat(queuedAt).as(what + " queued_at").isAfterOrEqualTo(committedAt);
            assertThat(createdAt).as(what + " created_at").isAfterOrEqualTo(queuedAt);
            assertThat(Duration.between(committedAt.toInstant(), createdAt.toInstant()))
                    .isLessThan(Duration.ofMinutes(1));

            Change change = new Change();
            change.database = "postgres";
            change.schema = "public";
            change.table = table;
            change.primaryKey = primaryKey;
            change.operation = operation;
            change.transactionId = tx.xid();
            change.position = position;
            assertThat(row.get("id")).as(what + " id").isEqualTo(ChangeId.of(change));
            assertThat(row.get("id")).isInstanceOf(UUID.class);
        }

        private static JsonNode json(Object jsonb) throws Exception {
            return Json.parse(jsonb.toString());
        }
    }
}
