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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.audittrail.job.sink.StoredChanges;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tables whose replica identity the application set back from FULL: what the WAL does not carry is left out of the
 * images, never stored as null, and the change marked partial; a FULL table is the control.
 */
class PartialImagesITCase extends JobTestBase {

    /** Over 2 kB of text that does not compress, stored out of line: TOASTed. */
    static final String LARGE = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 200))";

    @BeforeAll
    static void createSchema() {
        for (String table : List.of("p_full", "p_default", "p_index", "p_nothing")) {
            db.execute(
                    "CREATE TABLE " + table
                            + " (id int PRIMARY KEY, code text NOT NULL, note text, large text, CONSTRAINT " + table
                            + "_code UNIQUE (code))",
                    "ALTER TABLE " + table + " ALTER COLUMN large SET STORAGE EXTERNAL");
        }
    }

    @Test
    void whatTheWalDoesNotCarryIsLeftOutAndTheChangeMarkedPartial() throws Exception {
        Path log = Path.of("target", "test.log");
        long logStart = Files.size(log);
        job.submit(db.args());
        // setup made every tracked table FULL; the application sets three back once the job runs
        db.execute("INSERT INTO p_full VALUES (0, 'started', null, null)");
        db.awaitChanges(1);
        db.execute(
                "ALTER TABLE p_default REPLICA IDENTITY DEFAULT",
                "ALTER TABLE p_index REPLICA IDENTITY USING INDEX p_index_code",
                "ALTER TABLE p_nothing REPLICA IDENTITY NOTHING");
        assertThat(db.value(
                        "SELECT string_agg(relname || '=' || relreplident::text, ',' ORDER BY relname) FROM pg_class"
                                + " WHERE relname LIKE 'p\\_%' AND relkind = 'r'"))
                .isEqualTo("p_default=d,p_full=f,p_index=i,p_nothing=n");

        List<Expected> expected = new ArrayList<>();
        expected.add(new Expected("p_full", "CREATE", "{}", row("p_full", 0, null), false));
        for (String table : List.of("p_full", "p_default", "p_index", "p_nothing")) {
            db.execute("INSERT INTO " + table + " VALUES (1, 'a', 'n1', " + LARGE + "), (2, 'b', 'n2', " + LARGE + ")");
            expected.add(new Expected(table, "CREATE", "{}", row(table, 1, null), false));
            expected.add(new Expected(table, "CREATE", "{}", row(table, 2, null), false));
        }
        for (String table : List.of("p_full", "p_default", "p_index")) {
            boolean full = table.equals("p_full");
            // neither key changed: no old row unless FULL; large unchanged, TOASTed: sent only in a FULL old row
            JsonNode old1 = row(table, 1, null);
            db.execute("UPDATE " + table + " SET note = 'n1 changed' WHERE id = 1");
            expected.add(new Expected(
                    table, "UPDATE", full ? old1.toString() : "{}", row(table, 1, full ? null : "large"), !full));

            JsonNode old2 = row(table, 2, null);
            if (table.equals("p_index")) {
                // the identity (code) changed: its old row has code only; the primary key is unknown, not changed
                db.execute("UPDATE p_index SET code = 'b changed' WHERE id = 2");
                expected.add(
                        new Expected(table, "UPDATE", only(old2, "code").toString(), row(table, 2, "large"), true));
            } else {
                // the primary key (the identity) changed: a DELETE of the old key and a CREATE of the new one
                db.execute("UPDATE " + table + " SET id = 20 WHERE id = 2");
                // (at one position, stored in that order by operation)
                expected.add(new Expected(table, "CREATE", "{}", row(table, 20, full ? null : "large"), !full));
                expected.add(new Expected(table, "DELETE", (full ? old2 : only(old2, "id")).toString(), "{}", !full));
            }

            old1 = row(table, 1, null);
            db.execute("DELETE FROM " + table + " WHERE id = 1");
            String deleted = full
                    ? old1.toString()
                    : only(old1, table.equals("p_index") ? "code" : "id").toString();
            expected.add(new Expected(table, "DELETE", deleted, "{}", !full));
        }
        // without a replica identity PostgreSQL refuses updates and deletes of a published table
        assertThatThrownBy(() -> db.execute("UPDATE p_nothing SET note = 'x' WHERE id = 1"))
                .hasMessageContaining("does not have a replica identity");
        assertThatThrownBy(() -> db.execute("DELETE FROM p_nothing WHERE id = 1"))
                .hasMessageContaining("does not have a replica identity");

        List<Map<String, Object>> rows = settledChanges(expected.size());
        assertThat(rows).hasSize(expected.size());
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> row = rows.get(i);
            Expected e = expected.get(i);
            String what = i + ": " + e.table() + " " + e.operation();
            assertThat(row.get("table") + " " + row.get("operation"))
                    .as(what)
                    .isEqualTo(e.table() + " " + e.operation());
            assertThat(json(row, "before")).as(what + " before").isEqualTo(Json.parse(e.before()));
            assertThat(json(row, "after")).as(what + " after").isEqualTo(Json.parse(e.after()));
            assertThat(row.get("partial")).as(what + " partial").isEqualTo(e.partial());
        }
        // a USING INDEX table's DELETE: the old row has no primary key, so none is stored rather than a wrong one
        assertThat(db.value("SELECT count(*) FROM changes WHERE \"table\" = 'p_index' AND operation = 'DELETE'"
                        + " AND primary_key IS NULL"))
                .isEqualTo(1L);
        long partial = expected.stream().filter(Expected::partial).count();
        assertThat(partial).isEqualTo(7);
        TestDatabase.poll(
                () -> metric() == partial,
                Duration.ofSeconds(30),
                StoredChanges.WITH_PARTIAL_IMAGE + " = " + partial + ", is " + metric());

        // named once per table, with the fix, never with a value
        String logged = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).substring((int) logStart);
        assertThat(lines(logged, "WARN", "ALTER TABLE public.p_default REPLICA IDENTITY FULL"))
                .hasSize(1);
        assertThat(lines(logged, "WARN", "ALTER TABLE public.p_index REPLICA IDENTITY FULL"))
                .hasSize(1);
        assertThat(lines(logged, "REPLICA IDENTITY FULL", "p_full")).isEmpty();
        assertThat(lines(logged, "REPLICA IDENTITY FULL", "p_nothing")).isEmpty();
        assertThat(logged).doesNotContain("n1 changed").doesNotContain("b changed");
    }

    record Expected(String table, String operation, String before, String after, boolean partial) {
        Expected(String table, String operation, String before, JsonNode after, boolean partial) {
            this(table, operation, before, after.toString(), partial);
        }
    }

    /** The row as PostgreSQL holds it now, as to_jsonb writes it, without column {@code without} (if not null). */
    private static JsonNode row(String table, int id, String without) {
        String text = (String) db.value("SELECT to_jsonb(t)::text FROM " + table + " t WHERE id = " + id);
        try {
            ObjectNode row = (ObjectNode) Json.parse(text);
            if (without != null) {
                assertThat(row.get(without).textValue()).hasSizeGreaterThan(2048);
                row.remove(without);
            }
            return row;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode only(JsonNode row, String column) {
        ObjectNode one = Json.MAPPER.createObjectNode();
        one.set(column, row.get(column));
        return one;
    }

    private long metric() {
        try {
            return job.metric(StoredChanges.WITH_PARTIAL_IMAGE);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> lines(String log, String... parts) {
        return log.lines()
                .filter(line -> List.of(parts).stream().allMatch(line::contains))
                .toList();
    }
}
