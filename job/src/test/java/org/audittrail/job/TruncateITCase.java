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
import java.util.stream.Collectors;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase.Transaction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TRUNCATE of tracked tables, captured from real statements: one change per table, primary_key NULL, with its
 * statement's context, alone, of several tables, CASCADE, RESTART IDENTITY, amid other changes of its transaction.
 */
class TruncateITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.execute(
                "CREATE TABLE tr_parent (id serial PRIMARY KEY, name text)",
                "CREATE TABLE tr_child (id serial PRIMARY KEY, parent_id int REFERENCES tr_parent)",
                "CREATE TABLE tr_other (id serial PRIMARY KEY, v text)");
    }

    private static String context(String request) {
        return "{\"request_id\": \"" + request + "\"}";
    }

    @Test
    void eachTableTruncatedIsOneChangeWithItsStatementsContext() throws Exception {
        db.execute("TRUNCATE tr_other, tr_parent, tr_child RESTART IDENTITY"); // no slot yet: not captured
        job.submit(db.args());
        Transaction filled = db.transaction(
                withContext("INSERT INTO tr_parent (name) VALUES ('a'), ('b')", context("r1")),
                withContext("INSERT INTO tr_child (parent_id) VALUES (1)", context("r1")),
                withContext("INSERT INTO tr_other (v) VALUES ('x')", context("r1")));
        // alone, with a context
        Transaction alone = db.transaction(withContext("TRUNCATE tr_other", context("r2")));
        // CASCADE: the referencing table is truncated too, by the same statement
        Transaction cascade = db.transaction(withContext("TRUNCATE tr_parent CASCADE", context("r3")));
        // three tables at once, RESTART IDENTITY, without context, between inserts of the same transaction (the first
        // with a context, so the trigger names the tables without one)
        Transaction amid = db.transaction(
                withContext("INSERT INTO tr_other (v) VALUES ('y')", context("r4")),
                "TRUNCATE tr_other, tr_parent, tr_child RESTART IDENTITY",
                "INSERT INTO tr_parent (name) VALUES ('c')");
        // alone, without context, in a transaction that sent none
        Transaction plain = db.transaction("TRUNCATE tr_other");
        List<Map<String, Object>> rows = settledChanges(13);
        assertThat(rows).hasSize(13);

        assertThat(rows.stream().map(r -> r.get("id")).distinct()).hasSize(13);
        assertThat(summary(rows, filled))
                .containsExactly(
                        "CREATE tr_parent 1 r1",
                        "CREATE tr_parent 2 r1",
                        "CREATE tr_child 1 r1",
                        "CREATE tr_other 1 r1");
        assertThat(summary(rows, alone)).containsExactly("TRUNCATE tr_other null r2");
        assertThat(summary(rows, cascade))
                .containsExactlyInAnyOrder("TRUNCATE tr_parent null r3", "TRUNCATE tr_child null r3");
        List<String> amidChanges = summary(rows, amid);
        assertThat(amidChanges).hasSize(5);
        assertThat(amidChanges.get(0)).isEqualTo("CREATE tr_other 2 r4");
        assertThat(amidChanges.subList(1, 4))
                .containsExactlyInAnyOrder(
                        "TRUNCATE tr_other null null", "TRUNCATE tr_parent null null", "TRUNCATE tr_child null null");
        // RESTART IDENTITY: the row inserted after it is id 1 again
        assertThat(amidChanges.get(4)).isEqualTo("CREATE tr_parent 1 null");
        assertThat(summary(rows, plain)).containsExactly("TRUNCATE tr_other null null");

        for (Map<String, Object> row : rows) {
            if (!"TRUNCATE".equals(row.get("operation"))) {
                continue;
            }
            assertThat(row.get("primary_key")).isNull();
            assertThat(json(row, "before").toString()).isEqualTo("{}");
            assertThat(json(row, "after").toString()).isEqualTo("{}");
            assertThat(row.get("partial")).isEqualTo(false);
            assertThat(row.get("database")).isEqualTo("postgres");
            assertThat(row.get("schema")).isEqualTo("public");
        }
        // the truncates of one statement share its transaction's commit time and one WAL position
        for (Transaction tx : List.of(cascade, amid)) {
            assertThat(db.value("SELECT count(DISTINCT committed_at) FROM changes WHERE transaction_id = " + tx.xid()))
                    .isEqualTo(1L);
            assertThat(db.value("SELECT count(DISTINCT position) FROM changes WHERE operation = 'TRUNCATE'"
                            + " AND transaction_id = " + tx.xid()))
                    .isEqualTo(1L);
        }
    }

    @Test
    void setupPutsTheTruncateTriggerOnEveryTrackedTableAndOnNewOnes() throws Exception {
        job.submit(db.args());
        db.transaction("INSERT INTO tr_other (v) VALUES ('z')");
        settledChanges(1); // setup has run
        db.execute("CREATE TABLE tr_later (id int PRIMARY KEY)");
        assertThat(db.query("SELECT tgname, tgrelid::regclass::text AS t FROM pg_trigger"
                        + " WHERE tgfoid = '_bemi_truncate_trigger_func()'::regprocedure ORDER BY 2"))
                .extracting(r -> r.get("t") + " " + r.get("tgname"))
                .contains(
                        "tr_child _bemi_truncate_trigger_tr_child",
                        "tr_later _bemi_truncate_trigger_tr_later",
                        "tr_other _bemi_truncate_trigger_tr_other",
                        "tr_parent _bemi_truncate_trigger_tr_parent")
                .noneMatch(t -> t.startsWith("changes"));
    }

    /** The changes of one transaction in WAL order: operation, table, key, and its context's request. */
    private static List<String> summary(List<Map<String, Object>> rows, Transaction tx) {
        return rows.stream()
                .filter(r -> ((Number) r.get("transaction_id")).longValue() == tx.xid())
                .map(r -> r.get("operation") + " " + r.get("table") + " " + r.get("primary_key") + " "
                        + json(r, "context").path("request_id").textValue())
                .collect(Collectors.toList());
    }
}
