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

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.values.Json;
import org.audittrail.udf.values.PgText;
import org.audittrail.udf.values.ValueForm;
import org.junit.jupiter.api.Test;

/** Debezium records, built as Debezium 1.9 builds them for pgoutput, mapped to changes. */
class ChangeDeserializerTest {

    static final Schema SOURCE = SchemaBuilder.struct()
            .name("io.debezium.connector.postgresql.Source")
            .field("db", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();

    /** Every value as the source delivers it: the JSON text to_jsonb writes, in a string marked as such. */
    static final Schema JSON_TEXT = SchemaBuilder.string()
            .optional()
            .parameter(RowImage.JSON_TEXT, "true")
            .build();

    static final Schema ROW = SchemaBuilder.struct()
            .optional()
            .field("id", JSON_TEXT)
            .field("price", JSON_TEXT)
            .field("ratio", JSON_TEXT)
            .field("at", JSON_TEXT)
            .field("body", JSON_TEXT)
            .build();

    static final Schema ENVELOPE = SchemaBuilder.struct()
            .field("before", ROW)
            .field("after", ROW)
            .field("source", SOURCE)
            .field("op", Schema.STRING_SCHEMA)
            .build();

    static Struct source() {
        return new Struct(SOURCE)
                .put("db", "postgres")
                .put("schema", "public")
                .put("table", "items")
                .put("lsn", 4242L)
                .put("txId", 77L)
                .put("ts_ms", 1_700_000_000_123L);
    }

    static Struct row(int id, String body) {
        return new Struct(ROW)
                .put("id", String.valueOf(id))
                .put("price", "19.90")
                .put("ratio", "12345678901234567890.000000000000000001")
                .put("at", "\"2023-11-14T22:13:20.123456\"")
                .put(
                        "body",
                        body == null
                                ? null
                                : Json.write(Json.MAPPER.getNodeFactory().textNode(body)));
    }

    static SourceRecord record(String op, Struct before, Struct after, Struct key) {
        Struct value = new Struct(ENVELOPE)
                .put("op", op)
                .put("source", source())
                .put("before", before)
                .put("after", after);
        return new SourceRecord(Map.of(), Map.of(), "t", key == null ? null : key.schema(), key, ENVELOPE, value);
    }

    static Struct key(int id) {
        Schema schema = SchemaBuilder.struct().field("id", JSON_TEXT).build();
        return new Struct(schema).put("id", String.valueOf(id));
    }

    static List<Change> deserialize(SourceRecord record) {
        return deserialize(new ChangeDeserializer(), record);
    }

    static List<Change> deserialize(ChangeDeserializer deserializer, SourceRecord record) {
        List<Change> out = new ArrayList<>();
        deserializer.deserialize(record, new Collector<>() {
            @Override
            public void collect(Change change) {
                out.add(change);
            }

            @Override
            public void close() {}
        });
        return out;
    }

    @Test
    void aTruncateHasNoKeyAndEmptyImages() {
        // Debezium's truncate record (truncate.handling.mode=include): no key, no before, no after
        Change c = deserialize(record("t", null, null, null)).get(0);
        assertThat(c.operation).isEqualTo(Operation.TRUNCATE);
        assertThat(c.table).isEqualTo("items");
        assertThat(c.primaryKey).isNull();
        assertThat(c.before).isEqualTo("{}");
        assertThat(c.after).isEqualTo("{}");
        assertThat(c.context).isEqualTo("{}");
        assertThat(c.partial).isFalse();
        assertThat(c.position).isEqualTo(4242L);
        assertThat(c.transactionId).isEqualTo(77L);
    }

    @Test
    void createHasAnEmptyBeforeAndExactValues() throws Exception {
        Change c = deserialize(record("c", null, row(1, "x"), key(1))).get(0);
        assertThat(c.operation).isEqualTo(Operation.CREATE);
        assertThat(c.database).isEqualTo("postgres");
        assertThat(c.schema).isEqualTo("public");
        assertThat(c.table).isEqualTo("items");
        assertThat(c.primaryKey).isEqualTo("1");
        assertThat(c.position).isEqualTo(4242L);
        assertThat(c.transactionId).isEqualTo(77L);
        assertThat(c.committedAt).isEqualTo(1_700_000_000_123_000L);
        assertThat(c.queuedAt).isGreaterThan(c.committedAt);
        assertThat(c.before).isEqualTo("{}");
        assertThat(c.context).isEqualTo("{}");
        assertThat(c.after)
                .isEqualTo("{\"id\":1,\"price\":19.90,\"ratio\":12345678901234567890.000000000000000001,"
                        + "\"at\":\"2023-11-14T22:13:20.123456\",\"body\":\"x\"}");
    }

    @Test
    void deleteHasAnEmptyAfter() {
        Change c = deserialize(record("d", row(1, "x"), null, key(1))).get(0);
        assertThat(c.operation).isEqualTo(Operation.DELETE);
        assertThat(c.after).isEqualTo("{}");
        assertThat(c.before).contains("\"id\":1");
    }

    @Test
    void updateFillsAnUnreadableToastedValueFromBefore() {
        // the source's marker for an unchanged TOASTed value, where the old tuple has it (REPLICA IDENTITY FULL)
        Change c = deserialize(record("u", row(1, "large text"), row(1, null).put("body", RowImage.ABSENT), key(1)))
                .get(0);
        assertThat(c.operation).isEqualTo(Operation.UPDATE);
        assertThat(c.after).contains("\"body\":\"large text\"").doesNotContain("absent");
        assertThat(c.partial).isFalse();
    }

    @Test
    void valuesTheWalDidNotCarryAreLeftOutAndTheChangeMarkedPartial() {
        // REPLICA IDENTITY DEFAULT: the old row's key only, the unchanged TOASTed value nowhere
        Struct keyOnly = new Struct(ROW)
                .put("id", "1")
                .put("price", RowImage.ABSENT)
                .put("ratio", RowImage.ABSENT)
                .put("at", RowImage.ABSENT)
                .put("body", RowImage.ABSENT);
        Change delete = deserialize(record("d", keyOnly, null, key(1))).get(0);
        assertThat(delete.before).isEqualTo("{\"id\":1}");
        assertThat(delete.partial).isTrue();
        Change update = deserialize(record("u", null, row(1, null).put("body", RowImage.ABSENT), key(1)))
                .get(0);
        assertThat(update.before).as("no old row").isEqualTo("{}");
        assertThat(update.after).doesNotContain("body").contains("\"price\":19.90");
        assertThat(update.partial).isTrue();
        assertThat(update.primaryKey).isEqualTo("1");
        // a complete change is not
        assertThat(deserialize(record("u", row(1, "a"), row(1, "b"), key(1))).get(0).partial)
                .isFalse();
        assertThat(deserialize(record("d", row(1, null), null, key(1))).get(0).partial)
                .isFalse();
    }

    @Test
    void anUpdateWhoseOldKeyTheWalDidNotCarryIsOneUpdate() {
        // REPLICA IDENTITY USING INDEX on columns other than the primary key: Debezium splits the UPDATE, as the old
        // key (unknown) differs from the new one
        Struct unknown = key(1).put("id", RowImage.ABSENT);
        Struct old = new Struct(ROW)
                .put("id", RowImage.ABSENT)
                .put("price", "10.00")
                .put("ratio", RowImage.ABSENT)
                .put("at", RowImage.ABSENT)
                .put("body", RowImage.ABSENT);
        SourceRecord delete = record("d", old, null, unknown);
        delete.headers().add(ChangeDeserializer.NEW_KEY_HEADER, key(1), key(1).schema());
        SourceRecord create = record("c", null, row(1, "x"), key(1));
        create.headers().add(ChangeDeserializer.OLD_KEY_HEADER, unknown, unknown.schema());
        ChangeDeserializer deserializer = new ChangeDeserializer();
        List<Change> out = new ArrayList<>();
        Collector<Change> collector = new Collector<>() {
            @Override
            public void collect(Change change) {
                out.add(change);
            }

            @Override
            public void close() {}
        };
        deserializer.deserialize(delete, collector);
        deserializer.deserialize(create, collector);
        assertThat(out).singleElement().satisfies(c -> {
            assertThat(c.operation).isEqualTo(Operation.UPDATE);
            assertThat(c.primaryKey).isEqualTo("1");
            assertThat(c.before).isEqualTo("{\"price\":10.00}");
            assertThat(c.after).contains("\"body\":\"x\"");
            assertThat(c.partial).isTrue();
        });
        // a DELETE whose key the WAL did not carry: no primary key rather than a wrong one
        Change alone = deserialize(record("d", old, null, unknown)).get(0);
        assertThat(alone.operation).isEqualTo(Operation.DELETE);
        assertThat(alone.primaryKey).isNull();
        assertThat(alone.partial).isTrue();
    }

    @Test
    void rowsAndMessagesNameTheirValuesInFallbackForm() {
        assertThat(deserialize(record("c", null, row(1, "x"), key(1))).get(0).fallbackColumns)
                .isNull();
        // a context is passed on as sent; the stitcher reads it (ContextStitcherTest)
        Change sent = deserialize(message("_bemi", "{\"a\":\"\\u0000\"}")).get(0);
        assertThat(sent.fallbackColumns).isNull();
        assertThat(sent.context).isEqualTo("{\"a\":\"\\u0000\"}");

        Schema documents = SchemaBuilder.struct()
                .optional()
                .field("id", JSON_TEXT)
                .field("j", JSON_TEXT)
                .build();
        Schema envelope = SchemaBuilder.struct()
                .field("before", documents)
                .field("after", documents)
                .field("source", SOURCE)
                .field("op", Schema.STRING_SCHEMA)
                .build();
        Struct before = new Struct(documents).put("id", "1").put("j", PgText.json(ValueForm.JSON, "{\"k\\u0000\": 1}"));
        Struct after =
                new Struct(documents).put("id", "1").put("j", PgText.json(ValueForm.JSON, "{\"k\": \"\\u0000\"}"));
        Struct value = new Struct(envelope)
                .put("op", "u")
                .put("source", source())
                .put("before", before)
                .put("after", after);
        Change update = deserialize(new SourceRecord(Map.of(), Map.of(), "t", key(1).schema(), key(1), envelope, value))
                .get(0);
        assertThat(update.fallbackColumns)
                .as("once, though in before and after")
                .containsExactly("j");
        assertThat(update.before).isEqualTo("{\"id\":1,\"j\":\"{\\\"k\\\\u0000\\\": 1}\"}");
        assertThat(update.after).isEqualTo("{\"id\":1,\"j\":\"{\\\"k\\\": \\\"\\\\u0000\\\"}\"}");
    }

    @Test
    void primaryKeyIsNeverCutInsideACharacter() {
        Schema text = SchemaBuilder.struct().field("code", JSON_TEXT).build();
        String key = "k".repeat(254) + "\uD83D\uDE00" + "k";
        assertThat(ChangeDeserializer.primaryKey(new Struct(text).put("code", "\"" + key + "\"")))
                .isEqualTo("k".repeat(254));
    }

    @Test
    void primaryKeyTextReadWithoutAParserIsTheTextTheTreeGave() throws Exception {
        // the text is part of the change id: the short way must give what the tree gave before it, or nothing
        for (String json : List.of(
                "26",
                "-7",
                "0",
                "true",
                "\"abc\"",
                "\"\"",
                "\"é ✓\"",
                "\"a\\\"b\"",
                "\"a\\nb\"",
                "1.50",
                "1e3",
                "-0.0",
                "123456789012345678901234567890",
                "\"2024-01-02T08:49:05+00:00\"",
                "null",
                "[1,2]")) {
            String single = ChangeDeserializer.plainKeyText(json, false);
            String quoted = ChangeDeserializer.plainKeyText(json, true);
            var tree = Json.parseValue(json);
            if (single != null) {
                assertThat(single).as(json).isEqualTo(tree.asText());
            }
            if (quoted != null) {
                assertThat(quoted).as(json).isEqualTo(Json.write(tree));
            }
        }
        assertThat(ChangeDeserializer.plainKeyText("26", false)).isEqualTo("26");
        assertThat(ChangeDeserializer.plainKeyText("\"abc\"", false)).isEqualTo("abc");
        assertThat(ChangeDeserializer.plainKeyText("\"a\\\"b\"", false))
                .as("escapes take the tree")
                .isNull();
    }

    @Test
    void rowMessagesAreReadWithOrWithoutEscapes() {
        assertThat(ChangeDeserializer.rowNames("[\"INSERT\", \"public\", \"todo\"]"))
                .containsExactly("INSERT", "public", "todo");
        assertThat(ChangeDeserializer.rowNames("[\"UPDATE\", \"my schema\", \"a\\\"b\"]"))
                .containsExactly("UPDATE", "my schema", "a\"b");
        assertThat(ChangeDeserializer.rowNames("[\"UPDATE\", \"x\"]")).isNull();
        assertThat(ChangeDeserializer.rowNames("[\"UPDATE\", \"x\", \"y\", \"z\"]"))
                .isNull();
        assertThat(ChangeDeserializer.rowNames("[\"INSERT\", \"\", \"\"]")).containsExactly("INSERT", "", "");
        assertThat(ChangeDeserializer.rowNames("not json")).isNull();
        // setup's trigger sends a row's context with its name, after a line break, passed on as sent
        Change named = deserialize(
                        message(ChangeDeserializer.ROW_PREFIX, "[\"DELETE\", \"public\", \"todo\"]\n{\"a\": \"x\ny\"}"))
                .get(0);
        assertThat(named.operation).isEqualTo(Operation.ROW_DELETE);
        assertThat(named.table).isEqualTo("todo");
        assertThat(named.context).isEqualTo("{\"a\": \"x\ny\"}");
        assertThat(deserialize(message(ChangeDeserializer.ROW_PREFIX, "[\"INSERT\", \"public\", \"todo\"]"))
                        .get(0)
                        .context)
                .isNull();
    }

    @Test
    void primaryKeyTextForNoneOneAndManyColumns() {
        assertThat(ChangeDeserializer.primaryKey(null)).isNull();
        assertThat(ChangeDeserializer.primaryKey(key(26))).isEqualTo("26");
        Schema composite = SchemaBuilder.struct()
                .field("tag", JSON_TEXT)
                .field("todo_id", JSON_TEXT)
                .build();
        assertThat(ChangeDeserializer.primaryKey(
                        new Struct(composite).put("tag", "\"a,\\\"b\\\"\"").put("todo_id", "7")))
                .isEqualTo("[\"a,\\\"b\\\"\",7]");
        Schema text = SchemaBuilder.struct().field("code", JSON_TEXT).build();
        assertThat(ChangeDeserializer.primaryKey(new Struct(text).put("code", "\"" + "k".repeat(300) + "\"")))
                .hasSize(255);
        assertThat(ChangeDeserializer.primaryKey(new Struct(text).put("code", "\"abc\"")))
                .isEqualTo("abc");
    }

    @Test
    void bemiMessagesBecomeContextMessagesAndOtherPrefixesAreIgnored() {
        assertThat(deserialize(message("_bemi", "{\"user_id\":187234,\"SQL\":\"INSERT ...\"}")))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.operation).isEqualTo(Operation.MESSAGE);
                    assertThat(m.context).isEqualTo("{\"user_id\":187234,\"SQL\":\"INSERT ...\"}");
                    assertThat(m.transactionId).isEqualTo(77L);
                    assertThat(m.position).isEqualTo(4242L);
                });
        assertThat(deserialize(message("other", "{}"))).isEmpty();
    }

    @Test
    void rowMessagesNameTheirRowsOperationAndTable() {
        assertThat(deserialize(message("audit-trail-row", "[\"UPDATE\", \"sales\", \"ünï \\\"x\\\"\"]")))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.operation).isEqualTo(Operation.ROW_UPDATE);
                    assertThat(m.schema).isEqualTo("sales");
                    assertThat(m.table).isEqualTo("ünï \"x\"");
                    assertThat(m.transactionId).isEqualTo(77L);
                });
        // setup's truncate trigger names the table truncated
        assertThat(deserialize(message("audit-trail-row", "[\"TRUNCATE\", \"public\", \"t\"]\n{\"a\": 1}")))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.operation).isEqualTo(Operation.ROW_TRUNCATE);
                    assertThat(m.table).isEqualTo("t");
                    assertThat(m.context).isEqualTo("{\"a\": 1}");
                });
        // not written by setup's triggers: dropped, so no context can follow it astray
        assertThat(deserialize(message("audit-trail-row", "[\"MERGE\", \"public\", \"t\"]")))
                .isEmpty();
        assertThat(deserialize(message("audit-trail-row", "not json"))).isEmpty();
    }

    @Test
    void schemaMessagesNameTheirTableAndCarryTheDdlAndItsContext() {
        String ddl =
                "{\"command\" : \"ALTER TABLE\", \"schema\" : \"sales\", \"table\" : \"orders\", \"relation\" : 16384,"
                        + " \"columns\" : [{\"name\" : \"id\", \"type\" : \"integer\", \"number\" : 1}]}";
        assertThat(deserialize(message(ChangeDeserializer.SCHEMA_PREFIX, ddl + "\n{\"user_id\": 7}")))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.operation).isEqualTo(Operation.SCHEMA);
                    assertThat(m.schema).isEqualTo("sales");
                    assertThat(m.table).isEqualTo("orders");
                    assertThat(Json.parse(m.after)).isEqualTo(Json.parse(ddl));
                    assertThat(m.context).isEqualTo("{\"user_id\": 7}");
                    assertThat(m.transactionId).isEqualTo(77L);
                    assertThat(m.position).isEqualTo(4242L);
                });
        assertThat(deserialize(message(ChangeDeserializer.SCHEMA_PREFIX, ddl)))
                .singleElement()
                .satisfies(m -> assertThat(m.context).isNull());
        // not what setup's trigger writes: dropped
        assertThat(deserialize(message(ChangeDeserializer.SCHEMA_PREFIX, "{\"command\": \"ALTER TABLE\"}")))
                .isEmpty();
        assertThat(deserialize(message(ChangeDeserializer.SCHEMA_PREFIX, "not json")))
                .isEmpty();
    }

    @Test
    void snapshotReadsAreBaselinesOfTheirRecordAndHeartbeatsAreSkipped() {
        List<Change> read = deserialize(
                new ChangeDeserializer(Map.of("public.items", 1_700_000_000_000_000L)),
                record("r", null, row(1, "x"), key(1)));
        assertThat(read).singleElement().satisfies(c -> {
            assertThat(c.operation).isEqualTo(Operation.SNAPSHOT);
            assertThat(c.committedAt).as("its table's baseline moment").isEqualTo(1_700_000_000_000_000L);
            assertThat(c.position).isZero();
            assertThat(c.transactionId).isZero();
            assertThat(c.before).isEqualTo("{}");
            assertThat(c.primaryKey).isEqualTo("1");
        });
        Schema heartbeat =
                SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
        assertThat(deserialize(new SourceRecord(
                        Map.of(), Map.of(), "h", null, null, heartbeat, new Struct(heartbeat).put("ts_ms", 1L))))
                .isEmpty();
    }

    @Test
    void theJobsHeartbeatCarriesItsTimeAndAnOlderOneWithoutIsSkipped() {
        List<Change> heartbeat = deserialize(message(ChangeDeserializer.HEARTBEAT_PREFIX, "1700000000123456"));
        assertThat(heartbeat).hasSize(1);
        assertThat(heartbeat.get(0).operation).isEqualTo(Operation.HEARTBEAT);
        assertThat(heartbeat.get(0).committedAt).isEqualTo(1_700_000_000_123_456L);
        assertThat(deserialize(message(ChangeDeserializer.HEARTBEAT_PREFIX, "")))
                .isEmpty();
    }

    static SourceRecord message(String prefix, String content) {
        Schema block = SchemaBuilder.struct()
                .field("prefix", Schema.OPTIONAL_STRING_SCHEMA)
                .field("content", Schema.OPTIONAL_BYTES_SCHEMA)
                .build();
        Schema value = SchemaBuilder.struct()
                .name("io.debezium.connector.postgresql.MessageValue")
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("source", SOURCE)
                .field("message", block)
                .build();
        Struct struct = new Struct(value)
                .put("op", "m")
                .put("source", source())
                .put(
                        "message",
                        new Struct(block)
                                .put("prefix", prefix)
                                .put("content", ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8))));
        return new SourceRecord(Map.of(), Map.of(), "m", null, null, value, struct);
    }
}
