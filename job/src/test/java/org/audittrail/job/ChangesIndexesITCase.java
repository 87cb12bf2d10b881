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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.audittrail.job.chain.ChainVerifier;
import org.audittrail.job.chain.StoredChain;
import org.audittrail.job.db.Database;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The destination's indexes on 210,000 changes over 7 days: seed 002's query, context and jsonpath queries, a
 * record's history and the time-travel functions read by index, only from the partitions of their time range.
 */
class ChangesIndexesITCase {

    static TestDatabase db;
    static LocalDate today;
    /** Each partition's index by the name of the index of changes it belongs to. */
    static final Map<String, String> PARENT_INDEX = new HashMap<>();

    @BeforeAll
    static void load() {
        db = TestDatabase.start();
        Setup.prepareDestination(db.database());
        db.executeFixture("fixtures/realistic-changes.sql");
        // a schema history: each tracked table's columns when it began, among 2,000 tables (time travel reads it)
        db.execute(
                "INSERT INTO schema_changes (id, database, schema, \"table\", relation, command, columns, committed_at,"
                        + " transaction_id, position) SELECT gen_random_uuid(), 'postgres', 'public', coalesce(t, 'other_' || i),"
                        + " i, 'BASELINE', '[]', now() - interval '8 days', 0, i FROM generate_series(1, 2000) i"
                        + " LEFT JOIN (SELECT \"table\", row_number() OVER (ORDER BY \"table\") FROM"
                        + " (SELECT DISTINCT \"table\" FROM changes) d) n(t, k) ON n.k = i",
                "ANALYZE schema_changes");
        today = LocalDate.now(ZoneOffset.UTC);
        // a day may have turned between the load and now: the test then asks of the load's days
        today = LocalDate.parse(
                (String) db.value("SELECT max(committed_at AT TIME ZONE 'UTC')::date::text FROM changes"));
        for (Map<String, Object> row : db.query(
                "SELECT c.relname AS partition_index, p.relname AS parent_index FROM pg_inherits i"
                        + " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relkind = 'I'")) {
            PARENT_INDEX.put((String) row.get("partition_index"), (String) row.get("parent_index"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @Test
    void theLoadIsSpreadOverSevenDailyPartitions() {
        assertThat(db.value("SELECT count(*) FROM changes")).isEqualTo(210_000L);
        assertThat(db.value("SELECT count(DISTINCT tableoid) FROM changes")).isEqualTo(7L);
        assertThat(db.value("SELECT count(*) FROM changes_default")).isEqualTo(0L);
    }

    @Test
    void seed002sQueryReadsTheRecordsIndexInThePartitionsOfTheLastThreeMonths() {
        String sql =
                "SELECT * FROM \"changes\" WHERE \"database\" = 'postgres' AND \"schema\" = 'public' AND \"table\" = 'users'"
                        + " AND \"primary_key\" = '123' AND \"operation\" = 'UPDATE' AND \"after\" @> '{\"email\": \"user123.2@example.com\"}'"
                        + " AND NOT (\"before\" @> '{\"email\": \"user123.2@example.com\"}')"
                        + " AND \"committed_at\" BETWEEN (NOW() - INTERVAL '3 months') AND NOW() LIMIT 1";
        Plan plan = explain(sql);
        // partitions after now are never read; days before the oldest partition may only be in the default one
        assertThat(plan.relations).isEqualTo(days(-6, 0, true));
        assertThat(plan.indexes).containsOnly("changes_table_record_idx").hasSize(7);
        assertThat(db.query(sql)).hasSize(1);
    }

    @Test
    void aContextQueryReadsTheContextIndexInItsDays() {
        String sql = "SELECT * FROM changes WHERE context @> '{\"request_id\": \"req-20000\"}'" + range(-4, -2);
        Plan plan = explain(sql);
        assertThat(plan.relations).isEqualTo(days(-4, -3, false));
        assertThat(plan.indexes).containsOnly("changes_context_idx");
        // without a time range: every partition, each by its index
        assertThat(explain("SELECT * FROM changes WHERE context @> '{\"request_id\": \"req-20000\"}'").indexes)
                .containsOnly("changes_context_idx")
                .hasSize(7);
        assertThat(db.query(sql)).hasSize(4);
    }

    @Test
    void aJsonpathQueryReadsTheIndexOfItsColumnInItsDays() {
        String sql = "SELECT * FROM changes WHERE after @? '$.email ? (@ == \"user123.2@example.com\")'" + range(-6, 0);
        Plan plan = explain(sql);
        assertThat(plan.relations).isEqualTo(days(-6, -1, false));
        assertThat(plan.indexes).containsOnly("changes_after_idx");
        assertThat(db.query(sql)).hasSize(1);
    }

    @Test
    void aRecordsHistoryIsInlinedAndReadsTheRecordsIndexInItsDays() {
        String sql = "SELECT * FROM changes_record_history('todo', '321', '" + day(-6) + "', '" + endOf(-3) + "')";
        Plan plan = explain(sql);
        assertThat(plan.nodes).doesNotContain("Function Scan");
        assertThat(plan.changesRelations()).isEqualTo(days(-6, -3, false));
        assertThat(plan.indexes).contains("changes_table_record_idx");
        assertThat(db.query("SELECT * FROM changes_record_history('todo', '321')"))
                .hasSize(5);
        assertThat(db.query("SELECT * FROM changes_record_history('todo_tags', '[\"tag6\",321]')"))
                .hasSize(5);
    }

    @Test
    void anOrmsPreparedHistoryPrunesAtExecution() throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            // a generic plan, as a driver's prepared statement gets after its first executions
            s.execute("SET plan_cache_mode = force_generic_plan");
            s.execute(
                    "PREPARE history(text, text, timestamptz, timestamptz) AS SELECT * FROM changes_record_history($1, $2, $3, $4)");
            Plan plan;
            try (ResultSet rs = s.executeQuery(
                    "EXPLAIN (FORMAT JSON) EXECUTE history('todo', '321', '" + day(-2) + "', '" + endOf(-1) + "')")) {
                rs.next();
                plan = new Plan(Json.parse(rs.getString(1)), true);
            }
            assertThat(plan.nodes).doesNotContain("Function Scan");
            assertThat(plan.changesRelations()).isEqualTo(days(-2, -1, false));
            assertThat(plan.indexes).contains("changes_table_record_idx");
        }
    }

    @Test
    void aRecordAsOfAMomentReadsTheRecordsIndexUpToThatDay() {
        String sql = "SELECT * FROM changes_record_at('users', '123', '" + endOf(-3) + "')";
        Plan plan = explain(sql);
        assertThat(plan.nodes).doesNotContain("Function Scan");
        // and the table's names in schema_changes (changes_table_names), a few rows
        assertThat(plan.changesRelations()).isEqualTo(days(-6, -3, true));
        assertThat(plan.changesIndexes()).containsOnly("changes_table_record_idx", "changes_truncate_idx");
        assertThat(db.query(sql)).hasSize(1);
    }

    @Test
    void aTableAsOfAMomentReadsTheRecordsIndexUpToThatDay() {
        String sql = "SELECT * FROM changes_table_at('todo', '" + endOf(-3) + "')";
        Plan plan = explain(sql);
        assertThat(plan.nodes).doesNotContain("Function Scan");
        assertThat(plan.changesRelations()).isEqualTo(days(-6, -3, true));
        assertThat(plan.indexes).contains("changes_table_record_idx");
        assertThat(db.query(sql)).hasSize(700);
    }

    @Test
    void aTableAsOfAMomentOverABaselineLooksForTruncatesInTheirIndexNotAmongEveryLaterChange() throws Exception {
        // a destination of one table's baseline, 60,000 rows at one moment, and changes after it
        db.execute("CREATE DATABASE baseline_only");
        Database baselineOnly = db.database("baseline_only");
        Setup.prepareDestination(baselineOnly);
        try (Connection c = baselineOnly.connect();
                Statement s = c.createStatement()) {
            s.execute(
                    "INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, after, committed_at,"
                            + " queued_at, transaction_id, position) SELECT gen_random_uuid(), 'postgres', 'public', 'items',"
                            + " i::text, CASE WHEN i <= 60000 THEN 'SNAPSHOT' ELSE 'UPDATE' END, jsonb_build_object('id', i % 60000),"
                            + " now() - interval '1 hour' + greatest(i - 60000, 0) * interval '1 ms', now(), i, i"
                            + " FROM generate_series(1, 60500) i");
            s.execute("ANALYZE changes");
            String sql = "SELECT count(*) FROM changes_table_at('items', 'infinity')";
            JsonNode explained;
            try (ResultSet rs = s.executeQuery("EXPLAIN (FORMAT JSON) " + sql)) {
                rs.next();
                explained = Json.parse(rs.getString(1));
            }
            // each row's check for a later TRUNCATE reads the truncates alone: by time, it read every later change
            List<String> indexes = new ArrayList<>();
            collectTruncateScans(explained.get(0).get("Plan"), indexes);
            assertThat(indexes).as(explained::toPrettyString).isNotEmpty().containsOnly("changes_truncate_idx");
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(60_500L);
            }
        } finally {
            db.execute("DROP DATABASE baseline_only");
        }
    }

    /** The indexes of the scans that look for a TRUNCATE. */
    private static void collectTruncateScans(JsonNode node, List<String> indexes) {
        String index = node.has("Index Name") ? node.get("Index Name").asText() : null;
        index = index == null ? null : PARENT_INDEX.getOrDefault(index, index);
        if (index != null
                && (index.equals("changes_truncate_idx")
                        || node.path("Filter").asText().contains("TRUNCATE"))) {
            indexes.add(index);
        }
        if (node.has("Plans")) {
            node.get("Plans").forEach(child -> collectTruncateScans(child, indexes));
        }
    }

    @Test
    void aRequestsChangesAreInlinedAndReadTheContextIndexInTheirDays() {
        String sql = "SELECT * FROM changes_by_context('{\"request_id\": \"req-20000\"}', '" + day(-4) + "', '"
                + endOf(-3) + "')";
        Plan plan = explain(sql);
        assertThat(plan.nodes).doesNotContain("Function Scan");
        assertThat(plan.relations).isEqualTo(days(-4, -3, false));
        assertThat(plan.indexes).containsOnly("changes_context_idx");
        assertThat(db.query(sql)).extracting(row -> row.get("table")).hasSize(4).doesNotHaveDuplicates();
    }

    @Test
    void theHashChainsQueriesReadTheChainIndex() {
        // the chain's last link at the job's start, and verify's walk along a chain
        assertThat(explain(StoredChain.HEAD.replace("?", "'postgres'")).indexes).containsOnly("changes_chain_idx");
        assertThat(explain(ChainVerifier.CHAIN
                                .replaceFirst("\\?", "'postgres'")
                                .replaceFirst("\\?", "1")
                                .replaceFirst("\\?", "9223372036854775807"))
                        .indexes)
                .containsOnly("changes_chain_idx");
        // verify's look for a change without a link since the chain began: it reads, as the walk did, only the days
        // since then (sequentially, where rows without a link abound: the first one ends it)
        Plan unlinked = new Plan(
                explained(ChainVerifier.UNLINKED
                        .replaceFirst("\\?", "'" + day(-3) + "'")
                        .replaceFirst("\\?", "'infinity'")
                        .replace("?", "'postgres'")),
                false);
        assertThat(unlinked.relations).containsAll(days(-3, 0, false)).doesNotContainAnyElementsOf(days(-6, -4, false));
    }

    @Test
    void anOlderDestinationGetsTheRecordIndexInPlaceOfItsOldOne() throws Exception {
        db.execute("CREATE DATABASE older");
        Database older = new Database("localhost", db.port(), "older", "postgres", TestDatabase.PASSWORD);
        Setup.prepareDestination(older);
        try (Connection c = older.connect();
                Statement s = c.createStatement()) {
            // the record index as destinations had it before
            s.execute("DROP INDEX changes_table_record_idx");
            s.execute(
                    "CREATE INDEX changes_record_idx ON changes (\"primary_key\", \"table\", \"schema\", \"database\", \"committed_at\")");
        }
        Setup.prepareDestination(older);
        try (Connection c = older.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'changes'")) {
            rs.next();
            assertThat(rs.getString(1))
                    .isEqualTo("changes_after_idx, changes_before_idx, changes_chain_idx, changes_committed_at_idx,"
                            + " changes_context_idx,"
                            + " changes_pkey, changes_table_record_idx, changes_truncate_idx");
        }
    }

    /** The start of the day {@code offset} days from the load's last day, as a timestamptz literal. */
    private static String day(int offset) {
        return today.plusDays(offset) + "T00:00:00Z";
    }

    /** The last microsecond of the day {@code offset} days from the load's last day. */
    private static String endOf(int offset) {
        return today.plusDays(offset) + "T23:59:59.999999Z";
    }

    /** A time range of whole days, from the start of day {@code from} to the end of day {@code to} exclusive. */
    private static String range(int from, int to) {
        return " AND committed_at >= '" + day(from) + "' AND committed_at < '" + day(to) + "'";
    }

    /** The partitions of days {@code from} to {@code to}, and the default one where {@code withDefault}. */
    private static Set<String> days(int from, int to, boolean withDefault) {
        Set<String> names = new TreeSet<>();
        for (int d = from; d <= to; d++) {
            names.add("changes_" + today.plusDays(d).format(DateTimeFormatter.BASIC_ISO_DATE));
        }
        if (withDefault) {
            names.add("changes_default");
        }
        return names;
    }

    private static Plan explain(String sql) {
        return new Plan(explained(sql), true);
    }

    private static JsonNode explained(String sql) {
        try {
            return Json.parse(db.value("EXPLAIN (FORMAT JSON) " + sql).toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a plan reads: its node types, the relations it scans and the indexes it uses; fails on a sequential scan of rows. */
    static final class Plan {
        final List<String> nodes = new ArrayList<>();
        final Set<String> relations = new TreeSet<>();
        final List<String> indexes = new ArrayList<>();
        final Set<String> seqScanned = new TreeSet<>();
        private final String text;

        Plan(JsonNode explained, boolean indexedOnly) {
            text = explained.toPrettyString();
            walk(explained.get(0).get("Plan"));
            // the planner reads an empty partition (a day ahead, the default one) sequentially: nothing to read
            for (String relation : indexedOnly ? seqScanned : Set.<String>of()) {
                assertThat(db.value("SELECT count(*) FROM " + relation))
                        .as("sequential scan of %s in %s", relation, text)
                        .isEqualTo(0L);
            }
        }

        private void walk(JsonNode node) {
            nodes.add(node.get("Node Type").asText());
            if ("Seq Scan".equals(node.get("Node Type").asText())) {
                seqScanned.add(node.get("Relation Name").asText());
            }
            if (node.has("Relation Name")) {
                relations.add(node.get("Relation Name").asText());
            }
            if (node.has("Index Name")) {
                String index = node.get("Index Name").asText();
                indexes.add(PARENT_INDEX.getOrDefault(index, index));
            }
            if (node.has("Plans")) {
                node.get("Plans").forEach(this::walk);
            }
        }

        /** The relations read but schema_changes. */
        Set<String> changesRelations() {
            Set<String> changes = new TreeSet<>(relations);
            changes.remove("schema_changes");
            return changes;
        }

        /** The indexes of changes read. */
        List<String> changesIndexes() {
            return indexes.stream()
                    .filter(index -> index.startsWith("changes_"))
                    .toList();
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
