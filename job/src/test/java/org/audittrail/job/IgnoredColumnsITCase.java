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
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An UPDATE of ignore-change columns alone leaves no row; any other change is recorded whole. */
class IgnoredColumnsITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/ignored-columns-schema.sql");
    }

    @Test
    void updatesOfIgnoredColumnsAloneLeaveNoRow() throws Exception {
        job.submit(db.args("--ignore-columns", "*.updated_at,*_cached_count"));
        db.execute(
                "INSERT INTO todo VALUES (1, 'a', 1.50, '{\"a\": 1, \"b\": [1, 2]}', now(), 0)",
                // ignored columns only: no row
                "UPDATE todo SET updated_at = now() + interval '1 minute' WHERE id = 1",
                "UPDATE todo SET likes_cached_count = 5 WHERE id = 1",
                // the same numeric and the same jsonb written again are no change
                "UPDATE todo SET price = 1.5, doc = '{\"b\": [1, 2], \"a\": 1}', updated_at = now() + interval '2 minutes' WHERE id = 1",
                // a meaningful column with an ignored one: recorded whole, ignored column included
                "UPDATE todo SET task = 'b', updated_at = '2030-01-01 00:00:00+00' WHERE id = 1",
                "DELETE FROM todo WHERE id = 1");

        List<Map<String, Object>> rows = settledChanges(3);
        assertThat(rows).extracting(r -> r.get("operation")).containsExactly("CREATE", "UPDATE", "DELETE");
        Map<String, Object> update = rows.get(1);
        assertThat(ContextITCase.json(update, "after").get("task").asText()).isEqualTo("b");
        assertThat(ContextITCase.json(update, "after").get("updated_at").asText())
                .isEqualTo("2030-01-01T00:00:00+00:00");
        assertThat(ContextITCase.json(update, "after").get("likes_cached_count").asInt())
                .isEqualTo(5);
        assertThat(job.awaitMetric("updatesIgnored", 3)).isEqualTo(3);
    }

    @Test
    void invalidRuleFailsAtStart() {
        Cli.Result result = Cli.run(db.args("setup", "--ignore-columns", "public..x"));
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("'public..x' is not column, table.column or schema.table.column");
    }

    @Test
    void aRuleIgnoringEveryColumnNeedsConfirmation() {
        for (String rule : new String[] {"*", "*.*", "*.*.*"}) {
            Cli.Result result = Cli.run(db.args("setup", "--ignore-columns", "*.updated_at," + rule));
            assertThat(result.exit()).as(rule).isEqualTo(1);
            assertThat(result.err())
                    .contains("'" + rule + "' matches every column, so no UPDATE of any table would be recorded");
        }
        assertThat(Cli.run(db.args("setup", "--ignore-columns", "public.todo.*"))
                        .err())
                .contains("no UPDATE of the tables of 'public.todo.*' would be recorded");
        assertThat(Cli.run(db.args("setup", "--ignore-columns", "public.todo.*", "--allow-ignoring-every-column"))
                        .exit())
                .isZero();
    }
}
