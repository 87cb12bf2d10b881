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
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * money is stored as a plain decimal string, each value exactly what {@code m::numeric::text} prints for the same row
 * in the source, over money's whole range, in columns, domains, arrays and composites, for INSERT, UPDATE and DELETE;
 * also when the database's lc_monetary is not C, which the walsender would otherwise follow.
 *
 * <p>The second test needs an lc_monetary of two fraction digits whose text differs from C's: the build generates
 * de_DE.UTF-8 into target/locales with localedef, and surefire's LOCPATH points the embedded servers at it.
 */
class MoneyITCase extends JobTestBase {

    private static final String MIN = "-92233720368547758.08";
    private static final String MAX = "92233720368547758.07";
    /** More cents than a double holds exactly (2^53 + 1 cents and more): a double would round them. */
    private static final String BEYOND_DOUBLE = "90071992547409.93";

    private static final String BEYOND_DOUBLE_TOO = "12345678901234567.89";

    /** Column lists of the table, in order, the key first. */
    private static final String COLUMNS = "id, m, owed, ms, owed_list, p";

    /** Each row as the source prints it: money columns by money::numeric::text, inside arrays and composites too. */
    private static final String EXPECTED = "SELECT id::text, jsonb_build_object('id', id,"
            + " 'm', m::numeric::text, 'owed', owed::numeric::text,"
            + " 'ms', ms::numeric[]::text[], 'owed_list', owed_list::numeric[]::text[],"
            + " 'p', to_jsonb(p) - 'amount' || jsonb_build_object('amount', (p).amount::numeric::text))::text"
            + " FROM money_values";

    @BeforeAll
    static void createSchema() {
        db.execute(
                "CREATE DOMAIN money_owed AS money CHECK (VALUE::numeric >= 0)",
                "CREATE TYPE priced AS (label text, amount money)",
                "CREATE TABLE money_values (id int PRIMARY KEY, m money, owed money_owed, ms money[],"
                        + " owed_list money_owed[], p priced)");
    }

    @Test
    void moneyIsStoredAsThePlainDecimalPostgresqlPrintsForIt() throws Exception {
        captureAndCompare();
    }

    @Test
    void moneyIsStoredTheSameWhenTheDatabasesLcMonetaryIsAnother() throws Exception {
        String locale = foreignMonetaryLocale();
        assertThat(locale)
                .as(
                        "an lc_monetary other than C's: the build generates de_DE.UTF-8 into target/locales (Debian's locales"
                                + " package), which LOCPATH points the servers at")
                .isNotNull();
        db.execute("ALTER DATABASE postgres SET lc_monetary = '" + locale + "'");
        try {
            // a new session of the database, as the job's walsender is, prints money in that locale
            assertThat(db.value("SELECT current_setting('lc_monetary')")).isEqualTo(locale);
            assertThat(db.value("SELECT (-1234.56)::numeric::money::text")).isNotEqualTo("-$1,234.56");
            captureAndCompare();
        } finally {
            db.execute("ALTER DATABASE postgres RESET lc_monetary");
        }
    }

