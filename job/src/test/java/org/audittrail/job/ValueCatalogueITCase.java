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
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every built-in type of PostgreSQL 15 (and hstore, citext, ltree) with its edge values, through the job: each stored
 * before and after equals, value by value, what {@code to_jsonb(row)} gives for the row in the source (session TimeZone
 * UTC); the exceptions docs/values.md documents: a cast to json the job cannot run, stored in fallback form and named in
 * {@code fallback_columns}, and money, stored as the plain decimal {@code money::numeric::text} prints.
 */
class ValueCatalogueITCase extends JobTestBase {

    /** The walsender writes timestamptz in the JVM's zone; one with odd and historic offsets (+05:45, LMT +05:41:16). */
    private static final String JVM_ZONE = "Asia/Kathmandu";

    /** The values docs/values.md says are stored in fallback form, by table: a cast to json the job cannot run. */
    private static final Map<String, Set<String>> FALLBACK = Map.of("cat_enum", Set.of("cm"));

    /** The money exception of docs/values.md, by table: the row to_jsonb is taken of, its money as money::numeric::text prints. */
    private static final Map<String, String> MONEY =
            Map.of("cat_money", "(SELECT id, m::numeric::text AS m, ma::numeric[]::text[] AS ma FROM cat_money)");

    private static TimeZone zone;

