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
package org.audittrail.browser.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Every query the browser runs reads changes by an index: each is recorded as it runs on 210,000 changes over 7 days
 * (the job's realistic load) and then explained; no plan may scan a partition of changes sequentially.
 */
class ChangesQueryPlanITCase {
    static TestDatabase db;
    static PGSimpleDataSource plain;
    static List<Map.Entry<String, List<Object>>> ran = new ArrayList<>();
    ChangeStore store;

    @BeforeAll
    static void load() {
        db = TestDatabase.start();
        Setup.prepareDestination(db.database());
        db.executeFixture("fixtures/realistic-changes.sql");
        db.execute("ANALYZE changes");
        plain = new PGSimpleDataSource();
        plain.setUrl("jdbc:postgresql://localhost:" + db.port() + "/postgres");
        plain.setUser("postgres");
        plain.setPassword(TestDatabase.PASSWORD);
        plain.setOptions(ChangeStore.sessionOptions(5000));
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @BeforeEach
    void recordingStore() {
        ran.clear();
        store = new ChangeStore(recording(plain));
    }

    @Test
    void searchesReadByIndex() {
        Instant now = Instant.now();
        Page first = store.search(ChangeFilter.none(), null, 50);
        store.search(ChangeFilter.none(), first.next(), 50);
        store.count(ChangeFilter.none());
        for (Map<String, List<String>> fields : List.of(
                Map.of("table", List.of("todo"), "key", List.of("321")),
                Map.of("table", List.of("public.users")),
                Map.of("operation", List.of("DELETE")),
                Map.of("context", List.of("user_id = 42")),
                Map.of("context", List.of("request_id = req-1000, user_id = 0")),
                Map.of("value", List.of("email = user7.2@example.com")),
                Map.of(
                        "from",
                        List.of(now.minus(2, ChronoUnit.DAYS).toString()),
                        "until",
                        List.of(now.minus(1, ChronoUnit.DAYS).toString())),
                Map.of(
                        "table",
                        List.of("todo"),
                        "from",
                        List.of(now.minus(1, ChronoUnit.HOURS).toString())))) {
            ChangeFilter filter = ChangeFilter.parse(fields);
            Page page = store.search(filter, null, 50);
            if (page.next() != null) {
                store.search(filter, page.next(), 50);
            }
            store.count(filter);
        }
        assertEveryQueryReadByIndex(20);
    }

    @Test
    void recordsTransactionsAndContextsReadByIndex() {
        Change some = store.search(ChangeFilter.parse(Map.of("table", List.of("todo"), "key", List.of("321"))), null, 1)
                .changes()
                .get(0);
        store.records().history(some.record());
        store.records().linkedKeys(some.record());
        store.transaction(some.record().database(), some.transactionId(), some.committedAt());
        store.change(some.id(), some.committedAt());
        store.records().recordAt(some.record(), some.committedAt());
        store.records().tableAt(some.record(), some.committedAt(), null, 50);
        store.records().tableAt(some.record(), some.committedAt(), "300", 50);
        store.since(ChangeFilter.none(), some.committedAt(), 200);
        Page page = store.context("request_id", "req-1000", null, 2);
        store.context("request_id", "req-1000", page.next(), 2);
        assertEveryQueryReadByIndex(11);
    }

    private static void assertEveryQueryReadByIndex(int expectedQueries) {
        assertThat(ran).hasSizeGreaterThanOrEqualTo(expectedQueries);
        for (Map.Entry<String, List<Object>> query : ran) {
            List<JsonNode> plans = new ArrayList<>(List.of(explain(query.getKey(), query.getValue())));
            if (query.getKey().contains("changes_record_history")) {
                // ChangeStore.runPlannedOnce runs these through a generic plan: that one must read by index too
                plans.add(explainGeneric(query.getKey(), query.getValue()));
            }
            for (JsonNode plan : plans) {
                List<String> scans = new ArrayList<>();
                collectSeqScans(plan, scans);
                assertThat(scans)
                        .as("sequential scans of %s in the plan of %s", scans, query.getKey())
                        .isEmpty();
            }
        }
    }

    /** The plan a statement gets when planned once for any parameters, as a prepared statement's generic plan. */
    private static JsonNode explainGeneric(String sql, List<Object> params) {
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            numbered.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
        }
        List<String> literals = new ArrayList<>();
        for (Object param : params) {
            literals.add("'" + String.valueOf(param).replace("'", "''") + "'");
        }
        try (Connection c = plain.getConnection();
                java.sql.Statement s = c.createStatement()) {
            s.execute("PREPARE generic_plan AS " + numbered);
            s.execute("SET plan_cache_mode = force_generic_plan");
            try (ResultSet rs =
                    s.executeQuery("EXPLAIN (FORMAT JSON) EXECUTE generic_plan(" + String.join(", ", literals) + ")")) {
                rs.next();
                JsonNode plan = new ObjectMapper().readTree(rs.getString(1));
                // a custom plan would say nothing about the generic one
                assertThat(plan.toString())
                        .as("a generic plan: parameters stay parameters")
                        .containsPattern("= \\$\\d");
                return plan;
            }
        } catch (Exception e) {
            throw new AssertionError("cannot explain the generic plan of " + sql, e);
        }
    }

    private static JsonNode explain(String sql, List<Object> params) {
        try (Connection c = plain.getConnection();
                PreparedStatement s = c.prepareStatement("EXPLAIN (FORMAT JSON) " + sql)) {
            for (int i = 0; i < params.size(); i++) {
                s.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new ObjectMapper().readTree(rs.getString(1));
            }
        } catch (Exception e) {
            throw new AssertionError("cannot explain " + sql, e);
        }
    }

    private static void collectSeqScans(JsonNode node, List<String> scans) {
        if (node.isObject()) {
            // the planner reads an empty partition (a day ahead, the default one) sequentially: nothing to read
            if ("Seq Scan".equals(node.path("Node Type").asText())
                    && node.path("Relation Name").asText().startsWith("changes")
                    && !db.value("SELECT count(*) FROM "
                                    + node.path("Relation Name").asText())
                            .equals(0L)) {
                scans.add(node.path("Relation Name").asText());
            }
            node.elements().forEachRemaining(child -> collectSeqScans(child, scans));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> collectSeqScans(child, scans));
        }
    }

    /** A data source whose prepared statements note their SQL and parameters before they run. */
    static DataSource recording(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, args) -> {
                    Object result = call(target, m, args);
                    return m.getName().equals("getConnection") ? connection((Connection) result) : result;
                });
    }

    private static Connection connection(Connection target) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, args) -> {
                    Object result = call(target, m, args);
                    if (m.getName().equals("prepareStatement")) {
                        return statement((PreparedStatement) result, (String) args[0]);
                    }
                    return result;
                });
    }

    private static PreparedStatement statement(PreparedStatement target, String sql) {
        Map<Integer, Object> params = new TreeMap<>();
        InvocationHandler handler = (p, m, args) -> {
            if (m.getName().equals("setObject")) {
                params.put((Integer) args[0], args[1]);
            }
            if (m.getName().equals("executeQuery")) {
                ran.add(Map.entry(sql, new ArrayList<>(params.values())));
            }
            return call(target, m, args);
        };
        return (PreparedStatement) Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, handler);
    }

    private static Object call(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
