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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase.Transaction;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The history and time-travel functions of sql/destination.sql, asked about changes the job stored from real writes. */
class HistoryITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/history-schema.sql");
    }

    private static String request(String sql, String requestId) {
        return sql + " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/todo\", \"request_id\": \"" + requestId
                + "\"} Bemi*/";
    }

    @Test
    void recordsAndTablesAsOfAMomentTheirHistoryAndARequestsChanges() throws Exception {
        job.submit(db.args());
        Transaction created = db.transaction(
                request("INSERT INTO todo (task) VALUES ('Sleep'), ('Eat'), ('Repeat')", "r1"),
                request("INSERT INTO todo_tags (todo_id, tag, note) VALUES (1, 'home', 'first')", "r1"));
        Transaction completed = db.transaction(request("UPDATE todo SET is_completed = true WHERE id = 1", "r2"));
        Transaction deleted = db.transaction(
                request("DELETE FROM todo_tags WHERE todo_id = 1", "r3"),
                request("DELETE FROM todo WHERE id = 2", "r3"));
        Transaction recreated = db.transaction(
                request("INSERT INTO todo (id, task) VALUES (2, 'Eat again')", "r4"),
                request("INSERT INTO todo_tags (todo_id, tag, note) VALUES (1, 'home', 'again')", "r4"));
        Transaction rekeyed = db.transaction(request("UPDATE todo SET id = 30 WHERE id = 3", "r5"));
        settledChanges(11);
        String t1 = moment(created);
        String t2 = moment(completed);
        String t3 = moment(deleted);
        String t4 = moment(recreated);
        String t5 = moment(rekeyed);

        // a record as of a moment: the after of its last change at or before it, nothing before it existed
        assertThat(recordAt("todo", "1", justBefore(t1))).isNull();
        assertThat(recordAt("todo", "1", t1))
                .isEqualTo(Json.parse("{\"id\": 1, \"task\": \"Sleep\", \"is_completed\": false}"));
        assertThat(recordAt("todo", "1", justBefore(t2)))
                .isEqualTo(Json.parse("{\"id\": 1, \"task\": \"Sleep\", \"is_completed\": false}"));
        assertThat(recordAt("todo", "1", t2))
                .isEqualTo(Json.parse("{\"id\": 1, \"task\": \"Sleep\", \"is_completed\": true}"));
        // deleted, then recreated under the same key
        assertThat(recordAt("todo", "2", justBefore(t3)))
                .isEqualTo(Json.parse("{\"id\": 2, \"task\": \"Eat\", \"is_completed\": false}"));
        assertThat(recordAt("todo", "2", t3)).isNull();
        assertThat(recordAt("todo", "2", t4))
                .isEqualTo(Json.parse("{\"id\": 2, \"task\": \"Eat again\", \"is_completed\": false}"));
        // a composite key, as changes.primary_key stores it
        assertThat(recordAt("todo_tags", "[\"home\",1]", t2))
                .isEqualTo(Json.parse("{\"todo_id\": 1, \"tag\": \"home\", \"note\": \"first\"}"));
        assertThat(recordAt("todo_tags", "[\"home\",1]", t3)).isNull();
        assertThat(recordAt("todo_tags", "[\"home\",1]", t5))
                .isEqualTo(Json.parse("{\"todo_id\": 1, \"tag\": \"home\", \"note\": \"again\"}"));
        // a changed key: the old key ends, the new one begins
        assertThat(recordAt("todo", "3", justBefore(t5)))
                .isEqualTo(Json.parse("{\"id\": 3, \"task\": \"Repeat\", \"is_completed\": false}"));
        assertThat(recordAt("todo", "3", t5)).isNull();
        assertThat(recordAt("todo", "30", justBefore(t5))).isNull();
        assertThat(recordAt("todo", "30", t5))
                .isEqualTo(Json.parse("{\"id\": 30, \"task\": \"Repeat\", \"is_completed\": false}"));
        assertThat(db.value("SELECT count(*) FROM changes_record_at('todo', '1', '" + t5 + "', 'elsewhere')"))
                .isEqualTo(0L);
        assertThat(db.value(
                        "SELECT count(*) FROM changes_record_at('todo', '1', '" + t5 + "', database_name => 'other')"))
                .isEqualTo(0L);
        assertThat(db.value("SELECT count(*) FROM changes_record_at('todo', '1', '" + t5
                        + "', database_name => 'postgres')"))
                .isEqualTo(1L);

        // a table as of a moment: every record that existed then
        assertThat(tableAt("todo", justBefore(t1))).isEmpty();
        assertThat(tableAt("todo", t1))
                .containsExactly(
                        entry("1", "{\"id\": 1, \"task\": \"Sleep\", \"is_completed\": false}"),
                        entry("2", "{\"id\": 2, \"task\": \"Eat\", \"is_completed\": false}"),
                        entry("3", "{\"id\": 3, \"task\": \"Repeat\", \"is_completed\": false}"));
        assertThat(tableAt("todo", t3))
                .containsExactly(
                        entry("1", "{\"id\": 1, \"task\": \"Sleep\", \"is_completed\": true}"),
                        entry("3", "{\"id\": 3, \"task\": \"Repeat\", \"is_completed\": false}"));
        assertThat(tableAt("todo", t5))
                .containsExactly(
                        entry("1", "{\"id\": 1, \"task\": \"Sleep\", \"is_completed\": true}"),
                        entry("2", "{\"id\": 2, \"task\": \"Eat again\", \"is_completed\": false}"),
                        entry("30", "{\"id\": 30, \"task\": \"Repeat\", \"is_completed\": false}"));
        assertThat(tableAt("todo_tags", t3)).isEmpty();
        assertThat(tableAt("todo_tags", t4))
                .containsExactly(entry("[\"home\",1]", "{\"todo_id\": 1, \"tag\": \"home\", \"note\": \"again\"}"));

        // a record's history: each change, its context, and only the columns it changed
        assertThat(history("todo", "1"))
                .containsExactly(
                        change(
                                t1,
                                "CREATE",
                                "r1",
                                "{\"id\": {\"after\": 1}, \"task\": {\"after\": \"Sleep\"}, \"is_completed\": {\"after\": false}}",
                                "",
                                ""),
                        change(t2, "UPDATE", "r2", "{\"is_completed\": {\"before\": false, \"after\": true}}", "", ""));
        assertThat(history("todo", "2"))
                .containsExactly(
                        change(
                                t1,
                                "CREATE",
                                "r1",
                                "{\"id\": {\"after\": 2}, \"task\": {\"after\": \"Eat\"}, \"is_completed\": {\"after\": false}}",
                                "",
                                ""),
                        change(
                                t3,
                                "DELETE",
                                "r3",
                                "{\"id\": {\"before\": 2}, \"task\": {\"before\": \"Eat\"}, \"is_completed\": {\"before\": false}}",
                                "",
                                ""),
                        change(
                                t4,
                                "CREATE",
                                "r4",
                                "{\"id\": {\"after\": 2}, \"task\": {\"after\": \"Eat again\"}, \"is_completed\": {\"after\": false}}",
                                "",
                                ""));
        // the key change links the old key's last change and the new key's first
        assertThat(history("todo", "3"))
                .containsExactly(
                        change(
                                t1,
                                "CREATE",
                                "r1",
                                "{\"id\": {\"after\": 3}, \"task\": {\"after\": \"Repeat\"}, \"is_completed\": {\"after\": false}}",
                                "",
                                ""),
                        change(
                                t5,
                                "DELETE",
                                "r5",
                                "{\"id\": {\"before\": 3}, \"task\": {\"before\": \"Repeat\"}, \"is_completed\": {\"before\": false}}",
                                "",
                                "30"));
        assertThat(history("todo", "30"))
                .containsExactly(change(
                        t5,
                        "CREATE",
                        "r5",
                        "{\"id\": {\"after\": 30}, \"task\": {\"after\": \"Repeat\"}, \"is_completed\": {\"after\": false}}",
                        "3",
                        ""));
        assertThat(history("todo_tags", "[\"home\",1]"))
                .extracting(row -> row.get(1))
                .containsExactly("CREATE", "DELETE", "CREATE");
        // within a time range
        assertThat(db.query("SELECT operation FROM changes_record_history('todo', '2', since => '" + t2
                        + "', until => '" + t3 + "')"))
                .extracting(row -> row.get("operation"))
                .containsExactly("DELETE");

        // the changes of one request, across tables, in the order they were made
        assertThat(db.query(
                        "SELECT \"table\", primary_key, operation FROM changes_by_context('{\"request_id\": \"r3\"}')"))
                .extracting(row -> row.get("table") + " " + row.get("primary_key") + " " + row.get("operation"))
                .containsExactly("todo_tags [\"home\",1] DELETE", "todo 2 DELETE");
        assertThat(db.query("SELECT \"table\" FROM changes_by_context('{\"request_id\": \"r1\"}', until => '"
                        + justBefore(t1) + "')"))
                .isEmpty();
        assertThat(db.value("SELECT count(*) FROM changes_by_context('{\"request_id\": \"r1\"}')"))
                .isEqualTo(4L);
    }

    @Test
    void aTruncateEndsEveryRecordOfItsTable() throws Exception {
        job.submit(db.args());
        Transaction created =
                db.transaction("INSERT INTO todo_tags (todo_id, tag, note) VALUES (1, 'home', 'a'), (2, 'work', 'b')");
        Transaction truncated = db.transaction(request("TRUNCATE todo_tags", "t1"));
        Transaction after = db.transaction("INSERT INTO todo_tags (todo_id, tag, note) VALUES (3, 'gym', 'c')");
        Transaction again = db.transaction(
                "INSERT INTO todo_tags (todo_id, tag, note) VALUES (1, 'home', 'again')", "TRUNCATE todo_tags");
        settledChanges(5);
        // the TRUNCATEs are stored: one change of the table each, without key
        assertThat(db.value("SELECT count(*) FROM changes WHERE operation = 'TRUNCATE' AND primary_key IS NULL"))
                .isEqualTo(2L);
        String t1 = moment(created);
        String t2 = moment(truncated);
        String t3 = moment(after);
        String t4 = moment(again);

        // the records before a truncate are gone at it and after it, until created again
        assertThat(tableAt("todo_tags", t1))
                .extracting(Map.Entry::getKey)
                .containsExactly("[\"home\",1]", "[\"work\",2]");
        assertThat(tableAt("todo_tags", justBefore(t2)))
                .extracting(Map.Entry::getKey)
                .containsExactly("[\"home\",1]", "[\"work\",2]");
        assertThat(tableAt("todo_tags", t2)).isEmpty();
        assertThat(tableAt("todo_tags", t3)).extracting(Map.Entry::getKey).containsExactly("[\"gym\",3]");
        assertThat(tableAt("todo_tags", t4)).isEmpty();
        assertThat(recordAt("todo_tags", "[\"home\",1]", t1)).isNotNull();
        assertThat(recordAt("todo_tags", "[\"home\",1]", t2)).isNull();
        assertThat(recordAt("todo_tags", "[\"home\",1]", t3)).isNull();
        assertThat(recordAt("todo_tags", "[\"gym\",3]", t3)).isNotNull();
        assertThat(recordAt("todo_tags", "[\"gym\",3]", t4)).isNull();

        // a record's history shows the truncate that ended it, with its context and the values it had
        assertThat(history("todo_tags", "[\"home\",1]"))
                .containsExactly(
                        change(
                                t1,
                                "CREATE",
                                null,
                                "{\"todo_id\": {\"after\": 1}, \"tag\": {\"after\": \"home\"}, \"note\": {\"after\": \"a\"}}",
                                "",
                                ""),
                        change(
                                t2,
                                "TRUNCATE",
                                "t1",
                                "{\"todo_id\": {\"before\": 1}, \"tag\": {\"before\": \"home\"}, \"note\": {\"before\": \"a\"}}",
                                "",
                                ""),
                        change(
                                t4,
                                "CREATE",
                                null,
                                "{\"todo_id\": {\"after\": 1}, \"tag\": {\"after\": \"home\"}, \"note\": {\"after\": \"again\"}}",
                                "",
                                ""),
                        change(
                                t4,
                                "TRUNCATE",
                                null,
                                "{\"todo_id\": {\"before\": 1}, \"tag\": {\"before\": \"home\"}, \"note\": {\"before\": \"again\"}}",
                                "",
                                ""));
        // a truncate that came after the record was gone is not in its history
        assertThat(history("todo_tags", "[\"gym\",3]"))
                .extracting(c -> c.get(1))
                .containsExactly("CREATE", "TRUNCATE");
        assertThat(db.value("SELECT count(*) FROM changes_record_history('todo_tags', '[\"work\",2]', '" + t3 + "')"))
                .isEqualTo(0L);

        // a truncate of the same name in another schema ends nothing here
        db.execute("UPDATE changes SET schema = 'other' WHERE operation = 'TRUNCATE'");
        assertThat(recordAt("todo_tags", "[\"home\",1]", t3)).isNotNull();
        assertThat(tableAt("todo_tags", t3))
                .extracting(Map.Entry::getKey)
                .containsExactly("[\"gym\",3]", "[\"home\",1]", "[\"work\",2]");
    }

    /** The commit time of a transaction, as the job stored it, in SQL's text form (microseconds). */
    static String moment(Transaction tx) {
        return (String) db.await(
                        "SELECT DISTINCT committed_at::text AS t FROM changes WHERE transaction_id = " + tx.xid(),
                        rows -> rows.size() == 1,
                        Duration.ofSeconds(10))
                .get(0)
                .get("t");
    }

    static String justBefore(String moment) {
        return (String) db.value("SELECT ('" + moment + "'::timestamptz - interval '1 microsecond')::text");
    }

    static JsonNode recordAt(String table, String key, String moment) throws Exception {
        List<Map<String, Object>> rows = db.query(
                "SELECT after::text AS after FROM changes_record_at('" + table + "', '" + key + "', '" + moment + "')");
        assertThat(rows.size()).isLessThanOrEqualTo(1);
        return rows.isEmpty() ? null : Json.parse((String) rows.get(0).get("after"));
    }

    private static List<Map.Entry<String, JsonNode>> tableAt(String table, String moment) throws Exception {
        List<Map.Entry<String, JsonNode>> entries = new java.util.ArrayList<>();
        for (Map<String, Object> row : db.query("SELECT primary_key, after::text AS after FROM changes_table_at('"
                + table + "', '" + moment + "') ORDER BY primary_key")) {
            entries.add(Map.entry((String) row.get("primary_key"), Json.parse((String) row.get("after"))));
        }
        return entries;
    }

    private static Map.Entry<String, JsonNode> entry(String key, String json) throws Exception {
        return Map.entry(key, Json.parse(json));
    }

    /** Each change of a record: time, operation, its context's request id, the changed columns, previous and next key. */
    private static List<List<Object>> history(String table, String key) throws Exception {
        List<List<Object>> changes = new java.util.ArrayList<>();
        for (Map<String, Object> row :
                db.query("SELECT committed_at::text AS t, operation, context->>'request_id' AS request,"
                        + " changed::text AS changed, coalesce(previous_key, '') AS previous, coalesce(next_key, '') AS next"
                        + " FROM changes_record_history('" + table + "', '" + key + "')")) {
            changes.add(java.util.Arrays.asList(
                    row.get("t"),
                    row.get("operation"),
                    row.get("request"),
                    Json.parse((String) row.get("changed")),
                    row.get("previous"),
                    row.get("next")));
        }
        return changes;
    }

    private static List<Object> change(
            String moment, String operation, String request, String changed, String previous, String next)
            throws Exception {
        return java.util.Arrays.asList(moment, operation, request, Json.parse(changed), previous, next);
    }
}
