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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.values.Json;
import org.audittrail.udf.values.Jsonb;
import org.audittrail.udf.values.PgText;

/**
 * Turns a Debezium row image into the JSON stored in {@code before} and {@code after}: each value arrives as the JSON
 * text {@code to_jsonb} writes ({@link PgText}), or in its fallback form, and is written out as it comes, with no tree
 * in between; the destination's jsonb reads it.
 */
public final class RowImage {

    /**
     * The value of a column the WAL did not carry (a non-key column of a key-only old row, an unchanged TOASTed value
     * without an old row): the source writes it in place of the value's JSON text, and the column is left out of the
     * image, the change marked {@link Change#partial}. No JSON text starts with U+0000, nor any fallback form.
     */
    public static final String ABSENT = "\u0000absent";

    private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();
    private static final JsonStringEncoder STRINGS = JsonStringEncoder.getInstance();

    /** Column names as JSON strings with their colon: a table's few names, quoted once rather than once per row. */
    private static final Map<String, String> NAMES = new ConcurrentHashMap<>();

    private static final int MAX_NAMES = 100_000;

    private RowImage() {}

    /** The JSON object of a row image; {@code {}} for a missing one. */
    public static String json(Struct row) {
        return json(row, null, null);
    }

    /**
     * The JSON object of a row image, naming the columns stored in a fallback form in {@code change} (when not null);
     * a value the WAL did not carry ({@link #ABSENT}) takes its value in {@code previous} where that has it (an
     * unchanged TOASTed one), else its column is left out and {@code change} marked {@link Change#partial}.
     */
    public static String json(Struct row, Struct previous, Change change) {
        if (row == null) {
            return Json.EMPTY_OBJECT;
        }
        StringBuilder out = new StringBuilder(256).append('{');
        for (Field field : row.schema().fields()) {
            Object raw = row.get(field);
            if (isAbsent(raw)) {
                Field old = previous == null ? null : previous.schema().field(field.name());
                Object known = old == null ? null : previous.get(old);
                if (known == null || isAbsent(known)) {
                    // null in previous may be a NULL or the old row not carried: unknown either way
                    if (change != null) {
                        change.partial = true;
                    }
                    continue;
                }
                raw = known;
            }
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(name(field.name()));
            value(out, field.schema(), raw, change, field.name());
        }
        return out.append('}').toString();
    }

    /**
     * Whether a value is one the WAL did not carry. (Debezium's own placeholder, the string
     * {@code __debezium_unavailable_value}, is never produced: the source writes {@link #ABSENT}, and a text column may
     * well hold that string.)
     */
    public static boolean isAbsent(Object raw) {
        return ABSENT.equals(raw);
    }

    private static String name(String name) {
        String quoted = NAMES.get(name);
        if (quoted == null) {
            StringBuilder sb = new StringBuilder(name.length() + 3).append('"');
            STRINGS.quoteAsString(name, sb);
            quoted = sb.append("\":").toString();
            if (NAMES.size() >= MAX_NAMES) {
                NAMES.clear(); // a bound for a server whose tables keep changing names
            }
            NAMES.put(name, quoted);
        }
        return quoted;
    }

    private static void value(StringBuilder out, Schema schema, Object raw, Change change, String column) {
        if (raw == null) {
            out.append("null");
        } else if (raw instanceof String text && isJsonText(schema)) {
            if (!text.isEmpty() && text.charAt(0) == PgText.FALLBACK) {
                string(out, fallbackText(text.substring(1), change, column));
            } else {
                out.append(text);
            }
        } else {
            JsonNode node;
            try {
                node = value(schema, raw, change, column);
            } catch (RuntimeException e) {
                // a value Debezium delivered in a shape not foreseen: kept as text rather than stopping the job
                node = fallback(String.valueOf(raw), change, column);
            }
            out.append(Json.write(node));
        }
    }

