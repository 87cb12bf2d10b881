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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.audittrail.job.sink.StoredChanges;
import org.audittrail.job.source.watch.PublicationWatch;
import org.audittrail.job.source.watch.SlotLag;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestJob.Sample;
import org.audittrail.udf.functions.FallbackValues;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/audit-trail-dashboard.json: every metric and label its queries name is one that Flink's Prometheus
 * reporter really exports for a running job (scraped from the MiniCluster's reporter over HTTP), and every metric
 * the job registers itself has a panel.
 */
class GrafanaDashboardITCase extends JobTestBase {

    private static final Path DASHBOARD = Path.of("../deploy/grafana/audit-trail-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bflink_[a-zA-Z0-9_]+");
    private static final Pattern SELECTOR = Pattern.compile("(flink_[a-zA-Z0-9_]+)\\{([^}]*)}");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((flink_[a-zA-Z0-9_]+),\\s*(\\w+)\\)");
    private static final Pattern BY = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");

    /** The metrics the job registers itself (Flink's own come on top); each needs a panel. */
    private static final List<String> JOB_METRICS = List.of(
            StoredChanges.STORED,
            StoredChanges.TABLE_GROUP + "_" + StoredChanges.STORED,
            StoredChanges.STORED_WITH_CONTEXT,
            StoredChanges.LATENCY,
            StoredChanges.SINCE_LAST_COMMIT,
            StoredChanges.WITH_PARTIAL_IMAGE,
            SlotLag.METRIC,
            SlotLag.STATUS_METRIC,
            SlotLag.SAFE_WAL_SIZE_METRIC,
            PublicationWatch.METRIC,
            FallbackValues.METRIC,
            "changesWithContext",
            "contextMessagesWithoutChange",
            "contextMessagesWithoutRow",
            "untrackedChanges",
            "updatesIgnored");

    /** One query of the dashboard: where it is, and its PromQL. */
    record Query(String where, String expr) {}

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/todo-schema.sql");
    }

    @Test
    void everyMetricAndLabelOfTheDashboardIsOneTheRunningJobExports() throws Exception {
        JsonNode dashboard = Json.parse(Files.readString(DASHBOARD));
        List<Query> queries = queries(dashboard);
        assertThat(queries).hasSizeGreaterThan(15);
        Set<String> named = new TreeSet<>();
        queries.forEach(q -> named.addAll(metrics(q.expr())));

        job.submit(db.args("--heartbeat-interval-ms", "500", "--slot-lag-interval-ms", "500"));
        db.execute("INSERT INTO todo (task) VALUES ('a'), ('b'), ('c')");
        db.awaitChanges(3);
        job.checkpoint();
        // the reporter exports a metric once registered: the per-table ones after their table's first stored change
        Map<String, Set<String>> exported = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        Set<String> missing = new LinkedHashSet<>(named);
        try {
            TestDatabase.poll(
                    () -> {
                        exported.clear();
                        samples.clear();
                        try {
                            samples.addAll(job.prometheus());
                            for (Sample s : samples) {
                                exported.computeIfAbsent(s.name(), n -> new HashSet<>())
                                        .addAll(s.labels().keySet());
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        missing.clear();
                        missing.addAll(named);
                        missing.removeAll(exported.keySet());
                        return missing.isEmpty();
                    },
                    Duration.ofSeconds(60),
                    "every metric of the dashboard in the job's Prometheus scrape");
        } catch (AssertionError timedOut) {
            // the list below says which
        }
        assertThat(missing)
                .as("metrics of the dashboard the running job does not export")
                .isEmpty();

        for (Query query : queries) {
            Matcher selector = SELECTOR.matcher(query.expr());
            while (selector.find()) {
                Matcher label = LABEL.matcher(selector.group(2));
                while (label.find()) {
                    assertThat(exported.get(selector.group(1)))
                            .as(query.where() + ": label of " + selector.group(1))
                            .contains(label.group(1));
                }
            }
            Matcher values = LABEL_VALUES.matcher(query.expr());
            while (values.find()) {
                assertThat(exported.get(values.group(1)))
                        .as(query.where() + ": label of " + values.group(1))
                        .contains(values.group(2));
            }
            Matcher by = BY.matcher(query.expr());
            while (by.find()) {
                for (String label : by.group(1).split(",")) {
                    for (String metric : metrics(query.expr())) {
                        assertThat(exported.get(metric))
                                .as(query.where() + ": label of " + metric)
                                .contains(label.strip());
                    }
                }
            }
        }

        // the job variable offers this job, and "All" selects it: its regexes match the job_name Prometheus has
        JsonNode variable = dashboard.at("/templating/list/1");
        Matcher values = LABEL_VALUES.matcher(variable.at("/query/query").asText());
        assertThat(values.find()).isTrue();
        List<String> jobNames = samples.stream()
                .filter(s -> s.name().equals(values.group(1)))
                .map(s -> s.labels().get(values.group(2)))
                .toList();
        String offered = variable.get("regex").asText();
        assertThat(jobNames)
                .isNotEmpty()
                .allMatch(n -> Pattern.compile(offered.substring(1, offered.length() - 1))
                        .matcher(n)
                        .find())
                .allMatch(n -> n.matches(variable.get("allValue").asText()));

        for (String metric : JOB_METRICS) {
            assertThat(named).as("a panel for the job's metric " + metric).anyMatch(n -> n.endsWith("_" + metric));
        }
    }

    /** Every query: each target of each panel (rows' panels too), each variable's; panels read the chosen source. */
    private static List<Query> queries(JsonNode dashboard) {
        List<Query> queries = new ArrayList<>();
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        for (JsonNode panel : panels) {
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            String title = "panel '" + panel.get("title").asText() + "'";
            assertThat(panel.at("/datasource/uid").asText()).as(title).isEqualTo("${datasource}");
            assertThat(panel.get("targets")).as(title).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                queries.add(new Query(title, target.get("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            if (variable.get("type").asText().equals("datasource")) {
                assertThat(variable.get("query").asText()).isEqualTo("prometheus");
            } else if (variable.get("type").asText().equals("query")) {
                queries.add(new Query(
                        "variable " + variable.get("name").asText(),
                        variable.at("/query/query").asText()));
            }
        }
        return queries;
    }

    private static Set<String> metrics(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        assertThat(names).as(expr).isNotEmpty();
        return names;
    }
}
