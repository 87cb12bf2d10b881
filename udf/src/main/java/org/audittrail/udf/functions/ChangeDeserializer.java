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

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.values.Json;

/** Maps a Debezium record of the WAL to a {@link Change}: row changes, and {@code _bemi} context messages. */
public class ChangeDeserializer implements DebeziumDeserializationSchema<Change> {

    private static final long serialVersionUID = 1L;

    /** Prefix of the logical decoding messages that carry application context. */
    public static final String CONTEXT_PREFIX = "_bemi";

    /** Prefix of the messages setup's row trigger writes before a row's context: {@code ["INSERT", "schema", "table"]}. */
    public static final String ROW_PREFIX = "audit-trail-row";

    /**
     * Prefix of the job's heartbeat messages, written into the WAL outside any transaction with the time of writing
     * (microseconds since the epoch) as content: while no tracked table changes, they move the watermark on.
     */
    public static final String HEARTBEAT_PREFIX = "audit-trail-heartbeat";

    /**
     * Prefix of the messages setup's schema trigger writes for each DDL on a table: a JSON object (command, schema, table,
     * relation, columns), then, after a line break, the statement's context as sent, if it has one.
     */
    public static final String SCHEMA_PREFIX = "audit-trail-schema";

    /** Longest text stored in {@code changes.primary_key}, a varchar(255). */
    static final int PRIMARY_KEY_LENGTH = 255;

    /** Headers Debezium puts on the two halves of an UPDATE it split for a changed key. */
    static final String NEW_KEY_HEADER = "__debezium.newkey";

    static final String OLD_KEY_HEADER = "__debezium.oldkey";

    /** The DELETE half of a split UPDATE whose old key the WAL did not carry, until its CREATE half comes. */
    private transient Change heldDelete;

    /** Per {@code schema.table}, the moment (microseconds) its baseline snapshot rows are stamped with. */
    private final Map<String, Long> baselineMoments;

    /** A deserializer without baseline snapshot. */
    public ChangeDeserializer() {
        this(Map.of());
    }

    /**
     * {@code baselineMoments}: per {@code schema.table}, the moment its snapshot rows are stamped with, the same at every
     * restore, so a row read again after a restore is the same row; a table not in it takes the time of its reading.
     */
    public ChangeDeserializer(Map<String, Long> baselineMoments) {
        this.baselineMoments = new HashMap<>(baselineMoments);
    }

    @Override
    public void deserialize(SourceRecord record, Collector<Change> out) {
        Struct value = (Struct) record.value();
        if (value == null || value.schema().field("op") == null) {
            return; // tombstones, heartbeats and schema events carry no change
        }
        Change change =
                switch (value.getString("op")) {
                    case "c" -> row(record, value, Operation.CREATE);
                    case "u" -> row(record, value, Operation.UPDATE);
                    case "d" -> row(record, value, Operation.DELETE);
                    case "t" -> row(record, value, Operation.TRUNCATE);
                    case "m" -> message(value);
                    case "r" -> baseline(record, value);
                    default -> null;
                };
        if (change != null) {
            out.collect(change);
        }
    }

    private Change row(SourceRecord record, Struct value, Operation operation) {
        Change change = positioned(value, operation);
        Struct before = struct(value, "before");
        change.before = operation == Operation.CREATE ? Json.EMPTY_OBJECT : RowImage.json(before, null, change);
        if (before == null && (operation == Operation.UPDATE || operation == Operation.DELETE)) {
            change.partial = true; // the WAL carried no old row (replica identity not FULL): an empty image, not a row
        }
        change.after = operation == Operation.DELETE
                ? Json.EMPTY_OBJECT
                : RowImage.json(struct(value, "after"), operation == Operation.UPDATE ? before : null, change);
        change.primaryKey = primaryKey((Struct) record.key());
        change.context = Json.EMPTY_OBJECT;
        return unknownKeyChange(record, change);
    }

