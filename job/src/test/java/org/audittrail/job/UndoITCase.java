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
import org.audittrail.job.testing.Auditor;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Undo from SQL on the source to the table itself: a transaction that touched every kind of value is reverted and the
 * table compared with its earlier state row by row; a revert that meets a row changed again stops and changes nothing;
 * a record goes back to a moment; each revert is in the trail under its own context.
 */
class UndoITCase extends JobTestBase {

    static final String ROW = "(%d, '{a,\"b c\",NULL}', '[1,5)', '[\"2024-01-01 00:00:00+00\",infinity)', 'NaN',"
            + " 12.34, 'infinity', '-infinity', '\\xdeadbeef', '{\"a\": [1, 2.50], \"z\": null}', '-Infinity',"
            + " '1 year 2 mons 3 days 04:05:06.5', '2024-02-29 23:59:59.999999+00', 'row %d')";

    @BeforeAll
    static void createSchema() {
        db.execute(
                "CREATE TABLE kinds (id int PRIMARY KEY, tags text[], span int4range, stamps tstzrange, amount numeric,"
                        + " price money, at timestamp, upto date, blob bytea, doc jsonb, ratio float8, wait interval,"
                        + " atz timestamptz, note text)",
                "ALTER TABLE kinds REPLICA IDENTITY FULL");
    }

    @Test
    void aTransactionTouchingEveryKindOfValueIsRevertedRowByRow() throws Exception {
        db.execute("INSERT INTO kinds VALUES " + String.format(ROW, 1, 1) + ", " + String.format(ROW, 2, 2) + ", "
                + String.format(ROW, 3, 3));
        List<Map<String, Object>> earlier = rows();
        job.submit(db.args("--tables", "public.kinds"));
        TestDatabase.Transaction bad = db.transaction(
                withContext(
                        "UPDATE kinds SET tags = '{}', span = 'empty', stamps = '[2020-01-01 00:00:00+00,)', amount ="
                                + " 1.50, price = -0.01, at = '2020-01-01 10:00', upto = 'infinity', blob = '\\x00',"
                                + " doc = '{\"b\": \"\\u00e9\"}', ratio = 'NaN', wait = '-1 day', atz = '-infinity',"
                                + " note = NULL WHERE id = 1",
                        "{\"request_id\": \"r-1\"}"),
                withContext("DELETE FROM kinds WHERE id = 2", "{\"request_id\": \"r-1\"}"),
                withContext("INSERT INTO kinds VALUES " + String.format(ROW, 4, 4), "{\"request_id\": \"r-1\"}"),
                withContext("UPDATE kinds SET id = 30 WHERE id = 3", "{\"request_id\": \"r-1\"}"));
        db.awaitChanges(5); // the key change is a DELETE and a CREATE
        assertThat(rows()).isNotEqualTo(earlier);

        String[] undo = db.args("undo", "--undo-transaction", Long.toString(bad.xid()));
        String printed = Auditor.run(undo);
        assertThat(printed)
                .startsWith("0 -- Reverts transaction " + bad.xid() + " of postgres: 5 changes, newest first")
                .contains("BEGIN;", "jsonb_populate_record", "/*Bemi {\"changes\": 5, \"reverts\": \"transaction")
                .doesNotContain("CONFLICTS");
        assertThat(rows()).as("printing changes nothing").isNotEqualTo(earlier);
        assertThat(Auditor.run(concat(undo, "--apply"))).startsWith("0 ").contains("-- Applied to");
        assertThat(rows()).as("every value back, row by row").isEqualTo(earlier);
        // the revert is in the trail, under the context naming what it reverted
        db.awaitChanges(10);
        assertThat(db.value("SELECT count(*) FROM changes WHERE context ->> 'reverts' = 'transaction " + bad.xid()
                        + " of postgres'"))
                .isEqualTo(5L);

        // a revert that meets a row changed again since stops, and changes nothing
        db.execute(withContext("UPDATE kinds SET note = 'second' WHERE id = 1", "{\"request_id\": \"r-2\"}"));
        db.awaitChanges(11);
        String moment = (String) db.value("SELECT to_char(committed_at AT TIME ZONE 'UTC' - interval '1 microsecond',"
                + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM changes WHERE context ->> 'request_id' = 'r-2'");
        db.execute("UPDATE kinds SET note = 'third', amount = 7 WHERE id = 1");
        db.awaitChanges(12);
        String[] second = db.args("undo", "--undo-context", "{\"request_id\": \"r-2\"}");
        assertThat(Auditor.run(second)).contains("CONFLICTS", "public.kinds key 1: UPDATE at");
        Cli.Output refused = Cli.runCapturing(concat(second, "--apply"));
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err())
                .contains("Conflict: public.kinds key 1 was changed after change", "nothing was reverted");
        assertThat(db.value("SELECT note FROM kinds WHERE id = 1")).isEqualTo("third");

        // the record back to the moment before r-2: both later updates reverted, newest first
        assertThat(Auditor.run(db.args(
                        "undo", "--undo-record", "kinds", "--undo-key", "1", "--undo-as-of", moment, "--apply")))
                .startsWith("0 -- Reverts public.kinds key 1 to ")
                .contains("2 changes");
        assertThat(rows()).isEqualTo(earlier);

        // what cannot be undone exactly is refused in one line
        db.execute("TRUNCATE kinds");
        db.awaitChanges(15);
        Cli.Output truncate = Cli.runCapturing(db.args("undo", "--undo-change", (String)
                db.value("SELECT id::text FROM changes WHERE operation = 'TRUNCATE'")));
        assertThat(truncate.exit()).isEqualTo(1);
        assertThat(truncate.err())
                .contains("Cannot revert change", "TRUNCATE of public.kinds")
                .hasLineCount(1);
    }

    /** Each row as PostgreSQL prints it: equal text, equal values. */
    private static List<Map<String, Object>> rows() {
        return db.query("SELECT id, kinds::text AS row FROM kinds ORDER BY id");
    }

    private static String[] concat(String[] args, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }
}
