package org.audittrail.udf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.debezium.connector.postgresql.PostgresValueConverter;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Turns a Debezium row image into the JSON stored in {@code before} and {@code after}: numeric with
 * every digit, temporal values as ISO-8601, arrays as arrays, json/jsonb nested, bytea as PostgreSQL's
 * hex text ({@code \x0a0b}).
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
        String logical = schema.name();
        if (logical != null) {
            JsonNode converted = logicalValue(logical, schema, value, change, column);
            if (converted != null) {
                return converted;
            }
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
                return isNumeric(schema) ? numeric((String) value) : NODES.textNode((String) value);
            case BYTES:
                return NODES.textNode(hex(bytes(value)));
            case ARRAY: {
                ArrayNode array = NODES.arrayNode();
                boolean numeric = isNumeric(schema);
                for (Object element : (List<?>) value) {
                    array.add(numeric && element != null ? numeric(element.toString()) : value(schema.valueSchema(), element, change, column));
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

    /** Debezium's logical types; null where the plain type's mapping is right. */
    private static JsonNode logicalValue(String logical, Schema schema, Object value, Change change, String column) {
        switch (logical) {
            case io.debezium.data.Json.LOGICAL_NAME:
                return nestedJson((String) value, change, column);
            case io.debezium.time.Date.SCHEMA_NAME:
                return NODES.textNode(date(((Number) value).longValue()));
            case io.debezium.time.Time.SCHEMA_NAME:
                return NODES.textNode(time(((Number) value).longValue() * 1_000_000L));
            case io.debezium.time.MicroTime.SCHEMA_NAME:
                return NODES.textNode(time(((Number) value).longValue() * 1_000L));
            case io.debezium.time.NanoTime.SCHEMA_NAME:
                return NODES.textNode(time(((Number) value).longValue()));
            case io.debezium.time.Timestamp.SCHEMA_NAME:
                return NODES.textNode(timestamp(Instant.ofEpochMilli(((Number) value).longValue())));
            case io.debezium.time.MicroTimestamp.SCHEMA_NAME: {
                long micros = ((Number) value).longValue();
                return NODES.textNode(timestamp(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1_000L)));
            }
            case io.debezium.time.NanoTimestamp.SCHEMA_NAME: {
                long nanos = ((Number) value).longValue();
                return NODES.textNode(timestamp(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                        Math.floorMod(nanos, 1_000_000_000L))));
            }
            default:
                return null;
        }
    }

    /** Debezium's parameter naming a column's PostgreSQL type (column.propagate.source.type). */
    public static final String SOURCE_TYPE = "__debezium.source.column.type";

    /** Whether a string holds a numeric's text (Debezium's string decimal mode): numeric, decimal, money, or arrays of them. */
    private static boolean isNumeric(Schema schema) {
        String type = schema.parameters() == null ? null : schema.parameters().get(SOURCE_TYPE);
        if (type == null) {
            return false;
        }
        String element = type.startsWith("_") ? type.substring(1) : type;
        return element.equals("NUMERIC") || element.equals("DECIMAL") || element.equals("MONEY");
    }

    /** A numeric's text as a JSON number with every digit; NaN and the infinities as strings, as to_jsonb has them. */
    private static JsonNode numeric(String text) {
        switch (text) {
            case "NAN":
            case "NaN":
                return NODES.textNode("NaN");
            case "POSITIVE_INFINITY":
            case "Infinity":
                return NODES.textNode("Infinity");
            case "NEGATIVE_INFINITY":
            case "-Infinity":
                return NODES.textNode("-Infinity");
            default:
                try {
                    return Jsonb.number(new BigDecimal(text));
                } catch (NumberFormatException e) {
                    return NODES.textNode(text); // not digits after all: keep the text rather than stop capture
                }
        }
    }

    private static JsonNode nestedJson(String text, Change change, String column) {
        JsonNode parsed;
        try {
            parsed = Json.parse(text);
        } catch (JsonProcessingException | RuntimeException e) {
            // PostgreSQL validated it already: beyond Jackson's limits (nesting, number length, exponent)
            return fallback(text, change, column);
        }
        JsonNode storable = Jsonb.storable(parsed);
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

    /** What Debezium sends for date 'infinity' and '-infinity': dates before PostgreSQL's first, so never a real one. */
    private static final long INFINITY_DATE = PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE.toEpochDay();
    private static final long MINUS_INFINITY_DATE = PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE.toEpochDay();
    private static final long DAY_NANOS = 86_400_000_000_000L;

    private static String date(long epochDay) {
        if (epochDay == INFINITY_DATE) {
            return "infinity";
        }
        return epochDay == MINUS_INFINITY_DATE ? "-infinity" : LocalDate.ofEpochDay(epochDay).toString();
    }

    /** ISO-8601, or 'infinity' and '-infinity' as to_jsonb writes them. */
    private static String timestamp(Instant instant) {
        // Debezium's markers for timestamp 'infinity' and '-infinity'; the first is also 294247-01-10T04:00:25.2
        if (instant.equals(PostgresValueConverter.POSITIVE_INFINITY_INSTANT)) {
            return "infinity";
        }
        if (instant.equals(PostgresValueConverter.NEGATIVE_INFINITY_INSTANT)) {
            return "-infinity";
        }
        return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    private static String time(long nanoOfDay) {
        // PostgreSQL's time goes up to 24:00:00 inclusive ('23:59:59.9999999' rounds to it); to_jsonb writes it so
        return nanoOfDay == DAY_NANOS ? "24:00:00" : DateTimeFormatter.ISO_LOCAL_TIME.format(LocalTime.ofNanoOfDay(nanoOfDay));
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
