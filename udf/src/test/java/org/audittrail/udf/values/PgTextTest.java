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
package org.audittrail.udf.values;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** PostgreSQL's text output turned into what to_jsonb writes, for each form; the expected JSON is PostgreSQL 15's own. */
class PgTextTest {

    private static final ValueForm INT_ARRAY = ValueForm.array(ValueForm.NUMBER, ',');

    @Test
    void numbersAsJsonNumbersAndTheirSpecialValuesAsStrings() {
        assertThat(PgText.json(ValueForm.NUMBER, "-9223372036854775808")).isEqualTo("-9223372036854775808");
        assertThat(PgText.json(ValueForm.NUMBER, "1.500")).isEqualTo("1.500");
        assertThat(PgText.json(ValueForm.NUMBER, "1e+20")).isEqualTo("1e+20");
        assertThat(PgText.json(ValueForm.NUMBER, "NaN")).isEqualTo("\"NaN\"");
        assertThat(PgText.json(ValueForm.NUMBER, "-Infinity")).isEqualTo("\"-Infinity\"");
        assertThat(ScalarText.isJsonNumber("01")).isFalse();
        assertThat(ScalarText.isJsonNumber("1.")).isFalse();
        assertThat(ScalarText.isJsonNumber("-0")).isTrue();
        assertThat(PgText.json(ValueForm.BOOL, "t")).isEqualTo("true");
        assertThat(PgText.json(ValueForm.BOOL, "f")).isEqualTo("false");
    }

    @Test
    void timestampsInXsdStyleAndTimestamptzInUtc() {
        assertThat(PgText.json(ValueForm.TIMESTAMP, "2024-01-02 03:04:05.123456"))
                .isEqualTo("\"2024-01-02T03:04:05.123456\"");
        assertThat(PgText.json(ValueForm.TIMESTAMP, "0044-03-15 12:00:00 BC")).isEqualTo("\"0044-03-15T12:00:00 BC\"");
        assertThat(PgText.json(ValueForm.TIMESTAMP, "294276-12-31 23:59:59.999999"))
                .isEqualTo("\"294276-12-31T23:59:59.999999\"");
        assertThat(PgText.json(ValueForm.TIMESTAMP, "-infinity")).isEqualTo("\"-infinity\"");
        assertThat(ScalarText.timestamptzUtc("2024-01-02 08:49:05.5+05:45")).isEqualTo("2024-01-02T03:04:05.5+00:00");
        assertThat(ScalarText.timestamptzUtc("1900-01-01 00:00:00-00:25:21")).isEqualTo("1900-01-01T00:25:21+00:00");
        assertThat(ScalarText.timestamptzUtc("2024-01-01 00:30:00+01")).isEqualTo("2023-12-31T23:30:00+00:00");
        // across the start of AD: 1 AD minus an hour is 1 BC
        assertThat(ScalarText.timestamptzUtc("0001-01-01 00:30:00+01")).isEqualTo("0001-12-31T23:30:00+00:00 BC");
        assertThat(ScalarText.timestamptzUtc("4714-11-24 00:00:00+00 BC")).isEqualTo("4714-11-24T00:00:00+00:00 BC");
        // already in UTC: the short way gives what the long one does
        for (String utc :
                List.of("2024-01-02 08:49:05.123456+00", "2024-01-02 08:49:05+00", "294276-12-31 23:59:59.999999+00")) {
            assertThat(ScalarText.timestamptzUtc(utc)).isEqualTo(utc.replace(' ', 'T') + ":00");
        }
        assertThat(ScalarText.timestamptzUtc("294277-01-01 05:44:59.999999+05:45"))
                .isEqualTo("294276-12-31T23:59:59.999999+00:00");
        assertThat(PgText.json(ValueForm.TIMESTAMPTZ, "infinity")).isEqualTo("\"infinity\"");
    }

