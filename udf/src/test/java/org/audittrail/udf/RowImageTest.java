package org.audittrail.udf;

import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.time.Date;
import io.debezium.time.MicroTime;
import io.debezium.time.MicroTimestamp;
import io.debezium.time.NanoTime;
import io.debezium.time.Time;
import io.debezium.time.Timestamp;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Row values at the edges of their types: each stored exactly, or in its fallback form with its column named. */
class RowImageTest {

    /** The stored JSON of a one-column row {@code v} of {@code schema}, and the columns it marked as fallback. */
    static String[] image(Schema schema, Object value) {
        Schema row = SchemaBuilder.struct().field("v", schema).build();
        Change change = new Change();
        String json = Json.write(RowImage.of(new Struct(row).put("v", value), change));
        return new String[] {json, change.fallbackColumns == null ? "" : String.join(",", change.fallbackColumns)};
    }

    static Schema json() {
        return io.debezium.data.Json.builder().optional().build();
    }

    @Test
    void midnightAtTheEndOfTheDayIsStoredAsPostgreSQLWritesIt() {
        // '24:00:00', also what '23:59:59.9999999' rounds to; Debezium sends it as a full day
        assertThat(image(MicroTime.builder().build(), 86_400_000_000L)).containsExactly("{\"v\":\"24:00:00\"}", "");
        assertThat(image(Time.builder().build(), 86_400_000)).containsExactly("{\"v\":\"24:00:00\"}", "");
        assertThat(image(NanoTime.builder().build(), 86_400_000_000_000L)).containsExactly("{\"v\":\"24:00:00\"}", "");
        assertThat(image(MicroTime.builder().build(), 86_399_999_999L)).containsExactly("{\"v\":\"23:59:59.999999\"}", "");
        assertThat(image(SchemaBuilder.array(MicroTime.builder().optional().build()).build(), List.of(86_400_000_000L, 0L)))
                .containsExactly("{\"v\":[\"24:00:00\",\"00:00:00\"]}", "");
    }

    @Test
    void timestampsBeyondTheNanosecondRangeKeepTheirValue() {
        // 2300-01-01T00:00:00.5 and 1500-01-01: beyond what a long of nanoseconds holds
        assertThat(image(MicroTimestamp.builder().build(), 10_413_792_000_500_000L))
                .containsExactly("{\"v\":\"2300-01-01T00:00:00.5\"}", "");
        assertThat(image(MicroTimestamp.builder().build(), -14_831_769_600_000_000L))
                .containsExactly("{\"v\":\"1500-01-01T00:00:00\"}", "");
        assertThat(image(Timestamp.builder().build(), 10_413_792_000_500L)).containsExactly("{\"v\":\"2300-01-01T00:00:00.5\"}", "");
    }

    @Test
    void infinitiesAreStoredAsToJsonbWritesThem() {
        // the values Debezium 1.9 sends for 'infinity' and '-infinity'
        assertThat(image(Date.builder().build(), (int) PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE.toEpochDay())).containsExactly("{\"v\":\"infinity\"}", "");
        assertThat(image(Date.builder().build(), (int) PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE.toEpochDay())).containsExactly("{\"v\":\"-infinity\"}", "");
        assertThat(image(MicroTimestamp.builder().build(), 9_223_372_036_825_200_000L)).containsExactly("{\"v\":\"infinity\"}", "");
        assertThat(image(MicroTimestamp.builder().build(), -9_223_372_036_832_400_000L)).containsExactly("{\"v\":\"-infinity\"}", "");
        assertThat(image(Timestamp.builder().build(), 9_223_372_036_825_200L)).containsExactly("{\"v\":\"infinity\"}", "");
    }

    @Test
    void numericBeyondJacksonsPlainScaleIsStoredExactlyInExponentForm() {
        BigDecimal tiny = new BigDecimal("1E-16000");
        // as the source delivers a numeric: PostgreSQL's text, with Debezium's parameter naming the type
        Schema numeric = SchemaBuilder.string().optional().parameter(RowImage.SOURCE_TYPE, "NUMERIC").build();
        String[] stored = image(numeric, tiny.toPlainString());
        assertThat(stored).containsExactly("{\"v\":1E-16000}", "");
        BigDecimal plain = new BigDecimal("1E-9999");
        assertThat(image(numeric, plain.toPlainString())[0])
                .startsWith("{\"v\":0.0000").endsWith("1}").hasSize(9999 + 8);
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
                "[".repeat(2000) + "]".repeat(2000),           // beyond Jackson's nesting
                "{\"n\": " + "9".repeat(1500) + "}")) {       // beyond Jackson's number length
            assertThat(image(json(), text)).as(text).containsExactly(Json.write(Json.object().put("v", text)), "v");
        }
    }

    @Test
    void jsonThatJsonbCanHoldIsNestedExactly() {
        assertThat(image(json(), "{\"a\": \"\\ud83d\\ude00 \\u0001\", \"n\": 1e-16000, \"b\": 1.50}"))
                .containsExactly("{\"v\":{\"a\":\"\uD83D\uDE00 \\u0001\",\"n\":1E-16000,\"b\":1.50}}", "");
    }

    @Test
    void jsonNumbersBeyondDoublesRangeKeepEveryDigit() {
        // Jackson's own tree reader makes Infinity of them
        assertThat(image(json(), "[1e400, -1.5e-400]"))
                .containsExactly("{\"v\":[1" + "0".repeat(400) + ",-0.000" + "0".repeat(396) + "15]}", "");
    }

    @Test
    void aValueOfAnUnforeseenShapeIsKeptAsTextRatherThanStoppingTheJob() {
        // a Debezium time as a string where a number is expected
        assertThat(image(SchemaBuilder.string().name(MicroTime.SCHEMA_NAME).build(), "13:14:15"))
                .containsExactly("{\"v\":\"13:14:15\"}", "v");
    }
}
