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
package org.audittrail.job.source.decoding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.audittrail.job.testing.JobTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rows and names Debezium's own pgoutput decoder stopped capture on, or mangled, are stored, and so is what follows them. */
class DecoderITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/decoder-schema.sql");
    }

    @Test
    void numericInfinitiesAreStoredAsToJsonbWritesThem() throws Exception {
        job.submit(db.args());
        db.execute(
                "INSERT INTO v1 VALUES (1, 'Infinity', 'NaN', '{1.50,NaN}')",
                "INSERT INTO v1 VALUES (2, '-Infinity', -1.25, '{-Infinity,Infinity}')",
                "INSERT INTO v1 VALUES (3, 1.500, 2.5, '{3}')");
        List<Map<String, Object>> rows = settledChanges(3);
        for (Map<String, Object> row : rows) {
            Object id = JobTestBase.json(row, "after").get("id");
            assertThat(JobTestBase.json(row, "after"))
                    .as("row " + id)
                    .isEqualTo(org.audittrail.udf.values.Json.parse(
                            (String) db.value("SELECT to_jsonb(v1)::text FROM v1 WHERE id = " + id)));
        }
    }

    @Test
    void tablesWhoseNamesDifferOnlyWhereOneHasAnUnderscoreAreBothCaptured() throws Exception {
        job.submit(db.args());
        db.execute(
                "INSERT INTO \"x y\" VALUES (1)",
                "INSERT INTO x_y VALUES (2, 'two')",
                "INSERT INTO \"x y\" VALUES (3)");
        assertThat(settledChanges(3))
                .extracting(r -> r.get("table") + " " + r.get("primary_key") + " " + r.get("after"))
                .containsExactly("x y 1 {\"id\": 1}", "x_y 2 {\"id\": 2, \"label\": \"two\"}", "x y 3 {\"id\": 3}");
    }

    @Test
    void nonAsciiTableAndColumnNamesAreKept() throws Exception {
        job.submit(db.args());
        db.execute("INSERT INTO \"ünï\" VALUES (7, 'café')");
        assertThat(settledChanges(1)).singleElement().satisfies(row -> {
            assertThat(row.get("table")).isEqualTo("ünï");
            assertThat(row.get("primary_key")).isEqualTo("7");
            assertThat(JobTestBase.json(row, "after"))
                    .isEqualTo(org.audittrail.udf.values.Json.parse("{\"wért\": 7, \"naïve\": \"café\"}"));
        });
    }
}