    /** Inserts, updates and deletes the rows with the job running; compares every stored image with the source's. */
    private void captureAndCompare() throws Exception {
        db.execute("TRUNCATE money_values");
        job.submit(db.args());
        db.execute("INSERT INTO money_values (" + COLUMNS + ") VALUES"
                + " (1, " + money(MIN) + ", " + owed(MAX) + ", " + moneys(MIN, MAX, null) + ", " + owedList("0", MAX)
                + ", ROW('edges', " + money(MIN) + ")),"
                + " (2, " + money(MAX) + ", " + owed("0") + ", '{}', '{}', ROW('no amount', NULL)),"
                + " (3, " + money("0") + ", NULL, " + moneys(null, "-0.01", "0") + ", NULL, NULL),"
                + " (4, " + money("-0.01") + ", " + owed("0.01") + ", " + moneys("-0.01") + ", "
                + owedList((String) null)
                + ", ROW(NULL, " + money("-0.01") + ")),"
                + " (5, NULL, NULL, NULL, NULL, NULL),"
                + " (6, " + money(BEYOND_DOUBLE) + ", " + owed(BEYOND_DOUBLE_TOO) + ", "
                + moneys(BEYOND_DOUBLE_TOO, "-" + BEYOND_DOUBLE, "1234.56", "-1234567.89", "0.10")
                + ", " + owedList(BEYOND_DOUBLE) + ", ROW('a \"quoted\", label', " + money(BEYOND_DOUBLE_TOO) + ")),"
                + " (7, " + money("1234.56") + ", " + owed("0.10") + ", " + moneys("1000", "-1000") + ", "
                + owedList("1234567.89", null) + ", ROW('', " + money("-1234567.89") + "))");
        Map<String, JsonNode> inserted = images();
        // every row takes the values of the next: each value is stored in before and after
        db.execute("WITH r AS (SELECT id AS k, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total"
                + " FROM money_values)"
                + " UPDATE money_values SET (m, owed, ms, owed_list, p) = (SELECT o.m, o.owed, o.ms, o.owed_list, o.p"
                + " FROM money_values o JOIN r ro ON ro.k = o.id JOIN r me ON me.k = money_values.id"
                + " WHERE ro.n = me.n % me.total + 1)");
        Map<String, JsonNode> updated = images();
        db.execute("DELETE FROM money_values");

        // the rows hold what this test is about, as PostgreSQL prints it
        assertThat(inserted).hasSize(7);
        assertThat(inserted.get("1").get("m").textValue()).isEqualTo(MIN);
        assertThat(inserted.get("2").get("m").textValue()).isEqualTo(MAX);
        assertThat(inserted.get("6").get("m").textValue()).isEqualTo(BEYOND_DOUBLE);
        for (String beyond : List.of(BEYOND_DOUBLE, BEYOND_DOUBLE_TOO)) {
            assertThat(new BigDecimal(Double.toString(Double.parseDouble(beyond))))
                    .as("a double rounds " + beyond)
                    .isNotEqualByComparingTo(new BigDecimal(beyond));
        }

        List<Map<String, Object>> changes = settledChanges(3 * inserted.size());
        assertThat(changes).hasSize(3 * inserted.size());
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (Map<String, Object> change : changes) {
            String key = (String) change.get("primary_key");
            String operation = (String) change.get("operation");
            assertThat(change.get("fallback_columns"))
                    .as(operation + " " + key + ": no value in fallback form")
                    .isNull();
            switch (operation) {
                case "CREATE" -> compared +=
                        compare(mismatches, key + " after", inserted.get(key), json(change, "after"));
                case "UPDATE" -> {
                    compared += compare(mismatches, key + " before", inserted.get(key), json(change, "before"));
                    compared += compare(mismatches, key + " after", updated.get(key), json(change, "after"));
                }
                case "DELETE" -> compared +=
                        compare(mismatches, key + " before", updated.get(key), json(change, "before"));
                default -> mismatches.add(key + ": unexpected operation " + operation);
            }
        }
        assertThat(compared).as("values compared").isEqualTo(4 * inserted.size() * 6);
        assertThat(mismatches)
                .as("stored values that differ from money::numeric::text (key image.column: expected, stored)")
                .isEmpty();
        // in the destination's jsonb too: a string of every digit, not a number
        assertThat(db.value("SELECT count(*) FROM changes WHERE operation = 'CREATE'"
                        + " AND jsonb_typeof(after->'m') = 'string' AND after->>'m' IN ('" + MIN + "', '" + MAX + "', '"
                        + BEYOND_DOUBLE + "')"))
                .isEqualTo(3L);
    }

    /** Compares a stored image with the expected one, value by value; returns how many values it compared. */
    private static int compare(List<String> mismatches, String where, JsonNode expected, JsonNode stored) {
        if (expected == null) {
            mismatches.add(where + ": no source row with this key");
            return 0;
        }
        Set<String> names = new LinkedHashSet<>();
        expected.fieldNames().forEachRemaining(names::add);
        stored.fieldNames().forEachRemaining(names::add);
        for (String column : names) {
            JsonNode want = expected.get(column);
            JsonNode got = stored.get(column);
            if (want == null || !want.equals(got)) {
                mismatches.add(where + "." + column + ": expected " + want + ", stored " + got);
            }
        }
        return names.size();
    }

    /** Every row of money_values as {@link #EXPECTED} gives it now, by its key's text. */
    private static Map<String, JsonNode> images() throws Exception {
        Map<String, JsonNode> images = new TreeMap<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(EXPECTED)) {
            while (rs.next()) {
                images.put(rs.getString(1), Json.parseValue(rs.getString(2)));
            }
        }
        return images;
    }

    /**
     * An lc_monetary the server accepts, with two fraction digits (so money means what it does in C), that prints
     * money otherwise than C does; null where there is none.
     */
    private static String foreignMonetaryLocale() throws SQLException {
        Set<String> candidates = new LinkedHashSet<>();
        for (Map<String, Object> row : db.query("SELECT collname FROM pg_collation WHERE collprovider = 'c'"
                + " AND collname NOT IN ('C', 'POSIX', 'ucs_basic') AND collname NOT ILIKE 'C.%' ORDER BY 1")) {
            candidates.add((String) row.get("collname"));
        }
        candidates.addAll(List.of("de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8"));
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            for (String locale : candidates) {
                try {
                    s.execute("SET lc_monetary = '" + locale.replace("'", "''") + "'");
                } catch (SQLException e) {
                    continue; // not a locale of this machine
                }
                try (ResultSet rs = s.executeQuery("SELECT scale(0::money::numeric) = 2"
                        + " AND (-1234.56)::numeric::money::text <> '-$1,234.56'")) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return locale;
                    }
                }
            }
        }
        return null;
    }

    /** A money literal whatever the session's lc_monetary: a numeric, cast. */
    private static String money(String amount) {
        return amount == null ? "NULL" : "(" + amount + ")::numeric::money";
    }

    private static String owed(String amount) {
        return "(" + amount + ")::numeric::money_owed";
    }

    private static String moneys(String... amounts) {
        return "ARRAY[" + numerics(amounts) + "]::numeric[]::money[]";
    }

    private static String owedList(String... amounts) {
        return "ARRAY[" + numerics(amounts) + "]::numeric[]::money_owed[]";
    }

    private static String numerics(String... amounts) {
        List<String> out = new ArrayList<>();
        for (String amount : amounts) {
            out.add(amount == null ? "NULL" : "(" + amount + ")::numeric");
        }
        return String.join(", ", out);
    }
}
