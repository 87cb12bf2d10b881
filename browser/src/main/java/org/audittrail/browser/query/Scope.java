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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one viewer may see: the tables matching their patterns ({@code orders}, {@code public.order_*}; all when none),
 * with the values of the columns they mask shown as {@value #MASK}. Every query of {@link ChangeStore} keeps to it.
 */
public record Scope(List<String> tables, Set<String> masked) {
    public static final String MASK = "***";

    /** Everything, nothing masked. */
    public static final Scope ALL = new Scope(List.of(), Set.of());

    /** Reads {@code tables=orders,public.item*;mask=email,card_number} (either part may be left out). */
    public static Scope parse(String spec) {
        List<String> tables = List.of();
        Set<String> masked = Set.of();
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.split("=", 2);
            List<String> values = kv.length < 2
                    ? List.of()
                    : Arrays.stream(kv[1].split(","))
                            .map(String::strip)
                            .filter(v -> !v.isEmpty())
                            .toList();
            switch (kv[0].strip()) {
                case "tables" -> tables = values;
                case "mask" -> masked = Set.copyOf(values);
                default -> throw new IllegalArgumentException(
                        "'" + kv[0].strip() + "' is not tables= or mask=: write tables=orders,public.item*;mask=email");
            }
        }
        return new Scope(tables, masked);
    }

    /** Whether changes of {@code schema.table} are visible. */
    public boolean allows(String schema, String table) {
        if (tables.isEmpty()) {
            return true;
        }
        for (String pattern : tables) {
            int dot = pattern.indexOf('.');
            boolean schemaMatches =
                    dot < 0 || glob(pattern.substring(0, dot)).matcher(schema).matches();
            if (schemaMatches
                    && glob(dot < 0 ? pattern : pattern.substring(dot + 1))
                            .matcher(table)
                            .matches()) {
                return true;
            }
        }
        return false;
    }

    /** Adds the tables condition: each pattern as LIKE on schema and table, OR-ed. */
    void condition(Sql sql) {
        if (tables.isEmpty()) {
            return;
        }
        List<String> tests = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        for (String pattern : tables) {
            int dot = pattern.indexOf('.');
            if (dot < 0) {
                tests.add("\"table\" LIKE ?");
                params.add(like(pattern));
            } else {
                tests.add("(\"schema\" LIKE ? AND \"table\" LIKE ?)");
                params.add(like(pattern.substring(0, dot)));
                params.add(like(pattern.substring(dot + 1)));
            }
        }
        sql.and("(" + String.join(" OR ", tests) + ")", params.toArray());
    }

    /** The change with masked columns' values replaced; a value that changed keeps saying so. */
    Change mask(Change c) {
        if (masked.isEmpty()) {
            return c;
        }
        JsonNode before = c.before().deepCopy();
        JsonNode after = c.after().deepCopy();
        for (String column : masked) {
            JsonNode old = before.get(column);
            JsonNode now = after.get(column);
            if (old != null && !old.isNull()) {
                ((ObjectNode) before).set(column, TextNode.valueOf(MASK));
            }
            if (now != null && !now.isNull()) {
                boolean changed = old == null || !old.equals(now);
                ((ObjectNode) after).set(column, TextNode.valueOf(changed && old != null ? MASK + " (changed)" : MASK));
            }
        }
        return new Change(
                c.id(),
                c.record(),
                c.operation(),
                before,
                after,
                c.context(),
                c.committedAt(),
                c.transactionId(),
                c.position(),
                c.partial());
    }

    /** A row image with masked columns' values replaced. */
    JsonNode mask(JsonNode row) {
        if (masked.isEmpty() || row == null || !row.isObject()) {
            return row;
        }
        ObjectNode copy = row.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (masked.contains(e.getKey()) && !e.getValue().isNull()) {
                copy.set(e.getKey(), TextNode.valueOf(MASK));
            }
        }
        return copy;
    }

    private static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (regex.length() > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    private static String like(String pattern) {
        return pattern.replace("\\", "\\\\")
                .replace("%", "\\%")
                .replace("_", "\\_")
                .replace('*', '%');
    }
}