    /**
     * A row the baseline snapshot read (or its state at the end of its chunk's reading, where the WAL changed it
     * meanwhile): no transaction, no WAL position, its table's baseline moment; so its id names only its record.
     */
    private Change baseline(SourceRecord record, Struct value) {
        Change change = positioned(value, Operation.SNAPSHOT);
        change.position = 0;
        change.transactionId = 0;
        Long moment = baselineMoments.get(change.schema + "." + change.table);
        if (moment != null) {
            change.committedAt = moment;
        }
        change.before = Json.EMPTY_OBJECT;
        change.after = RowImage.json(struct(value, "after"), null, change);
        change.primaryKey = primaryKey((Struct) record.key());
        change.context = Json.EMPTY_OBJECT;
        return change;
    }

    /**
     * The start of a baseline snapshot chunk of {@code schema.table} in {@code database}: its split and key range as the
     * JSON {@code range} ({"split", "columns", "start", "end"}), stamped with its table's baseline moment.
     */
    public Change chunk(String database, String schema, String table, String range) {
        Change change = new Change();
        change.operation = Operation.SNAPSHOT_CHUNK;
        change.database = database;
        change.schema = schema;
        change.table = table;
        Long moment = baselineMoments.get(schema + "." + table);
        change.committedAt = moment != null ? moment : nowMicros();
        change.queuedAt = nowMicros();
        change.before = Json.EMPTY_OBJECT;
        change.after = range;
        change.context = Json.EMPTY_OBJECT;
        return change;
    }

    /**
     * The end of a baseline chunk's rows ({@code after} names no split), which the source sends at the chunk's high
     * watermark: stamped with the latest baseline moment; null where no table has one (no baseline).
     */
    public Change baselineEnd(String database) {
        if (baselineMoments.isEmpty()) {
            return null;
        }
        Change change = chunk(database, "", "", END_OF_CHUNKS);
        change.committedAt = java.util.Collections.max(baselineMoments.values());
        return change;
    }

    /** The range of {@link #baselineEnd}. */
    public static final String END_OF_CHUNKS = "{\"end\": true}";

    /**
     * Debezium splits an UPDATE whose old key differs from its new one into a DELETE and a CREATE. Where the old row
     * came without the primary key (replica identity USING an index the key is not in), the old key is unknown, not
     * different: the DELETE is held back and the CREATE stored as the UPDATE it is, with the DELETE's (partial) before.
     * Null for the held DELETE.
     */
    private Change unknownKeyChange(SourceRecord record, Change change) {
        if (change.operation == Operation.DELETE
                && hasAbsentValue((Struct) record.key())
                && record.headers().lastWithName(NEW_KEY_HEADER) != null) {
            heldDelete = change;
            return null;
        }
        Change held = heldDelete;
        heldDelete = null;
        Header oldKey = record.headers().lastWithName(OLD_KEY_HEADER);
        if (change.operation != Operation.CREATE
                || oldKey == null
                || !(oldKey.value() instanceof Struct key)
                || !hasAbsentValue(key)) {
            return change;
        }
        change.operation = Operation.UPDATE;
        change.partial = true;
        if (held != null
                && held.position == change.position
                && held.transactionId == change.transactionId
                && held.table.equals(change.table)
                && held.schema.equals(change.schema)) {
            change.before = held.before;
            if (held.fallbackColumns != null) {
                for (String column : held.fallbackColumns) {
                    change.markFallback(column);
                }
            }
        }
        return change;
    }

    private static boolean hasAbsentValue(Struct key) {
        if (key == null) {
            return false;
        }
        for (Field field : key.schema().fields()) {
            if (RowImage.isAbsent(key.get(field))) {
                return true;
            }
        }
        return false;
    }

    private static Change message(Struct value) {
        Struct message = value.getStruct("message");
        String prefix = message.getString("prefix");
        if (ROW_PREFIX.equals(prefix)) {
            return rowMessage(value, text(message.get("content")));
        }
        if (HEARTBEAT_PREFIX.equals(prefix)) {
            return heartbeat(value, text(message.get("content")));
        }
        if (SCHEMA_PREFIX.equals(prefix)) {
            return schemaChange(value, text(message.get("content")));
        }
        if (!CONTEXT_PREFIX.equals(prefix)) {
            return null;
        }
        Change change = positioned(value, Operation.MESSAGE);
        change.before = Json.EMPTY_OBJECT;
        change.after = Json.EMPTY_OBJECT;
        // the text as sent: the stitcher, in parallel, reads it (Context.read), keeping this thread to decoding
        change.context = text(message.get("content"));
        return change;
    }