    @Test
    void timestamptzRangesAsTheirTextInUtc() {
        assertThat(PgText.json(ValueForm.TSTZ_RANGE, "[\"2024-01-02 08:49:05+05:45\",infinity)"))
                .isEqualTo("\"[\\\"2024-01-02 03:04:05+00\\\",infinity)\"");
        assertThat(PgText.json(ValueForm.TSTZ_RANGE, "empty")).isEqualTo("\"empty\"");
        assertThat(PgText.json(ValueForm.TSTZ_RANGE, "(,\"0001-01-01 00:30:00+01\"]"))
                .isEqualTo("\"(,\\\"0001-12-31 23:30:00+00 BC\\\"]\"");
        assertThat(PgText.json(
                        ValueForm.TSTZ_MULTIRANGE,
                        "{[\"2024-01-01 01:00:00+01\",\"2024-01-02 01:00:00+01\"),(,\"1999-12-31 23:00:00-01\")}"))
                .isEqualTo(
                        "\"{[\\\"2024-01-01 00:00:00+00\\\",\\\"2024-01-02 00:00:00+00\\\"),(,\\\"2000-01-01 00:00:00+00\\\")}\"");
        assertThat(PgText.json(ValueForm.TSTZ_MULTIRANGE, "{}")).isEqualTo("\"{}\"");
    }

    @Test
    void arraysOfAnyDimensionWithNullsAndBoundsAsNestedArrays() {
        assertThat(PgText.json(INT_ARRAY, "{{1,2},{3,NULL}}")).isEqualTo("[[1,2],[3,null]]");
        assertThat(PgText.json(INT_ARRAY, "[0:1][2:3]={{1,2},{3,4}}")).isEqualTo("[[1,2],[3,4]]");
        assertThat(PgText.json(INT_ARRAY, "{}")).isEqualTo("[]");
        assertThat(PgText.json(INT_ARRAY, "1 2 3")).as("int2vector").isEqualTo("[1,2,3]");
        assertThat(PgText.json(ValueForm.array(ValueForm.TEXT, ','), "{\"NULL\",NULL,\"a \\\"b\\\" \\\\\",\"\",x}"))
                .isEqualTo("[\"NULL\",null,\"a \\\"b\\\" \\\\\",\"\",\"x\"]");
        assertThat(PgText.json(ValueForm.array(ValueForm.TEXT, ';'), "{(1,1),(0,0);(2,2),(1,1)}"))
                .as("box[], delimiter ;")
                .isEqualTo("[\"(1,1),(0,0)\",\"(2,2),(1,1)\"]");
        assertThat(PgText.json(ValueForm.array(ValueForm.JSON, ','), "{\"{\\\"a\\\": [1, 2.50]}\",NULL}"))
                .isEqualTo("[{\"a\":[1,2.50]},null]");
    }

    @Test
    void moneyAsAPlainDecimalFromItsTextInLcMonetaryC() {
        // the texts cash_out writes with lc_monetary C (PostgreSQL 15), and what money::numeric::text gives for them
        assertThat(PgText.json(ValueForm.MONEY, "$1,234.56")).isEqualTo("\"1234.56\"");
        assertThat(PgText.json(ValueForm.MONEY, "-$92,233,720,368,547,758.08")).isEqualTo("\"-92233720368547758.08\"");
        assertThat(PgText.json(ValueForm.MONEY, "$92,233,720,368,547,758.07")).isEqualTo("\"92233720368547758.07\"");
        assertThat(PgText.json(ValueForm.MONEY, "$0.00")).isEqualTo("\"0.00\"");
        assertThat(PgText.json(ValueForm.MONEY, "-$0.01")).isEqualTo("\"-0.01\"");
        assertThat(PgText.json(ValueForm.MONEY, "$0.50")).isEqualTo("\"0.50\"");
        assertThat(PgText.json(ValueForm.MONEY, "-$1,000.00")).isEqualTo("\"-1000.00\"");
        assertThat(PgText.json(ValueForm.MONEY, "$123,456,789.10")).isEqualTo("\"123456789.10\"");
        // array_out quotes an element holding the delimiter; record_out one holding a comma
        assertThat(PgText.json(ValueForm.array(ValueForm.MONEY, ','), "{\"$1,234.56\",NULL,-$0.01}"))
                .isEqualTo("[\"1234.56\",null,\"-0.01\"]");
        assertThat(PgText.json(ValueForm.array(ValueForm.MONEY, ','), "{}")).isEqualTo("[]");
        assertThat(PgText.json(
                        ValueForm.composite(List.of("label", "amount"), List.of(ValueForm.TEXT, ValueForm.MONEY)),
                        "(x,\"$1,234.56\")"))
                .isEqualTo("{\"label\":\"x\",\"amount\":\"1234.56\"}");
    }

