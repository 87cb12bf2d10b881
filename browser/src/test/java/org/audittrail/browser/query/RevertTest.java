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
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The undo SQL of each kind of change: identifiers and literals quoted, newest first, rows matched whole. */
class RevertTest {
    static final Record ROW = new Record("postgres", "odd \"schema\"", "orders", "1");

    @Test
    void eachOperationIsUndoneNewestFirst() {
        Change create = change("CREATE", "{}", "{\"id\": 1, \"note\": \"it's\"}");
        Change update = change("UPDATE", "{\"id\": 1, \"note\": \"it's\"}", "{\"id\": 1, \"note\": null}");
        Change delete = change("DELETE", "{\"id\": 1, \"note\": null}", "{}");
        Revert.Preview preview = Revert.of(List.of(create, update, delete), 0);
        String table = "\"odd \"\"schema\"\"\".\"orders\"";
        assertThat(preview.sql())
                .isEqualTo("BEGIN;\n"
                        + "INSERT INTO " + table + " (\"id\", \"note\") VALUES ('1', NULL);\n"
                        + "UPDATE " + table + " SET \"note\" = 'it''s' WHERE \"id\" = '1' AND \"note\" IS NULL;\n"
                        + "DELETE FROM " + table + " WHERE \"id\" = '1' AND \"note\" = 'it''s';\n"
                        + "COMMIT;\n");
        assertThat(preview.caveats()).isEmpty();
    }

    @Test
    void literalsReadBackExactly() {
        assertThat(Revert.literal(json("10.50"))).isEqualTo("'10.50'");
        assertThat(Revert.literal(json("123456789012345678901234567890.000001")))
                .isEqualTo("'123456789012345678901234567890.000001'");
        assertThat(Revert.literal(json("true"))).isEqualTo("'true'");
        assertThat(Revert.literal(json("\"a\\\\b\""))).isEqualTo("'a\\b'");
        assertThat(Revert.literal(json("\"\""))).isEqualTo("''");
        assertThat(Revert.literal(json("\"žluť 😀\""))).isEqualTo("'žluť 😀'");
        // what a page would hide runs exactly as shown
        assertThat(Revert.literal(json("\"ab\\u202Ec'd\\n\\\\\""))).isEqualTo("U&'ab\\202Ec''d\\000A\\\\'");
    }

    @Test
    void whatCannotBeUndoneExactlyIsSaid() {
        Change truncate = new Change(
                "t",
                new Record("postgres", "public", "orders", null),
                "TRUNCATE",
                json("{}"),
                json("{}"),
                json("{}"),
                OffsetDateTime.now(),
                1,
                1,
                false);
        Change jsonRow = change("CREATE", "{}", "{\"id\": 2, \"payload\": {\"a\": [1]}}");
        Change erased = change("DELETE", "{\"id\": 3, \"email\": \"[erased]\"}", "{}");
        Revert.Preview preview = Revert.of(List.of(truncate, jsonRow, erased), 3);
        assertThat(preview.sql()).contains("DELETE FROM \"odd \"\"schema\"\"\".\"orders\" WHERE \"id\" = '2';");
        assertThat(preview.caveats())
                .anySatisfy(c -> assertThat(c).startsWith("3 later changes touched the same rows"))
                .anySatisfy(c -> assertThat(c).startsWith("Column payload holds JSON"))
                .anySatisfy(c -> assertThat(c).startsWith("A TRUNCATE of public.orders cannot be undone"))
                .anySatisfy(c -> assertThat(c).contains("were erased", "the trail cannot give them back"));
    }

    static Change change(String operation, String before, String after) {
        return new Change(
                "c", ROW, operation, json(before), json(after), json("{}"), OffsetDateTime.now(), 1, 1, false);
    }

    static JsonNode json(String text) {
        try {
            return ChangeFilter.json().readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