    /** A heartbeat with the time it was written; null for one without (an older job's, which wrote none). */
    private static Change heartbeat(Struct value, String content) {
        long written;
        try {
            written = Long.parseLong(content == null ? "" : content.trim());
        } catch (NumberFormatException e) {
            return null;
        }
        Change change = positioned(value, Operation.HEARTBEAT);
        change.committedAt = written;
        return change;
    }

    /**
     * A DDL: the table's schema and name, and the whole JSON object (command, relation, columns after it) as the change's
     * after; its context as sent (the stitcher reads it), if any; null if malformed.
     */
    private static Change schemaChange(Struct value, String content) {
        int lineBreak = content.indexOf('\n');
        JsonNode ddl;
        try {
            ddl = Json.parse(lineBreak < 0 ? content : content.substring(0, lineBreak));
        } catch (Exception e) {
            return null;
        }
        if (!ddl.isObject()
                || !ddl.path("schema").isTextual()
                || !ddl.path("table").isTextual()
                || !ddl.path("command").isTextual()
                || !ddl.path("columns").isArray()) {
            return null;
        }
        Change change = positioned(value, Operation.SCHEMA);
        change.schema = ddl.get("schema").textValue();
        change.table = ddl.get("table").textValue();
        change.before = Json.EMPTY_OBJECT;
        change.after = Json.write(ddl);
        change.context = lineBreak < 0 ? null : content.substring(lineBreak + 1);
        return change;
    }

    /**
     * A row message: the operation and table of the row whose change comes next, then, after a line break, the context
     * of its statement as sent (the stitcher reads it), if it has one; null if malformed. (An older setup's trigger sent
     * the context in a {@code _bemi} message of its own, just after.)
     */
    private static Change rowMessage(Struct value, String content) {
        int lineBreak = content.indexOf('\n');
        String[] row = rowNames(lineBreak < 0 ? content : content.substring(0, lineBreak));
        Operation operation = row == null ? null : Operation.ofTrigger(row[0]);
        if (operation == null) {
            return null; // not written by setup's trigger: a context then stays unattached rather than going astray
        }
        Change change = positioned(value, operation);
        change.schema = row[1];
        change.table = row[2];
        change.before = Json.EMPTY_OBJECT;
        change.after = Json.EMPTY_OBJECT;
        change.context = lineBreak < 0 ? null : content.substring(lineBreak + 1);
        return change;
    }

    private static final String SEPARATOR = "\", \"";

    /** The three strings of a row message, {@code ["INSERT", "public", "todo"]}; null where it is not that. */
    static String[] rowNames(String content) {
        if (content.indexOf('\\') < 0 && content.startsWith("[\"") && content.endsWith("\"]")) {
            // json_build_array's own layout, with no escapes: the common case, read without a parser
            // split by hand: String.split compiles a pattern for a separator longer than one character, per row
            int first = content.indexOf(SEPARATOR, 2);
            int second = first < 0 ? -1 : content.indexOf(SEPARATOR, first + SEPARATOR.length());
            int end = content.length() - 2;
            if (second >= 0 && second + SEPARATOR.length() <= end && content.indexOf(SEPARATOR, second + 1) < 0) {
                return new String[] {
                    content.substring(2, first),
                    content.substring(first + SEPARATOR.length(), second),
                    content.substring(second + SEPARATOR.length(), end)
                };
            }
        }
        JsonNode row;
        try {
            row = Json.parse(content);
        } catch (Exception e) {
            return null;
        }
        if (!row.isArray()
                || row.size() != 3
                || !row.get(0).isTextual()
                || !row.get(1).isTextual()
                || !row.get(2).isTextual()) {
            return null;
        }
        return new String[] {
            row.get(0).textValue(), row.get(1).textValue(), row.get(2).textValue()
        };
    }

