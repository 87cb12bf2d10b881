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
import static org.audittrail.job.HistoryITCase.justBefore;
import static org.audittrail.job.HistoryITCase.moment;
import static org.audittrail.job.HistoryITCase.recordAt;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase.Transaction;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schema history: each DDL on a tracked table in schema_changes, in WAL order, once, with its columns after it and
 * its statement's context, also across a stop with a savepoint while DDL goes on; and time travel in the columns a
 * table had at each moment.
 */
class SchemaHistoryITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.execute("CREATE TABLE gadgets (id serial PRIMARY KEY, name text, price integer)");
    }

    @Test
    void everyDdlOnceInOrderWithItsContextAndTimeTravelInTheColumnsOfTheMoment() throws Exception {
        job.submit(db.args());
        // setup's baseline: the columns when tracking began
        assertThat(history("gadgets")).containsExactly("BASELINE id,name,price");

        Transaction created = db.transaction("INSERT INTO gadgets (name, price) VALUES ('lamp', 10), ('desk', 200)");
        Transaction added = db.transaction(
                withContext("ALTER TABLE gadgets ADD COLUMN color text", "{\"user_id\": 7, \"migration\": \"color\"}"));
        Transaction painted = db.transaction("UPDATE gadgets SET color = 'red' WHERE id = 1");
        Transaction renamed = db.transaction("ALTER TABLE gadgets RENAME COLUMN name TO title");
        awaitSchemaChanges(2);

        // stopped with a savepoint while DDL goes on: each is captured once after the restore
        String savepoint = job.stopWithSavepoint();
        Transaction chair = db.transaction("INSERT INTO gadgets (title, price, color) VALUES ('chair', 50, 'blue')");
        Transaction retyped = db.transaction("ALTER TABLE gadgets ALTER COLUMN price TYPE numeric(10,2)");
        Transaction dropped = db.transaction("ALTER TABLE gadgets DROP COLUMN color");
        db.transaction("CREATE TABLE gizmos (id integer PRIMARY KEY, label text)");
        job.submit(db.args(), savepoint);
        Transaction repriced = db.transaction("UPDATE gadgets SET price = 55 WHERE id = 3");
        // created while the job runs, with rows after it
        db.transaction(
                withContext("CREATE TABLE parts (id integer PRIMARY KEY, name text)", "{\"migration\": \"parts\"}"));
        Transaction part = db.transaction("INSERT INTO parts VALUES (1, 'bolt')");
        Transaction gizmos = db.transaction("INSERT INTO gizmos VALUES (1, 'x'), (2, 'z')");
        // read before the table goes: a row's key is looked up in the catalog when its table's first change is read
        String gizmoCreated = moment(gizmos);
        Transaction gizmosRenamed = db.transaction("ALTER TABLE gizmos RENAME TO gizmos_old");
        // the name taken again by another table, with a record of the same key
        db.transaction("CREATE TABLE gizmos (id integer PRIMARY KEY, label text)");
        Transaction newGizmo = db.transaction("INSERT INTO gizmos VALUES (1, 'y')");
        String bothNamed = moment(newGizmo);
        Transaction gizmosDropped = db.transaction("DROP TABLE gizmos_old");
        awaitSchemaChanges(9);
        settledChanges(9);

        assertThat(history("gadgets"))
                .containsExactly(
                        "BASELINE id,name,price",
                        "ALTER TABLE id,name,price,color",
                        "ALTER TABLE id,title,price,color",
                        "ALTER TABLE id,title,price,color",
                        "ALTER TABLE id,title,price");
        assertThat(history("parts")).containsExactly("CREATE TABLE id,name");
        assertThat(db.value("SELECT context->>'migration' FROM schema_changes WHERE \"table\" = 'parts'"))
                .isEqualTo("parts");
        assertThat(recordAt("parts", "1", moment(part))).isEqualTo(json("{\"id\": 1, \"name\": \"bolt\"}"));
        assertThat(db.value("SELECT columns->2->>'type' FROM schema_changes WHERE transaction_id = " + retyped.xid()))
                .isEqualTo("numeric(10,2)");
        assertThat(db.value("SELECT context::text FROM schema_changes WHERE transaction_id = " + added.xid()))
                .isEqualTo("{\"user_id\": 7, \"migration\": \"color\"}");
        assertThat(db.value("SELECT context::text FROM schema_changes WHERE transaction_id = " + renamed.xid()))
                .isEqualTo("{}");
        // a table created (while the job was stopped), renamed (same relation) and dropped
        assertThat(db.query("SELECT \"table\", command, columns::text AS columns,"
                        + " relation = first_value(relation) OVER (ORDER BY committed_at, position) AS same"
                        + " FROM schema_changes WHERE relation = (SELECT relation FROM schema_changes"
                        + " WHERE \"table\" = 'gizmos_old' LIMIT 1) ORDER BY committed_at, position"))
                .extracting(r -> r.get("table") + " " + r.get("command") + " " + r.get("same"))
                .containsExactly(
                        "gizmos CREATE TABLE true",
                        // created while the job was stopped: setup's baseline at the restart, after it in time
                        "gizmos BASELINE true",
                        "gizmos_old ALTER TABLE true",
                        "gizmos_old DROP TABLE true");
        // once each: as many rows as DDL statements, nothing replayed twice
        assertThat(db.value("SELECT count(*) - count(DISTINCT position) FROM schema_changes"))
                .isEqualTo(0L);

        // time travel in the columns of the moment
        assertThat(recordAt("gadgets", "2", moment(created)))
                .isEqualTo(json("{\"id\": 2, \"name\": \"desk\", \"price\": 200}"));
        // a column added after the record's last change: there, without a value
        assertThat(recordAt("gadgets", "2", ddlMoment(added)))
                .isEqualTo(json("{\"id\": 2, \"name\": \"desk\", \"price\": 200, \"color\": null}"));
        assertThat(recordAt("gadgets", "1", moment(painted)))
                .isEqualTo(json("{\"id\": 1, \"name\": \"lamp\", \"price\": 10, \"color\": \"red\"}"));
        // a rename followed: the value under the column's name of the moment
        assertThat(recordAt("gadgets", "1", ddlMoment(renamed)))
                .isEqualTo(json("{\"id\": 1, \"title\": \"lamp\", \"price\": 10, \"color\": \"red\"}"));
        assertThat(recordAt("gadgets", "1", justBefore(ddlMoment(dropped))))
                .isEqualTo(json("{\"id\": 1, \"title\": \"lamp\", \"price\": 10, \"color\": \"red\"}"));
        // a column dropped: gone from then on, still there before
        assertThat(recordAt("gadgets", "1", ddlMoment(dropped)))
                .isEqualTo(json("{\"id\": 1, \"title\": \"lamp\", \"price\": 10}"));
        assertThat(recordAt("gadgets", "3", moment(chair)))
                .isEqualTo(json("{\"id\": 3, \"title\": \"chair\", \"price\": 50, \"color\": \"blue\"}"));
        assertThat(recordAt("gadgets", "3", moment(repriced)))
                .isEqualTo(json("{\"id\": 3, \"title\": \"chair\", \"price\": 55.00}"));
        assertThat(tableAt("gadgets", justBefore(ddlMoment(renamed))))
                .containsExactly(
                        json("{\"id\": 1, \"name\": \"lamp\", \"price\": 10, \"color\": \"red\"}"),
                        json("{\"id\": 2, \"name\": \"desk\", \"price\": 200, \"color\": null}"));
        assertThat(tableAt("gadgets", moment(repriced)))
                .containsExactly(
                        json("{\"id\": 1, \"title\": \"lamp\", \"price\": 10}"),
                        json("{\"id\": 2, \"title\": \"desk\", \"price\": 200}"),
                        json("{\"id\": 3, \"title\": \"chair\", \"price\": 55.00}"));
        // a table renamed or dropped has no records under that name from then on
        assertThat(recordAt("gizmos", "1", gizmoCreated)).isEqualTo(json("{\"id\": 1, \"label\": \"x\"}"));
        assertThat(recordAt("gizmos", "1", ddlMoment(gizmosRenamed))).isNull();
        // a rename followed: its records, changed before it, under the new name from then on, not before
        assertThat(recordAt("gizmos_old", "1", ddlMoment(gizmosRenamed)))
                .isEqualTo(json("{\"id\": 1, \"label\": \"x\"}"));
        assertThat(recordAt("gizmos_old", "1", gizmoCreated)).isNull();
        // and its history, until the table was dropped: the change made under the old name
        assertThat(db.query("SELECT operation, changed::text AS changed FROM changes_record_history('gizmos_old', '1',"
                        + " until => '" + justBefore(ddlMoment(gizmosDropped)) + "')"))
                .extracting(r -> r.get("operation") + " " + r.get("changed"))
                .containsExactly("CREATE {\"id\": {\"after\": 1}, \"label\": {\"after\": \"x\"}}");
        assertThat(tableAt("gizmos_old", bothNamed))
                .containsExactly(json("{\"id\": 1, \"label\": \"x\"}"), json("{\"id\": 2, \"label\": \"z\"}"));
        // the name taken again: each table's own record under the name it had at the moment
        assertThat(recordAt("gizmos", "1", bothNamed)).isEqualTo(json("{\"id\": 1, \"label\": \"y\"}"));
        assertThat(tableAt("gizmos", bothNamed)).containsExactly(json("{\"id\": 1, \"label\": \"y\"}"));
        assertThat(recordAt("gizmos", "2", bothNamed)).isNull();
        assertThat(recordAt("gizmos", "1", gizmoCreated)).isEqualTo(json("{\"id\": 1, \"label\": \"x\"}"));
        assertThat(recordAt("gizmos_old", "1", ddlMoment(gizmosDropped))).isNull();
        assertThat(job.failures()).isEmpty();
    }

    @Test
    void aTableDroppedBeforeItsChangesWereReadKeepsItsKey() throws Exception {
        db.execute("CREATE TABLE widgets (id integer PRIMARY KEY, label text)");
        job.submit(db.args());
        // setup recorded the key where the history begins
        assertThat(db.value("SELECT columns::text FROM schema_changes WHERE \"table\" = 'widgets'"))
                .isEqualTo("[{\"key\": 1, \"name\": \"id\", \"type\": \"integer\", \"number\": 1},"
                        + " {\"name\": \"label\", \"type\": \"text\", \"number\": 2}]");
        db.transaction("INSERT INTO widgets VALUES (0, 'read')");
        settledChanges(1);
        String savepoint = job.stopWithSavepoint();
        // while the job is stopped: a table it knew written and dropped; one created, written and dropped, its key
        // in another order than its columns
        db.transaction("INSERT INTO widgets VALUES (1, 'a'), (2, 'b')");
        db.transaction("UPDATE widgets SET label = 'c' WHERE id = 2");
        db.transaction("DROP TABLE widgets");
        db.transaction("CREATE TABLE sprockets (code text, n integer, PRIMARY KEY (n, code))");
        db.transaction("INSERT INTO sprockets VALUES ('x', 1)");
        db.transaction("DROP TABLE sprockets");
        job.submit(db.args(), savepoint);

        assertThat(settledChanges(5))
                .extracting(r -> r.get("table") + " " + r.get("operation") + " " + r.get("primary_key"))
                .containsExactly(
                        "widgets CREATE 0",
                        "widgets CREATE 1",
                        "widgets CREATE 2",
                        "widgets UPDATE 2",
                        "sprockets CREATE [1,\"x\"]");
        assertThat(job.failures()).isEmpty();
    }

    /** Command and column names of each row of a table's schema history, oldest first. */
    private static List<String> history(String table) {
        return db
                .query("SELECT command || ' ' || (SELECT string_agg(c->>'name', ',' ORDER BY (c->>'number')::int)"
                        + " FROM jsonb_array_elements(columns) c) AS row FROM schema_changes WHERE \"table\" = '"
                        + table
                        + "' ORDER BY committed_at, position")
                .stream()
                .map(r -> (String) r.get("row"))
                .toList();
    }

    private static void awaitSchemaChanges(int count) {
        db.await(
                "SELECT count(*) AS n FROM schema_changes WHERE command <> 'BASELINE'",
                rows -> ((Number) rows.get(0).get("n")).intValue() >= count,
                Duration.ofSeconds(60));
    }

    private static String ddlMoment(Transaction tx) {
        return (String) db.await(
                        "SELECT DISTINCT committed_at::text AS t FROM schema_changes WHERE transaction_id = "
                                + tx.xid(),
                        rows -> rows.size() == 1,
                        Duration.ofSeconds(30))
                .get(0)
                .get("t");
    }

    private static List<JsonNode> tableAt(String table, String moment) throws Exception {
        List<JsonNode> records = new java.util.ArrayList<>();
        for (Map<String, Object> row : db.query("SELECT after::text AS after FROM changes_table_at('" + table + "', '"
                + moment + "') ORDER BY primary_key")) {
            records.add(Json.parse((String) row.get("after")));
        }
        return records;
    }

    private static JsonNode json(String text) {
        try {
            return Json.parse(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
