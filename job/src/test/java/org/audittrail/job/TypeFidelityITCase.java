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
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Values keep their type and every digit in {@code before} and {@code after}, TOASTed ones included. */
class TypeFidelityITCase extends JobTestBase {

    /**
     * The row inserted, as stored in after: as to_jsonb writes it (TimeZone UTC), numbers exact, json nested; money as
     * the plain decimal money::numeric::text prints.
     */
    static final String EXPECTED =
            """
            {
              "id": 1,
              "n": 12345678901234567890.123456789012345678,
              "n_fixed": 1.5000000000,
              "n_big": 1234567890123456789012345678901234567890,
              "i2": -32768,
              "i4": 2147483647,
              "i8": 9223372036854775807,
              "r": 0.1,
              "d": 3.141592653589793,
              "cash": "12.34",
              "flag": true,
              "t": "text with \\"quotes\\" and \\\\ and ünïcode",
              "vc": "short",
              "ch": "ab ",
              "ts": "2024-01-02T03:04:05.123456",
              "ts3": "2024-01-02T03:04:05.123",
              "tstz": "2024-01-02T03:04:05.123456+00:00",
              "dt": "2024-01-02",
              "tm": "13:14:15.5",
              "tmtz": "13:14:15.5+00",
              "iv": "1 year 2 mons 3 days 04:05:06.5",
              "j": {"a": [1, 2.50, {"b": null}], "s": "x"},
              "jb": {"a": [1, 2.50, {"b": null}], "s": "x"},
              "ba": "\\\\xdeadbeef",
              "u": "b7267340-5011-40f4-ab9a-902b68fc5b25",
              "m": "happy",
              "int_arr": [1, 2, 3],
              "text_arr": ["a", "b c", null],
              "num_arr": [1.10, 2],
              "ip": "192.168.0.1/24",
              "nothing": null
            }""";

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/types-schema.sql");
    }

    @Test
    void valuesKeepTheirTypesAndDigits() throws Exception {
        job.submit(db.args());
        db.execute(
                """
                INSERT INTO typed VALUES (1, 12345678901234567890.123456789012345678, 1.5, 1234567890123456789012345678901234567890,
                  -32768, 2147483647, 9223372036854775807, 0.1, 3.141592653589793, 12.34, true,
                  'text with "quotes" and \\ and ünïcode', 'short', 'ab',
                  '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123', '2024-01-02 03:04:05.123456+00', '2024-01-02',
                  '13:14:15.5', '13:14:15.5+00', '1 year 2 months 3 days 04:05:06.5',
                  '{"a": [1, 2.50, {"b": null}], "s": "x"}', '{"a": [1, 2.50, {"b": null}], "s": "x"}',
                  '\\xdeadbeef', 'b7267340-5011-40f4-ab9a-902b68fc5b25', 'happy',
                  '{1,2,3}', '{"a","b c",NULL}', '{1.10,2}', '192.168.0.1/24', NULL,
                  (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 1000) i))""",
                "UPDATE typed SET flag = false WHERE id = 1");

        List<Map<String, Object>> rows = db.awaitChanges(2);
        String large = (String) db.value("SELECT large FROM typed");
        assertThat(large).hasSize(32_000);
        assertThat(db.value("SELECT pg_column_size(large) < 32000 OR pg_relation_size(reltoastrelid) > 0"
                        + " FROM typed, pg_class WHERE relname = 'typed'"))
                .as("large is TOASTed")
                .isEqualTo(true);

        ObjectNode inserted = (ObjectNode) Json.parse(rows.get(0).get("after").toString());
        assertThat(inserted.remove("large").textValue()).isEqualTo(large);
        assertThat(inserted).isEqualTo(Json.parse(EXPECTED));
        // and exactly what PostgreSQL's own to_jsonb makes of the row as inserted (flag was true then), money as
        // money::numeric::text prints it
        assertThat(inserted)
                .isEqualTo(Json.parse((String) db.value("SELECT (to_jsonb(typed) - 'large' || '{\"flag\": true}'"
                        + " || jsonb_build_object('cash', cash::numeric::text))::text FROM typed")));

        // an UPDATE that leaves the TOASTed column alone still stores its real value, before and after
        JsonNode before = Json.parse(rows.get(1).get("before").toString());
        JsonNode after = Json.parse(rows.get(1).get("after").toString());
        assertThat(before.get("large").textValue()).isEqualTo(large);
        assertThat(after.get("large").textValue()).isEqualTo(large);
        assertThat(after.get("flag").booleanValue()).isFalse();

        // jsonb itself keeps every digit: compared in PostgreSQL, not only after Jackson read it
        assertThat(
                        db.value(
                                "SELECT after->'n' = '12345678901234567890.123456789012345678'::jsonb"
                                        + " AND after->'n_big' = '1234567890123456789012345678901234567890'::jsonb FROM changes WHERE operation = 'CREATE'"))
                .isEqualTo(true);
    }
}
