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
import org.audittrail.job.setup.Replication;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.udf.selection.TableSelection;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Names holding dots, commas, quotes, blanks, backslashes, {@code *}, {@code $} and non-ASCII letters, as schema,
 * table, column and key: selected by quoted patterns, captured, stored as PostgreSQL holds them.
 */
class OddNamesITCase extends JobTestBase {

    static final String SCHEMA = "we.ird, $*\\ö";
    static final String TABLE = "t.a, b\"*$\\é";
    static final String KEY = "k.e, y\"\\";
    static final String COLUMN = "c.o, l\"*$\\ü";
    static final String RELATION = ident(SCHEMA) + "." + ident(TABLE);

    @BeforeAll
    static void createSchema() {
        db.execute(
                "CREATE SCHEMA " + ident(SCHEMA),
                "CREATE TABLE " + RELATION + " (" + ident(KEY) + " int PRIMARY KEY, " + ident(COLUMN)
                        + " text, other text)",
                "CREATE TABLE todo (id serial PRIMARY KEY)");
    }

    @Test
    void quotedPatternsSelectTheTableAndEveryChangeIsStoredAsPostgresHoldsIt() throws Exception {
        String exact = pattern(SCHEMA) + "." + pattern(TABLE);
        // an exact name must exist: the quoted one does
        Cli.Result setup = Cli.run(db.args("setup", "--tables", exact + ",public.todo"));
        assertThat(setup.exit()).as(setup.err()).isZero();
        job.submit(db.args(
                "--tables", pattern(SCHEMA) + ".*,public.todo",
                "--ignore-columns", exact + "." + pattern("other")));
        db.execute("INSERT INTO " + RELATION + " VALUES (1, 'first', 'x')");
        String inserted = rowJson();
        db.execute(JobTestBase.withContext(
                "UPDATE " + RELATION + " SET " + ident(COLUMN) + " = 'second'", "{\"by\": \"ö\"}"));
        String updated = rowJson();
        db.execute("UPDATE " + RELATION + " SET other = 'ignored'"); // only an ignore-change column
        db.execute("DELETE FROM " + RELATION);
        db.execute("INSERT INTO todo DEFAULT VALUES");

        List<Map<String, Object>> rows = settledChanges(4);
        assertThat(rows).extracting(r -> r.get("operation")).containsExactly("CREATE", "UPDATE", "DELETE", "CREATE");
        for (Map<String, Object> row : rows.subList(0, 3)) {
            assertThat(row.get("schema")).isEqualTo(SCHEMA);
            assertThat(row.get("table")).isEqualTo(TABLE);
        }
        assertThat(Json.parse(rows.get(0).get("after").toString())).isEqualTo(Json.parse(inserted));
        assertThat(Json.parse(rows.get(1).get("before").toString())).isEqualTo(Json.parse(inserted));
        assertThat(Json.parse(rows.get(1).get("after").toString())).isEqualTo(Json.parse(updated));
        assertThat(rows.get(1).get("context").toString()).contains("\"by\": \"ö\"");
        assertThat(rows.get(1).get("primary_key")).isEqualTo("1");
        assertThat(Json.parse(rows.get(2).get("before").toString()).get(KEY).asInt())
                .isEqualTo(1);
        assertThat(db.value("SELECT count(*) FROM pg_publication_tables WHERE schemaname = '"
                        + SCHEMA.replace("'", "''") + "' AND tablename = '" + TABLE.replace("'", "''") + "'"))
                .isEqualTo(1L);
    }

    @Test
    void anExcludedQuotedNameIsNotTrackedAndAMalformedPatternIsRefusedInOneLine() {
        String other = "o,t\"her.*";
        db.execute("CREATE TABLE " + ident(SCHEMA) + "." + ident(other) + " (id int PRIMARY KEY)");
        Cli.Result excluded = Cli.run(db.args(
                "setup",
                "--tables",
                pattern(SCHEMA) + ".*,public.*",
                "--exclude-tables",
                pattern(SCHEMA) + "." + pattern(other)));
        assertThat(excluded.exit()).as(excluded.err()).isZero();
        assertThat(published(other)).isEqualTo(0L);
        assertThat(published(TABLE)).isEqualTo(1L);
        // a pattern that selects nothing still starts, with a warning naming it
        assertThat(Setup.run(
                        db.database(),
                        db.database(),
                        TableSelection.of(List.of("nothing.*", "public.*"), List.of()),
                        Replication.BEMI))
                .anySatisfy(notice -> assertThat(notice)
                        .startsWith("WARNING: --tables pattern nothing.* matches no table of postgres@"))
                .noneSatisfy(notice -> assertThat(notice).contains("pattern public.*"));
        Cli.Result unclosed = Cli.run(db.args("setup", "--tables", "\"we.ird.*"));
        assertThat(unclosed.exit()).isEqualTo(1);
        assertThat(unclosed.err()).contains("--tables: '\"we.ird.*' is not schema.table");
    }

    private static Object published(String table) {
        return db.value("SELECT count(*) FROM pg_publication_tables WHERE schemaname = '" + SCHEMA.replace("'", "''")
                + "' AND tablename = '" + table.replace("'", "''") + "'");
    }

    private String rowJson() {
        return db.value("SELECT to_jsonb(t)::text FROM " + RELATION + " t").toString();
    }

    /** A name as SQL quotes it. */
    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A name as a --tables pattern quotes it: the same as SQL. */
    static String pattern(String name) {
        return ident(name);
    }
}
