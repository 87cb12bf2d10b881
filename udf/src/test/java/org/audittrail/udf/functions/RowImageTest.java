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
package org.audittrail.udf.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.values.Json;
import org.audittrail.udf.values.PgText;
import org.audittrail.udf.values.ValueForm;
import org.junit.jupiter.api.Test;

/** Row values at the edges of their types: each stored exactly, or in its fallback form with its column named. */
class RowImageTest {

    /** A column as the source delivers it: the JSON text to_jsonb writes, in a string marked as such. */
    static final Schema JSON_TEXT = SchemaBuilder.string()
            .optional()
            .parameter(RowImage.JSON_TEXT, "true")
            .build();

    /** The stored JSON of a one-column row {@code v} of {@code schema}, and the columns it marked as fallback. */
    static String[] image(Schema schema, Object value) {
        Schema row = SchemaBuilder.struct().field("v", schema).build();
        Change change = new Change();
        String json = RowImage.json(new Struct(row).put("v", value), null, change);
        return new String[] {json, change.fallbackColumns == null ? "" : String.join(",", change.fallbackColumns)};
    }

    static String[] image(String jsonText) {
        return image(JSON_TEXT, jsonText);
    }

    @Test
    void valuesAreTheJsonTextTheSourceWrote() {
        assertThat(image("\"24:00:00\"")).containsExactly("{\"v\":\"24:00:00\"}", "");
        assertThat(image("[[1,2],[3,null]]")).containsExactly("{\"v\":[[1,2],[3,null]]}", "");
        assertThat(image("1.500")).containsExactly("{\"v\":1.500}", "");
        assertThat(image("\"NaN\"")).containsExactly("{\"v\":\"NaN\"}", "");
        assertThat(image(JSON_TEXT, null)).containsExactly("{\"v\":null}", "");
    }

    @Test
    void numericsOfEveryLengthKeepEveryDigit() {
        // numeric's extremes: 131072 digits before the point, 16383 after; written as they come, never parsed
        String big = "9".repeat(131_072);
        assertThat(image(big)[0]).isEqualTo("{\"v\":" + big + "}");
        String tiny = "0." + "0".repeat(16_382) + "1";
        assertThat(image(tiny)).containsExactly("{\"v\":" + tiny + "}", "");
    }

    @Test
    void jsonThatJsonbCannotHoldIsStoredAsItsText() {
        for (String text : List.of(
                "{\"a\": \"\\u0000\"}", // U+0000 in a value
                "{\"a\\u0000\": 1}", // in a key
                "[{\"deep\": [\"x\\u0000y\"]}]", // nested
                "\"\\ud800\"", // an unpaired surrogate
                "{\"n\": 1e-20000}", // beyond numeric's scale
                "{\"n\": 1e131072}", // beyond numeric's integer digits
                "{\"n\": 1e99999999999}", // beyond BigDecimal
                "[".repeat(2000) + "]".repeat(2000))) { // beyond Jackson's nesting
            assertThat(image(PgText.json(ValueForm.JSON, text)))
                    .as(text)
                    .containsExactly(Json.write(Json.object().put("v", text)), "v");
        }
    }

    @Test
    void jsonThatJsonbCanHoldIsNestedAsItsText() {
        // json as it comes, whitespace, escapes and every digit: the destination's jsonb reads it as to_jsonb would
        for (String text : List.of(
                "{\"a\": \"\\ud83d\\ude00 \\u0001\", \"n\": 1e-16000, \"b\": 1.50}",
                "{\"n\": " + "9".repeat(1500) + "}",
                "[1e400, -1.5e-400]")) {
            assertThat(image(PgText.json(ValueForm.JSON, text))).as(text).containsExactly("{\"v\":" + text + "}", "");
        }
        // jsonb's text is what jsonb holds already: never checked
        assertThat(image(PgText.json(ValueForm.JSONB, "{\"a\": [1, 2.50]}")))
                .containsExactly("{\"v\":{\"a\": [1, 2.50]}}", "");
    }

    @Test
    void aValueInFallbackFormIsItsTextWithItsColumnNamed() {
        assertThat(image(PgText.fallback("happy"))).containsExactly("{\"v\":\"happy\"}", "v");
        assertThat(image(PgText.fallback("a\u0000b"))).containsExactly("{\"v\":\"a\uFFFDb\"}", "v");
        // a value of a schema not foreseen (Debezium's own conversion): through its tree rather than stopping the job
        assertThat(image(Schema.OPTIONAL_STRING_SCHEMA, "13:14:15")).containsExactly("{\"v\":\"13:14:15\"}", "");
    }

    @Test
    void anUnchangedToastedValueIsFilledFromBefore() {
        Schema row = SchemaBuilder.struct()
                .field("v", JSON_TEXT)
                .field("w", JSON_TEXT)
                .build();
        Struct before = new Struct(row).put("v", "\"large\"").put("w", RowImage.ABSENT);
        Struct after = new Struct(row).put("v", RowImage.ABSENT).put("w", RowImage.ABSENT);
        // where before has no value either (REPLICA IDENTITY DEFAULT), the column is left out and the change partial
        Change change = new Change();
        assertThat(RowImage.json(after, before, change)).isEqualTo("{\"v\":\"large\"}");
        assertThat(change.partial).isTrue();
    }

    @Test
    void aValueTheWalDidNotCarryIsLeftOutNeverNull() {
        Schema row = SchemaBuilder.struct()
                .field("id", JSON_TEXT)
                .field("v", JSON_TEXT)
                .field("w", JSON_TEXT)
                .build();
        Change change = new Change();
        assertThat(RowImage.json(new Struct(row).put("id", "1").put("v", RowImage.ABSENT), null, change))
                .isEqualTo("{\"id\":1,\"w\":null}");
        assertThat(change.partial).isTrue();
        Change whole = new Change();
        assertThat(RowImage.json(
                        new Struct(row).put("id", "1").put("v", "\"__debezium_unavailable_value\""), null, whole))
                .as("Debezium's placeholder text is a value like any other")
                .isEqualTo("{\"id\":1,\"v\":\"__debezium_unavailable_value\",\"w\":null}");
        assertThat(whole.partial).isFalse();
        Change leading = new Change();
        assertThat(RowImage.json(new Struct(row).put("id", RowImage.ABSENT).put("v", "2"), null, leading))
                .isEqualTo("{\"v\":2,\"w\":null}");
        assertThat(leading.partial).isTrue();
    }
}
