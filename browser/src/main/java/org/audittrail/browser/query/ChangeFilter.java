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

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a search asks for, parsed from the page's fields and checked: a field that cannot be used is a
 * {@link FilterException} saying what to type instead.
 *
 * @param schema the schema of {@code table}, or null for any
 * @param table a table name, or null for any
 * @param key a primary key as stored (its text), or null
 * @param operation CREATE, UPDATE, DELETE or TRUNCATE, or null
 * @param from the earliest commit time, inclusive, or null
 * @param until the latest commit time, exclusive, or null
 * @param context each must be contained in the change's context: {@code {"user_id": 42}}
 * @param values each must be contained in the old or the new image
 */
public record ChangeFilter(
        String schema,
        String table,
        String key,
        String operation,
        Instant from,
        Instant until,
        List<List<String>> context,
        List<List<String>> values) {

    /** Numbers read exactly: 10.50 stays 10.50, as PostgreSQL printed it. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private static final Set<String> OPERATIONS = Set.of("CREATE", "UPDATE", "DELETE", "TRUNCATE");
    private static final int MAX_TEXT = 1000;

    /** Everything, newest first. */
    public static ChangeFilter none() {
        return new ChangeFilter(null, null, null, null, null, null, List.of(), List.of());
    }

    /** Parses the search form's fields: table, key, operation, from, until, context and value (key = value lines). */
    public static ChangeFilter parse(Map<String, List<String>> fields) {
        String table = field(fields, "table");
        String schema = null;
        if (table != null && table.contains(".")) {
            int dot = table.indexOf('.');
            schema = table.substring(0, dot);
            table = table.substring(dot + 1);
            if (schema.isEmpty() || table.isEmpty()) {
                throw new FilterException("Table: give a table name, or schema.table, such as public.orders");
            }
        }
        String operation = field(fields, "operation");
        if (operation != null) {
            operation = operation.toUpperCase(java.util.Locale.ROOT);
            if (!OPERATIONS.contains(operation)) {
                throw new FilterException("Operation: choose CREATE, UPDATE, DELETE or TRUNCATE");
            }
        }
        Instant from = time(field(fields, "from"), "From");
        Instant until = time(field(fields, "until"), "Until");
        if (from != null && until != null && !from.isBefore(until)) {
            throw new FilterException("From must be before Until");
        }
        return new ChangeFilter(
                schema,
                table,
                field(fields, "key"),
                operation,
                from,
                until,
                pairs(field(fields, "context"), "Context"),
                pairs(field(fields, "value"), "Value"));
    }

    /** The JSON objects a jsonb {@code @>} test takes for one pair: the value as text, and as a number where it is one. */
    static List<String> containments(List<String> pair) {
        List<String> forms = new ArrayList<>();
        ObjectNode asText = JsonNodeFactory.instance.objectNode().put(pair.get(0), pair.get(1));
        forms.add(asText.toString());
        String v = pair.get(1);
        if (v.equals("true") || v.equals("false")) {
            forms.add(JsonNodeFactory.instance
                    .objectNode()
                    .put(pair.get(0), Boolean.parseBoolean(v))
                    .toString());
        } else if (v.equals("null")) {
            forms.add(JsonNodeFactory.instance.objectNode().putNull(pair.get(0)).toString());
        } else if (v.matches("-?\\d{1,30}(\\.\\d{1,30})?")) {
            forms.add(JsonNodeFactory.instance
                    .objectNode()
                    .put(pair.get(0), new BigDecimal(v))
                    .toString());
        }
        return forms;
    }

    private static String field(Map<String, List<String>> fields, String name) {
        List<String> given = fields.get(name);
        if (given == null
                || given.isEmpty()
                || given.get(0) == null
                || given.get(0).isBlank()) {
            return null;
        }
        String value = given.get(0).strip();
        if (value.length() > MAX_TEXT) {
            throw new FilterException(name + ": at most " + MAX_TEXT + " characters");
        }
        return value;
    }

    /** A time as ISO 8601, with or without a zone (then UTC), or a date (its midnight, UTC). */
    static Instant time(String text, String label) {
        if (text == null) {
            return null;
        }
        try {
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            if (text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$")) {
                return OffsetDateTime.parse(text.replace(' ', 'T')).toInstant();
            }
            return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new FilterException(
                    label + ": write a time as 2026-12-06, 2026-12-06T14:30 (UTC) or 2026-12-06T14:30:00+01:00");
        }
    }

    /** {@code key = value} pairs, one per line or separated by commas. */
    private static List<List<String>> pairs(String text, String label) {
        if (text == null) {
            return List.of();
        }
        List<List<String>> pairs = new ArrayList<>();
        for (String part : text.split("[\\n,]")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 1 || part.substring(0, eq).isBlank()) {
                throw new FilterException(label + ": write key = value, such as user_id = 42 (several with commas)");
            }
            pairs.add(List.of(
                    part.substring(0, eq).strip(), part.substring(eq + 1).strip()));
        }
        return List.copyOf(pairs);
    }

    /** Whether nothing narrows the search. */
    public boolean isEmpty() {
        return equals(none());
    }

    static ObjectMapper json() {
        return JSON;
    }
}