    @BeforeAll
    static void createSchema() {
        zone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone(JVM_ZONE));
        db.executeFixture("fixtures/value-catalogue-schema.sql");
    }

    @AfterAll
    static void restoreZone() {
        TimeZone.setDefault(zone);
    }

    /** One row's image as to_jsonb gives it, and each column's text (for the values stored in fallback form). */
    private record Image(JsonNode json, JsonNode texts) {}

    @Test
    void everyStoredImageEqualsToJsonbOfTheSourceRow() throws Exception {
        job.submit(db.args());
        db.executeFixture("fixtures/value-catalogue-rows.sql");
        Map<String, String> keys = primaryKeys();
        Map<String, Map<String, Image>> inserted = images(keys);

        // every row takes the values of the next row of its table: every column changes (where the rows differ)
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            for (Map.Entry<String, String> table : keys.entrySet()) {
                List<String> columns = columns(s, table.getKey(), table.getValue());
                String list = columns.stream().map(ValueCatalogueITCase::quote).collect(Collectors.joining(", "));
                String t = quote(table.getKey());
                String k = quote(table.getValue());
                s.execute("WITH r AS (SELECT " + k + " AS k, row_number() OVER (ORDER BY " + k
                        + ") AS n, count(*) OVER () AS total FROM " + t + ")"
                        + " UPDATE " + t + " SET (" + list + ") = (SELECT "
                        + columns.stream().map(col -> "o." + quote(col)).collect(Collectors.joining(", "))
                        + " FROM " + t + " o JOIN r ro ON ro.k = o." + k + " JOIN r me ON me.k = " + t + "." + k
                        + " WHERE ro.n = me.n % me.total + 1)");
            }
        }
        Map<String, Map<String, Image>> updated = images(keys);
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            for (String table : keys.keySet()) {
                s.execute("DELETE FROM " + quote(table));
            }
        }
        int rows = inserted.values().stream().mapToInt(Map::size).sum();
        assertThat(rows).isGreaterThan(80);
        List<Map<String, Object>> changes = settledChanges(3 * rows);
        assertThat(changes).hasSize(3 * rows);

        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (Map<String, Object> change : changes) {
            String table = (String) change.get("table");
            String key = (String) change.get("primary_key");
            String operation = (String) change.get("operation");
            Set<String> fallback = fallbackColumns(change.get("fallback_columns"));
            Set<String> expectedFallback = new java.util.TreeSet<>();
            if (!inserted.containsKey(table) || !inserted.get(table).containsKey(key)) {
                mismatches.add(table + " " + operation + ": no source row with primary key " + key);
                continue;
            }
            Map<String, Image> first = inserted.get(table);
            Map<String, Image> second = updated.get(table);
            switch (operation) {
                case "CREATE" -> compared += compare(
                        mismatches, table, key, "after", first.get(key), jsonValue(change, "after"), expectedFallback);
                case "UPDATE" -> {
                    compared += compare(
                            mismatches,
                            table,
                            key,
                            "before",
                            first.get(key),
                            jsonValue(change, "before"),
                            expectedFallback);
                    compared += compare(
                            mismatches,
                            table,
                            key,
                            "after",
                            second.get(key),
                            jsonValue(change, "after"),
                            expectedFallback);
                }
                case "DELETE" -> compared += compare(
                        mismatches,
                        table,
                        key,
                        "before",
                        second.get(key),
                        jsonValue(change, "before"),
                        expectedFallback);
                default -> mismatches.add(table + " " + key + ": unexpected operation " + operation);
            }
            if (!fallback.equals(expectedFallback)) {
                mismatches.add(table + " " + key + " " + operation + ": fallback_columns " + fallback + ", expected "
                        + expectedFallback);
            }
        }
        assertThat(compared).as("values compared").isGreaterThan(1000);
        assertThat(mismatches)
                .as("stored values that differ from to_jsonb (table key image.column: expected, stored)")
                .isEmpty();
    }

    @Test
    void everyBuiltInTypeThatTakesInputHasAColumnInTheCatalogue() {
        // only the internal types that refuse any input are missing; arrays take their element's form, checked on many
        List<Map<String, Object>> missing = db.query("SELECT t.typname FROM pg_type t"
                + " WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.typtype IN ('b', 'r', 'm') AND t.typname NOT LIKE '\\_%'"
                + " AND t.oid NOT IN (SELECT a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                + "   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0) ORDER BY 1");
        assertThat(missing)
                .extracting(row -> row.get("typname"))
                .containsExactly(
                        "gtsvector",
                        "pg_brin_bloom_summary",
                        "pg_brin_minmax_multi_summary",
                        "pg_dependencies",
                        "pg_mcv_list",
                        "pg_ndistinct",
                        "pg_node_tree");
    }

    /** Compares one image value by value; counts the values compared, notes the columns expected in fallback form. */
    private static int compare(
            List<String> mismatches,
            String table,
            String key,
            String side,
            Image expected,
            JsonNode stored,
            Set<String> expectedFallback) {
        int count = 0;
        Set<String> names = new java.util.TreeSet<>();
        expected.json().fieldNames().forEachRemaining(names::add);
        stored.fieldNames().forEachRemaining(names::add);
        for (String column : names) {
            JsonNode want = expected.json().get(column);
            JsonNode got = stored.get(column);
            boolean inFallback =
                    FALLBACK.getOrDefault(table, Set.of()).contains(column) && want != null && !want.isNull();
            if (inFallback) {
                // docs/values.md's exception: the value's text, as a JSON string, with the column named
                want = expected.texts().get(column);
                expectedFallback.add(column);
            }
            count++;
            if (want == null || !want.equals(got)) {
                mismatches.add(
                        table + " " + key + " " + side + "." + column + ": expected " + want + ", stored " + got);
            }
        }
        return count;
    }

    /** Each table's primary key column, for the tables of the catalogue. */
    private static Map<String, String> primaryKeys() {
        Map<String, String> keys = new TreeMap<>();
        for (Map<String, Object> row : db.query(
                "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
                        + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                        + " WHERE i.indisprimary AND c.relnamespace = 'public'::regnamespace AND (c.relname LIKE 'cat\\_%' OR c.relname = 'café_ünï')")) {
            keys.put((String) row.get("relname"), (String) row.get("attname"));
        }
        assertThat(keys).hasSize(26);
        return keys;
    }

    /** The columns of {@code table} but its key {@code key}, in their order. */
    static List<String> columns(Statement s, String table, String key) throws Exception {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT attname FROM pg_attribute WHERE attrelid = '"
                + quote(table).replace("'", "''")
                + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            while (rs.next()) {
                if (!rs.getString(1).equals(key)) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    /**
     * to_jsonb of every row of the catalogue as the source holds it now, with TimeZone UTC (money as {@link #MONEY}
     * says), by table and key text.
     */
    private static Map<String, Map<String, Image>> images(Map<String, String> keys) throws Exception {
        Map<String, Map<String, Image>> images = new HashMap<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            for (Map.Entry<String, String> table : keys.entrySet()) {
                Map<String, Image> rows = new LinkedHashMap<>();
                String t = quote(table.getKey());
                try (ResultSet rs = s.executeQuery("SELECT " + t + "." + quote(table.getValue()) + "::text, to_jsonb("
                        + t + ")::text," + " to_jsonb(hstore(" + t + "))::text FROM "
                        + MONEY.getOrDefault(table.getKey(), t) + " " + t)) {
                    while (rs.next()) {
                        rows.put(
                                rs.getString(1),
                                new Image(Json.parseValue(rs.getString(2)), Json.parseValue(rs.getString(3))));
                    }
                }
                images.put(table.getKey(), rows);
            }
        }
        return images;
    }

    /** The names of a text[] as PostgreSQL writes it ({a,b}); the catalogue's column names need no quoting. */
    private static Set<String> fallbackColumns(Object array) {
        if (array == null) {
            return Set.of();
        }
        String text = array.toString();
        return new java.util.TreeSet<>(
                List.of(text.substring(1, text.length() - 1).split(",")));
    }

    private static JsonNode jsonValue(Map<String, Object> change, String column) {
        try {
            return Json.parseValue(change.get(column).toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
