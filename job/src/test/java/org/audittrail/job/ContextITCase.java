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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Context written through plain JDBC the way Bemi's packages write it, read back from {@code changes}. */
class ContextITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/context-schema.sql");
    }

    @Test
    void reproducesSeed003() throws Exception {
        job.submit(db.args());
        db.execute("ALTER SEQUENCE todo_id_seq RESTART WITH 26");
        String post =
                "{\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\", \"SQL\": \"INSERT INTO ...\"}";
        try (Connection c = db.connect()) {
            for (String task : List.of("Sleep", "Eat", "Repeat")) {
                try (PreparedStatement s =
                        c.prepareStatement(withContext("INSERT INTO todo (task) VALUES (?)", post))) {
                    s.setString(1, task);
                    s.executeUpdate();
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    withContext(
                            "UPDATE todo SET is_completed = ? WHERE id = ?",
                            "{\"user_id\": 187234, \"endpoint\": \"/todo/complete\", \"method\": \"PUT\", \"SQL\": \"UPDATE ...\"}"))) {
                s.setBoolean(1, true);
                s.setInt(2, 26);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement(
                    withContext(
                            "DELETE FROM todo WHERE id = ?",
                            "{\"user_id\": 187234, \"endpoint\": \"/todo/27\", \"method\": \"DELETE\", \"SQL\": \"DELETE FROM ...\"}"))) {
                s.setInt(1, 27);
                s.executeUpdate();
            }
        }
        List<Map<String, Object>> rows = db.awaitChanges(5);
        String[][] expected = {
            {
                "26",
                "todo",
                "CREATE",
                "{}",
                "{\"id\": 26, \"task\": \"Sleep\", \"is_completed\": false}",
                "{\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\", \"SQL\": \"INSERT INTO ...\"}"
            },
            {
                "27",
                "todo",
                "CREATE",
                "{}",
                "{\"id\": 27, \"task\": \"Eat\", \"is_completed\": false}",
                "{\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\", \"SQL\": \"INSERT INTO ...\"}"
            },
            {
                "28",
                "todo",
                "CREATE",
                "{}",
                "{\"id\": 28, \"task\": \"Repeat\", \"is_completed\": false}",
                "{\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\", \"SQL\": \"INSERT INTO ...\"}"
            },
            {
                "26",
                "todo",
                "UPDATE",
                "{\"id\": 26, \"task\": \"Sleep\", \"is_completed\": false}",
                "{\"id\": 26, \"task\": \"Sleep\", \"is_completed\": true}",
                "{\"user_id\": 187234, \"endpoint\": \"/todo/complete\", \"method\": \"PUT\", \"SQL\": \"UPDATE ...\"}"
            },
            {
                "27",
                "todo",
                "DELETE",
                "{\"id\": 27, \"task\": \"Eat\", \"is_completed\": false}",
                "{}",
                "{\"user_id\": 187234, \"endpoint\": \"/todo/27\", \"method\": \"DELETE\", \"SQL\": \"DELETE FROM ...\"}"
            },
        };
        assertThat(rows).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            Map<String, Object> row = rows.get(i);
            assertThat(row.get("primary_key")).isEqualTo(expected[i][0]);
            assertThat(row.get("table")).isEqualTo(expected[i][1]);
            assertThat(row.get("operation")).isEqualTo(expected[i][2]);
            assertThat(json(row, "before")).isEqualTo(Json.parse(expected[i][3]));
            assertThat(json(row, "after")).isEqualTo(Json.parse(expected[i][4]));
            assertThat(json(row, "context")).isEqualTo(Json.parse(expected[i][5]));
        }
        // the context is stored as sent: keys in order, value types kept
        assertThat(rows.get(0).get("context").toString())
                .isEqualTo(
                        "{\"SQL\": \"INSERT INTO ...\", \"method\": \"POST\", \"user_id\": 187234, \"endpoint\": \"/todo\"}");
    }

    @Test
    void eachRowGetsTheContextOfItsOwnStatement() throws Exception {
        job.submit(db.args());
        db.execute(
                "INSERT INTO lists VALUES (1, 'home'), (2, 'work')",
                "INSERT INTO items VALUES (10, 1, 'a'), (11, 1, 'b'), (20, 2, 'c')");
        db.awaitChanges(5);
        db.execute("TRUNCATE changes");

        db.transaction(
                // a multi-row statement: each row gets the context
                withContext("UPDATE items SET name = upper(name) WHERE list_id = 1", "{\"step\": \"multi\"}"),
                // another statement of the same transaction, another context
                withContext("UPDATE items SET name = 'C' WHERE id = 20", "{\"step\": \"second\"}"),
                // a statement without context after them: nothing leaks into it, nor from a message of another prefix
                "SELECT pg_logical_emit_message(true, 'other', '{\"not\": \"bemi\"}')",
                "UPDATE lists SET name = 'Work' WHERE id = 2",
                // a cascade: the children deleted by the foreign key get the parent's statement's context
                withContext("DELETE FROM lists WHERE id = 1", "{\"step\": \"cascade\"}"),
                "INSERT INTO guarded VALUES (2, 'accepted')",
                // a row cancelled by another trigger: its message has no change after it
                withContext("INSERT INTO guarded VALUES (1, 'rejected')", "{\"step\": \"lost\"}"));
        // the next transaction's rows are not given the lost message
        db.execute("INSERT INTO guarded VALUES (3, 'next')");

        List<Map<String, Object>> rows = db.awaitChanges(9);
        assertThat(rows)
                .extracting(r -> r.get("table") + " " + r.get("operation") + " " + r.get("primary_key") + " "
                        + r.get("context").toString().replace(" ", ""))
                .containsExactly(
                        "items UPDATE 10 {\"step\":\"multi\"}",
                        "items UPDATE 11 {\"step\":\"multi\"}",
                        "items UPDATE 20 {\"step\":\"second\"}",
                        "lists UPDATE 2 {}",
                        "lists DELETE 1 {\"step\":\"cascade\"}",
                        "items DELETE 10 {\"step\":\"cascade\"}",
                        "items DELETE 11 {\"step\":\"cascade\"}",
                        "guarded CREATE 2 {}",
                        "guarded CREATE 3 {}");
    }

    @Test
    void djangoQuotedContextComesBackAsTheApplicationWroteIt() throws Exception {
        job.submit(db.args());
        // Bemi's Django package URL-quotes its JSON, breaks up "--" and doubles "%"; psycopg halves the
        // percents again when the statement has parameters
        String withParameters =
                "{\"user_id\": 7, \"note\": \"50% off%3B a%2Ab - - d\", \"SQL\": \"INSERT INTO todo (task) VALUES (%s)\"}";
        String withoutParameters = withParameters.replace("%", "%%");
        try (Connection c = db.connect()) {
            try (PreparedStatement s =
                    c.prepareStatement(withContext("INSERT INTO todo (task) VALUES (?)", withParameters))) {
                s.setString(1, "django");
                s.executeUpdate();
            }
            try (var s = c.createStatement()) {
                s.execute(withContext("INSERT INTO todo (task) VALUES ('django raw')", withoutParameters));
            }
        }
        List<Map<String, Object>> rows = db.awaitChanges(2);
        JsonNode expected = Json.parse(
                "{\"user_id\": 7, \"note\": \"50% off; a*b -- d\", \"SQL\": \"INSERT INTO todo (task) VALUES (%s)\"}");
        assertThat(rows).allSatisfy(row -> assertThat(json(row, "context")).isEqualTo(expected));
    }

    @Test
    void invalidContextNeverLosesTheChange() throws Exception {
        job.submit(db.args());
        db.execute(withContext("INSERT INTO todo (task) VALUES ('broken')", "{\"user_id\": 1, oops"));
        List<Map<String, Object>> rows = db.awaitChanges(1);
        assertThat(json(rows.get(0), "after").get("task").asText()).isEqualTo("broken");
        assertThat(json(rows.get(0), "context").get("_unparsed").asText()).isEqualTo("{\"user_id\": 1, oops");
    }

    @Test
    void aContextNumberBeyondDoubleIsKeptAsWritten() throws Exception {
        job.submit(db.args());
        db.execute(withContext("INSERT INTO todo (task) VALUES ('big')", "{\"n\": 1e400, \"m\": -1e400}"));
        db.awaitChanges(1);
        assertThat(db.value("SELECT context = '{\"n\": 1e400, \"m\": -1e400}'::jsonb FROM changes"))
                .isEqualTo(true);
    }

    @Test
    void concurrentTransactionsKeepTheirOwnContexts() throws Exception {
        job.submit(db.args());
        int writers = 4;
        int statements = 25;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    start.await();
                    try (Connection c = db.connect()) {
                        c.setAutoCommit(false);
                        for (int i = 0; i < statements; i++) {
                            try (PreparedStatement s = c.prepareStatement(withContext(
                                    "INSERT INTO todo (task) VALUES (?)", "{\"writer\": " + writer + "}"))) {
                                s.setString(1, "w" + writer);
                                s.executeUpdate();
                            }
                            if (i % 5 == 4) {
                                c.commit();
                            }
                        }
                        c.commit();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<Map<String, Object>> rows = db.awaitChanges(writers * statements);
        assertThat(rows).hasSize(writers * statements).allSatisfy(row -> {
            String writer = ((String) db.value("SELECT '" + row.get("after") + "'::jsonb->>'task'")).substring(1);
            assertThat(json(row, "context").get("writer").asText()).isEqualTo(writer);
        });
    }
}