    private static Change positioned(Struct value, Operation operation) {
        Struct source = value.getStruct("source");
        Change change = new Change();
        change.operation = operation;
        change.database = source.getString("db");
        change.schema = source.getString("schema");
        change.table = source.getString("table");
        change.position = orZero(source.getInt64("lsn"));
        change.transactionId = orZero(source.getInt64("txId"));
        change.committedAt = orZero(source.getInt64("ts_ms")) * 1_000L;
        change.queuedAt = nowMicros();
        return change;
    }

    /**
     * Text form of the primary key: the value of a one-column key, a JSON array of the values of a composite one; null
     * where the WAL did not carry it.
     */
    static String primaryKey(Struct key) {
        if (key == null || key.schema().fields().isEmpty() || hasAbsentValue(key)) {
            return null; // no key, or one the WAL did not carry
        }
        String text;
        if (key.schema().fields().size() == 1) {
            Field field = key.schema().fields().get(0);
            String plain = RowImage.isJsonText(field.schema()) ? plainKeyText(key.get(field), false) : null;
            text = plain != null ? plain : scalarText(keyValue(field, key));
        } else {
            text = compositeKeyText(key);
        }
        // the column is varchar(255): a longer key is cut rather than failing the write; the id keeps it whole
        if (text.length() <= PRIMARY_KEY_LENGTH) {
            return text;
        }
        // never half a surrogate pair, which would reach PostgreSQL as '?'
        int end = Character.isHighSurrogate(text.charAt(PRIMARY_KEY_LENGTH - 1))
                ? PRIMARY_KEY_LENGTH - 1
                : PRIMARY_KEY_LENGTH;
        return text.substring(0, end);
    }

    /** A composite key's JSON array, as Jackson wrote it from the values' trees (the text is part of the change id). */
    private static String compositeKeyText(Struct key) {
        StringBuilder out = new StringBuilder("[");
        for (Field field : key.schema().fields()) {
            if (out.length() > 1) {
                out.append(',');
            }
            String plain = RowImage.isJsonText(field.schema()) ? plainKeyText(key.get(field), true) : null;
            out.append(plain != null ? plain : Json.write(keyValue(field, key)));
        }
        return out.append(']').toString();
    }

    /**
     * A key value's text without a parser where that gives what the tree gave (a change id depends on it): an integer,
     * a boolean, or a string without escapes (quoted as JSON where {@code quoted}); null for anything else.
     */
    static String plainKeyText(Object value, boolean quoted) {
        if (!(value instanceof String text) || text.isEmpty() || text.indexOf('\\') >= 0) {
            return null;
        }
        char first = text.charAt(0);
        if (first == '"') {
            return text.length() >= 2 && text.charAt(text.length() - 1) == '"'
                    ? (quoted ? text : text.substring(1, text.length() - 1))
                    : null;
        }
        if (text.equals("true") || text.equals("false")) {
            return text;
        }
        int i = first == '-' ? 1 : 0;
        if (i == text.length() || text.length() - i > 18 || (text.charAt(i) == '0' && text.length() > i + 1)) {
            return null;
        }
        for (; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return null;
            }
        }
        return text;
    }

    private static JsonNode keyValue(Field field, Struct key) {
        try {
            return RowImage.value(field.schema(), key.get(field));
        } catch (RuntimeException e) {
            // a key value of a shape not foreseen: its text rather than stopping the job; the row keeps it in full
            return Json.MAPPER.getNodeFactory().textNode(String.valueOf(key.get(field)));
        }
    }

    private static String scalarText(JsonNode node) {
        // a number beyond Jackson's plain scale is a raw value: its JSON is its text
        return node.isValueNode() && !node.isNull() && !node.isPojo() ? node.asText() : Json.write(node);
    }

    private static Struct struct(Struct value, String name) {
        return value.schema().field(name) == null ? null : value.getStruct(name);
    }

    private static String text(Object content) {
        if (content == null) {
            return "";
        }
        if (content instanceof ByteBuffer) {
            ByteBuffer buffer = ((ByteBuffer) content).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (content instanceof byte[]) {
            return new String((byte[]) content, StandardCharsets.UTF_8);
        }
        return content.toString();
    }

    private static long orZero(Long value) {
        return value == null ? 0L : value;
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L;
    }

    @Override
    public TypeInformation<Change> getProducedType() {
        return TypeInformation.of(Change.class);
    }
}
