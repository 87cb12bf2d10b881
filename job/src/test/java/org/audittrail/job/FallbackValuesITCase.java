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
import static org.audittrail.job.testing.JobTestBase.json;
import static org.audittrail.job.testing.JobTestBase.withContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Legal rows that once stopped capture for good: each stored (exactly, or in its fallback form), and the rows after it too. */
class FallbackValuesITCase extends JobTestBase {

    static final String METRIC = "valuesInFallbackForm";

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/fallback-schema.sql");
    }

    @Test
    void midnightAtTheEndOfTheDayIsStoredAsPostgreSQLWritesIt() throws Exception {
        job.submit(db.args());
        // '23:59:59.9999999' is rounded to '24:00:00' by PostgreSQL itself
        db.transaction(
                "INSERT INTO clock VALUES (1, '24:00:00'), (2, '23:59:59.9999999'), (3, '23:59:59.999999')",
                "INSERT INTO todo (task) VALUES ('same transaction')");
        db.execute("INSERT INTO todo (task) VALUES ('next transaction')");

        List<Map<String, Object>> rows = settledChanges(5);
        assertThat(rows)
                .extracting(r -> r.get("table") + " " + json(r, "after").get("t"))
                .containsExactly(
                        "clock \"24:00:00\"",
                        "clock \"24:00:00\"",
                        "clock \"23:59:59.999999\"",
                        "todo null",
                        "todo null");
        // exactly what PostgreSQL's own to_jsonb makes of each value
        assertThat(db.value("SELECT bool_and(c.after->'t' = to_jsonb(k.t)) FROM changes c JOIN clock k"
                        + " ON (c.after->>'id')::int = k.id WHERE c.\"table\" = 'clock'"))
                .isEqualTo(true);
        assertThat(job.metric(METRIC)).as("stored exactly: no fallback").isZero();
        assertThat(rows).allSatisfy(r -> assertThat(r.get("fallback_columns")).isNull());
    }

    @Test
    void valuesJsonbCannotHoldAreStoredInFallbackFormAndCaptureGoesOn() throws Exception {
        Path log = Path.of("target", "test.log");
        long logStart = Files.size(log);
        String secret = "secret-" + UUID.randomUUID();
        job.submit(db.args());

        // json holds U+0000 and unpaired surrogates, jsonb does not: in a value, in a key, a lone surrogate
        String[] documents = {"{\"a\": \"\\u0000 " + secret + "\"}", "{\"k\\u0000\": 1}", "\"\\ud800\""};
        db.transaction(
                "INSERT INTO documents VALUES (1, '" + documents[0] + "'), (2, '" + documents[1] + "'), (3, '"
                        + documents[2] + "')",
                "INSERT INTO todo (task) VALUES ('after the documents')");
        // a context with U+0000 is valid JSON that Bemi's trigger passes on, and no jsonb: in a value, in a key
        String[] contexts = {"{\"a\":\"\\u0000\",\"s\":\"" + secret + "\"}", "{\"k\\u0000\":1}"};
        db.transaction(
                withContext("INSERT INTO todo (task) VALUES ('context value')", contexts[0]),
                withContext("INSERT INTO todo (task) VALUES ('context key')", contexts[1]),
                withContext("INSERT INTO todo (task) VALUES ('after the contexts')", "{\"fine\":true}"));
        db.execute("INSERT INTO todo (task) VALUES ('next transaction')");

        List<Map<String, Object>> rows = settledChanges(8);
        assertThat(rows)
                .extracting(r ->
                        r.get("table") + " " + json(r, "after").path("task").asText(""))
                .containsExactly(
                        "documents ",
                        "documents ",
                        "documents ",
                        "todo after the documents",
                        "todo context value",
                        "todo context key",
                        "todo after the contexts",
                        "todo next transaction");
        // a json value: the JSON string of the text PostgreSQL holds, exactly
        for (int i = 0; i < documents.length; i++) {
            assertThat(json(rows.get(i), "after").get("j").textValue()).isEqualTo(documents[i]);
        }
        assertThat(db.value("SELECT bool_and(c.after->>'j' = d.j::text) FROM changes c JOIN documents d"
                        + " ON (c.after->>'id')::int = d.id"))
                .isEqualTo(true);
        // a context: {"_unparsed": the text sent}
        assertThat(json(rows.get(4), "context").get("_unparsed").textValue()).isEqualTo(contexts[0]);
        assertThat(json(rows.get(5), "context").get("_unparsed").textValue()).isEqualTo(contexts[1]);
        assertThat(json(rows.get(6), "context").get("fine").booleanValue()).isTrue();
        assertThat(rows.get(7).get("context").toString()).isEqualTo("{}");
        // the stored marker: which columns of each change are in fallback form, NULL where every value is exact
        assertThat(rows)
                .extracting(r -> String.valueOf(r.get("fallback_columns")))
                .containsExactly("{j}", "{j}", "{j}", "null", "{(context)}", "{(context)}", "null", "null");

        TestDatabase.poll(() -> metric() == 5, Duration.ofSeconds(30), METRIC + " = 5, is " + metric());
        // said once per table and column, with table, column and position, never the value
        String logged = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).substring((int) logStart);
        assertThat(logged).doesNotContain(secret).doesNotContain("\\u0000");
        assertThat(lines(logged, "WARN", "A value of public.documents column j is stored in fallback form"))
                .hasSize(1);
        assertThat(lines(logged, "WARN", "A context of public.todo is stored in fallback form"))
                .hasSize(1);
        assertThat(lines(logged, "WARN", "fallback form"))
                .allSatisfy(line -> assertThat(line).contains("WAL position "));
    }

    private long metric() {
        try {
            return job.metric(METRIC);
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
