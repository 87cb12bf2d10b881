package org.audittrail.udf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Turns a Debezium row image into the JSON stored in {@code before} and {@code after}: each value arrives as the JSON
 * text {@code to_jsonb} writes ({@link PgText}), parsed here with every digit, or in its fallback form.
 */
public final class RowImage {

    /** What Debezium sends for a TOASTed value it could not read; never stored. */
    static final String UNAVAILABLE = "__debezium_unavailable_value";

    private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

    private RowImage() {}

    /** The JSON object of a row image; {@code {}} for a missing one. */
    public static ObjectNode of(Struct row) {
        return of(row, null, null);
    }

    /** As {@link #of(Struct)}, naming the columns stored in a fallback form in {@code change} (when not null). */
    public static ObjectNode of(Struct row, Change change) {
        return of(row, change, null);
    }

    private static ObjectNode of(Struct row, Change change, String column) {
        ObjectNode node = Json.object();
        if (row == null) {
            return node;
        }
        for (Field field : row.schema().fields()) {
            String name = column == null ? field.name() : column;
            Object raw = row.get(field);
            JsonNode value;
            try {
                value = value(field.schema(), raw, change, name);
            } catch (RuntimeException e) {
                // a value Debezium delivered in a shape not foreseen: kept as text rather than stopping the job
                value = fallback(String.valueOf(raw), change, name);
            }
            node.set(field.name(), value);
        }
        return node;
    }

    /** Replaces values Debezium could not read (unchanged TOASTed columns) with their value in {@code before}. */
    public static void fillUnavailable(ObjectNode after, ObjectNode before) {
        after.fieldNames().forEachRemaining(name -> {
            if (isUnavailable(after.get(name)) && before.has(name) && !isUnavailable(before.get(name))) {
                after.set(name, before.get(name));
            }
        });
    }

    private static boolean isUnavailable(JsonNode v) {
        if (v == null) {
            return false;
        }
        if (v.isTextual() && (UNAVAILABLE.equals(v.textValue()) || HEX_UNAVAILABLE.equals(v.textValue()))) {
            return true;
        }
        if (v.isArray() && v.size() == 1) {
            return isUnavailable(v.get(0));
        }
        return false;
    }

    private static final String HEX_UNAVAILABLE = hex(UNAVAILABLE.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** The JSON of one value, where no column can be named for a fallback (a primary key). */
    static JsonNode value(Schema schema, Object value) {
        return value(schema, value, null, null);
    }

    private static JsonNode value(Schema schema, Object value, Change change, String column) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (schema.type() == Schema.Type.STRING && schema.parameters() != null && schema.parameters().containsKey(JSON_TEXT)) {
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
            case STRUCT:
                return of((Struct) value, change, column);
            default:
                return NODES.textNode(String.valueOf(value));
        }
    }

    /**
     * Parameter of a string schema whose values are already the JSON {@code to_jsonb} writes ({@link PgText}), or a
     * value's fallback form.
     */
    public static final String JSON_TEXT = "audit-trail.json-text";

    /** A value the source already turned into JSON text: parsed with every digit, or its fallback form. */
    private static JsonNode jsonText(String text, Change change, String column) {
        if (!text.isEmpty() && text.charAt(0) == PgText.FALLBACK) {
            return fallback(text.substring(1), change, column);
        }
        JsonNode parsed;
        try {
            parsed = Json.parseValue(text);
        } catch (JsonProcessingException | RuntimeException e) {
            // a json value beyond Jackson's nesting, or a text of a shape not foreseen; only json's text is JSON itself
            return fallback(text, change, column);
        }
        JsonNode storable = parsed.isMissingNode() ? null : Jsonb.storable(parsed);
        return storable == null ? fallback(text, change, column) : storable;
    }

    /** The fallback form of a value: a JSON string of its text. */
    private static JsonNode fallback(String text, Change change, String column) {
        if (change != null && column != null) {
            change.markFallback(column);
        }
        // the text of a json value holds U+0000 only as an escape; a raw one could never be stored
        return NODES.textNode(text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD'));
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