    @Test
    void moneyTextOfAnotherLcMonetaryIsKeptInFallbackFormNeverMisread() {
        for (String text : List.of(
                "1.234,56 €", // de_DE
                "-92.233.720.368.547.758,08 €",
                "￥1,235", // ja_JP: no fraction digits
                "$1234.56", // no grouping
                "$1,23.45",
                "$01.00",
                "$0,000.00",
                "$1,234.5",
                "$1,234.567",
                "$1,234",
                "-1,234.56",
                "$-1.00",
                "$",
                "")) {
            assertThat(PgText.json(ValueForm.MONEY, text)).as(text).isEqualTo(PgText.fallback(text));
        }
        // inside an array: the whole column's text
        assertThat(PgText.json(ValueForm.array(ValueForm.MONEY, ','), "{\"1,50 €\"}"))
                .isEqualTo(PgText.fallback("{\"1,50 €\"}"));
    }

    @Test
    void compositesAsObjectsOfTheirAttributes() {
        ValueForm inner = ValueForm.composite(List.of("n", "t"), List.of(ValueForm.NUMBER, ValueForm.TEXT));
        ValueForm outer = ValueForm.composite(
                List.of("i", "a", "e"), List.of(inner, ValueForm.array(ValueForm.NUMBER, ','), ValueForm.TEXT));
        assertThat(PgText.json(outer, "(\"(1.5,\"\"a \"\"\"\"b\"\"\"\"\"\")\",\"{1,NULL}\",)"))
                .isEqualTo("{\"i\":{\"n\":1.5,\"t\":\"a \\\"b\\\"\"},\"a\":[1,null],\"e\":null}");
        assertThat(PgText.json(inner, "(,\"\")")).isEqualTo("{\"n\":null,\"t\":\"\"}");
        assertThat(PgText.json(ValueForm.array(inner, ','), "{\"(1,x)\",NULL}"))
                .isEqualTo("[{\"n\":1,\"t\":\"x\"},null]");
    }

    @Test
    void hstoreAsAnObjectOfStrings() {
        assertThat(PgText.json(ValueForm.HSTORE, "\"a\"=>\"1\", \"b \\\"q\\\"\"=>NULL, \"c\"=>\"\""))
                .isEqualTo("{\"a\":\"1\",\"b \\\"q\\\"\":null,\"c\":\"\"}");
        assertThat(PgText.json(ValueForm.HSTORE, "")).isEqualTo("{}");
    }

    @Test
    void whatCannotBeMadeExactIsItsTextInFallbackForm() {
        assertThat(PgText.json(ValueForm.UNKNOWN_CAST, "happy")).isEqualTo(PgText.fallback("happy"));
        assertThat(PgText.json(ValueForm.array(ValueForm.JSON, ','), "{\"{\\\"a\\\": \\\"\\\\u0000\\\"}\"}"))
                .as("json that jsonb cannot hold, in an array")
                .startsWith("\u0000");
        assertThat(PgText.json(ValueForm.BOOL, "yes")).isEqualTo(PgText.fallback("yes"));
        // a top-level json value is its own text; RowImage checks what jsonb can hold
        assertThat(PgText.json(ValueForm.JSON, "{\"a\": 1}")).isEqualTo("{\"a\": 1}");
        assertThat(PgText.json(ValueForm.TEXT, "line\nbreak \"q\"")).isEqualTo("\"line\\nbreak \\\"q\\\"\"");
    }
}