    static boolean isJsonText(Schema schema) {
        return schema.parameters() != null && schema.parameters().containsKey(JSON_TEXT);
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        STRINGS.quoteAsString(text, out);
        out.append('"');
    }

    /** The JSON of one value, where no column can be named for a fallback (a primary key). */
    static JsonNode value(Schema schema, Object value) {
        return value(schema, value, null, null);
    }

    private static JsonNode value(Schema schema, Object value, Change change, String column) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (schema.type() == Schema.Type.STRING
                && schema.parameters() != null
                && schema.parameters().containsKey(JSON_TEXT)) {
            return jsonText((String) value, change, column);
        }
        switch (schema.type()) {
            case INT8:
            case INT16:
            case INT32:
            case INT64:
                return NODES.numberNode(((Number) value).longValue());
            case FLOAT32: {
                // through its shortest decimal text, or real 0.1 would be stored as 0.10000000149011612
                float f = ((Number) value).floatValue();
                return Float.isFinite(f) ? NODES.numberNode(new BigDecimal(Float.toString(f))) : floating(f);
            }
            case FLOAT64:
                return floating(((Number) value).doubleValue());
            case BOOLEAN:
                return NODES.booleanNode((Boolean) value);
            case STRING:
                return NODES.textNode((String) value);
            case BYTES:
                return NODES.textNode(hex(bytes(value)));
            case ARRAY: {
                ArrayNode array = NODES.arrayNode();
                for (Object element : (List<?>) value) {
                    array.add(value(schema.valueSchema(), element, change, column));
                }
                return array;
            }
            case MAP: {
                ObjectNode object = NODES.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    object.set(String.valueOf(e.getKey()), value(schema.valueSchema(), e.getValue(), change, column));
                }
                return object;
            }
            case STRUCT: {
                ObjectNode object = NODES.objectNode();
                for (Field field : ((Struct) value).schema().fields()) {
                    object.set(field.name(), value(field.schema(), ((Struct) value).get(field), change, column));
                }
                return object;
            }
            default:
                return NODES.textNode(String.valueOf(value));
        }
    }

    /**
     * Parameter of a string schema whose values are already the JSON {@code to_jsonb} writes ({@link PgText}), or a
     * value's fallback form.
     */
    public static final String JSON_TEXT = "audit-trail.json-text";

    /** A value the source already turned into JSON text, as a tree: parsed with every digit, or its fallback form. */
    private static JsonNode jsonText(String text, Change change, String column) {
        if (!text.isEmpty() && text.charAt(0) == PgText.FALLBACK) {
            return fallback(text.substring(1), change, column);
        }
        JsonNode parsed;
        try {
            parsed = Json.parseValue(text);
        } catch (JsonProcessingException | RuntimeException e) {
            return fallback(text, change, column);
        }
        JsonNode storable = parsed.isMissingNode() ? null : Jsonb.storable(parsed);
        return storable == null ? fallback(text, change, column) : storable;
    }

    /** The fallback form of a value: a JSON string of its text. */
    private static JsonNode fallback(String text, Change change, String column) {
        return NODES.textNode(fallbackText(text, change, column));
    }

    /** The text of a value's fallback form, its column named in {@code change}. */
    private static String fallbackText(String text, Change change, String column) {
        if (change != null && column != null) {
            change.markFallback(column);
        }
        // the text of a json value holds U+0000 only as an escape; a raw one could never be stored
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    }

    private static JsonNode floating(double d) {
        // JSON has no NaN or Infinity: keep PostgreSQL's text for them, as to_jsonb does
        return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
    }

    private static byte[] bytes(Object value) {
        if (value instanceof ByteBuffer) {
            ByteBuffer buffer = ((ByteBuffer) value).duplicate();
            byte[] out = new byte[buffer.remaining()];
            buffer.get(out);
            return out;
        }
        return (byte[]) value;
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(2 + bytes.length * 2).append("\\x");
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
