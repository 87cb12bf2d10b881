package org.audittrail.udf;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Row values at the edges of their types: each stored exactly, or in its fallback form with its column named. */
class RowImageTest {

    /** A column as the source delivers it: the JSON text to_jsonb writes, in a string marked as such. */
    static final Schema JSON_TEXT = SchemaBuilder.string().optional().parameter(RowImage.JSON_TEXT, "true").build();

    /** The stored JSON of a one-column row {@code v} of {@code schema}, and the columns it marked as fallback. */
    static String[] image(Schema schema, Object value) {
        Schema row = SchemaBuilder.struct().field("v", schema).build();
        Change change = new Change();
        String json = Json.write(RowImage.of(new Struct(row).put("v", value), change));
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
        // numeric's extremes: 131072 digits before the point, 16383 after
        String big = "9".repeat(131_072);
        assertThat(image(big)[0]).isEqualTo("{\"v\":" + big + "}");
        String tiny = "0." + "0".repeat(16_382) + "1";
        assertThat(image(tiny)).containsExactly("{\"v\":1E-16383}", "");
        BigDecimal plain = new BigDecimal("1E-9999");
        assertThat(image(plain.toPlainString())[0]).startsWith("{\"v\":0.0000").endsWith("1}").hasSize(9999 + 8);
    }

    @Test
    void jsonThatJsonbCannotHoldIsStoredAsItsText() {
        for (String text : List.of(
                "{\"a\": \"\\u0000\"}",                       // U+0000 in a value
                "{\"a\\u0000\": 1}",                           // in a key
                "[{\"deep\": [\"x\\u0000y\"]}]",               // nested
                "\"\\ud800\"",                                 // an unpaired surrogate
                "{\"n\": 1e-20000}",                           // beyond numeric's scale
                "{\"n\": 1e131072}",                           // beyond numeric's integer digits
                "{\"n\": 1e99999999999}",                      // beyond BigDecimal
                "[".repeat(2000) + "]".repeat(2000))) {       // beyond Jackson's nesting
            assertThat(image(text)).as(text).containsExactly(Json.write(Json.object().put("v", text)), "v");
        }
    }

    @Test
    void jsonThatJsonbCanHoldIsNestedExactly() {
        assertThat(image("{\"a\": \"\\ud83d\\ude00 \\u0001\", \"n\": 1e-16000, \"b\": 1.50}"))
                .containsExactly("{\"v\":{\"a\":\"\uD83D\uDE00 \\u0001\",\"n\":1E-16000,\"b\":1.50}}", "");
        // a number of 1,500 digits: jsonb holds it, so it is stored exactly
        assertThat(image("{\"n\": " + "9".repeat(1500) + "}")).containsExactly("{\"v\":{\"n\":" + "9".repeat(1500) + "}}", "");
    }

    @Test
    void jsonNumbersBeyondDoublesRangeKeepEveryDigit() {
        // Jackson's own tree reader makes Infinity of them
        assertThat(image("[1e400, -1.5e-400]"))
                .containsExactly("{\"v\":[1" + "0".repeat(400) + ",-0.000" + "0".repeat(396) + "15]}", "");
    }

    @Test
    void aValueInFallbackFormIsItsTextWithItsColumnNamed() {
        assertThat(image(PgText.fallback("happy"))).containsExactly("{\"v\":\"happy\"}", "v");
        // text of a shape not foreseen: kept rather than stopping the job
        assertThat(image("13:14:15")).containsExactly("{\"v\":\"13:14:15\"}", "v");
    }

    @Test
    void anUnchangedToastedValueIsFilledFromBefore() {
        Schema row = SchemaBuilder.struct().field("v", JSON_TEXT).build();
        var before = RowImage.of(new Struct(row).put("v", "\"large\""));
        var after = RowImage.of(new Struct(row).put("v", "\"" + RowImage.UNAVAILABLE + "\""));
        RowImage.fillUnavailable(after, before);
        assertThat(Json.write(after)).isEqualTo("{\"v\":\"large\"}");
    }
}
