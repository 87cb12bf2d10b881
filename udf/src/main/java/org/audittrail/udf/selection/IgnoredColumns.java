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
package org.audittrail.udf.selection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.values.Json;

/**
 * Ignore-change column rules, as Bemi's: an UPDATE whose changed columns all match a rule is not worth a change.
 *
 * <p>A rule is {@code schema.table.column} ({@code public.todo.updated_at}), {@code table.column} in any schema
 * ({@code *.updated_at}: that column of any table), or a bare column pattern ({@code *_cached_count}); each part
 * may use {@code *} as a wildcard.
 */
public final class IgnoredColumns implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Numbers are equal by value (1.50 = 1.5); everything else by JSON equality. */
    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private final List<String> rules;
    private transient List<Pattern[]> patterns;

    private IgnoredColumns(List<String> rules) {
        this.rules = rules;
    }

    /** Parses the rules; fails with a message naming the bad rule, and where a rule matches every column. */
    public static IgnoredColumns of(List<String> rules) {
        return of(rules, false);
    }

    /**
     * Parses the rules; fails with a message naming the bad rule, and, unless {@code everyColumnAllowed}, where a
     * rule's column part is {@code *}: every UPDATE of the tables it selects would go unrecorded.
     */
    public static IgnoredColumns of(List<String> rules, boolean everyColumnAllowed) {
        IgnoredColumns parsed = parse(rules);
        for (String rule : parsed.rules) {
            List<Wildcard.Part> parts = Wildcard.parts(rule);
            if (!everyColumnAllowed && parts.get(parts.size() - 1).everything()) {
                boolean anyTable = parts.stream().allMatch(Wildcard.Part::everything);
                throw new IllegalArgumentException("--ignore-columns: '" + rule
                        + "' matches every column, so no UPDATE of "
                        + (anyTable ? "any table" : "the tables of '" + rule + "'")
                        + " would be recorded; name the columns (e.g. *.updated_at), or add --allow-ignoring-every-column"
                        + " if that is what you want");
            }
        }
        return parsed;
    }

    private static IgnoredColumns parse(List<String> rules) {
        List<String> valid = new ArrayList<>();
        for (String rule : rules) {
            String trimmed = rule.trim();
            List<Wildcard.Part> parts = Wildcard.parts(trimmed);
            if (parts == null || parts.size() > 3) {
                throw new IllegalArgumentException("--ignore-columns: '" + rule + "' is not column, table.column or"
                        + " schema.table.column (use * as a wildcard, e.g. public.todo.updated_at, *.updated_at, *_cached_count, and"
                        + " double quotes around a name with dots, commas or quotes)");
            }
            valid.add(trimmed);
        }
        return new IgnoredColumns(valid);
    }

    public static IgnoredColumns none() {
        return new IgnoredColumns(List.of());
    }

    /** Whether the column's changes alone are ignored. */
    public boolean isIgnored(String schema, String table, String column) {
        for (Pattern[] rule : patterns()) {
            int n = rule.length;
            boolean matches = rule[n - 1].matcher(column).matches()
                    && (n < 2 || rule[n - 2].matcher(table).matches())
                    && (n < 3 || rule[n - 3].matcher(schema).matches());
            if (matches) {
                return true;
            }
        }
        return false;
    }

    /** Whether the change is an UPDATE whose every changed column is ignored; an unknown before image counts as changed. */
    public boolean changesOnlyIgnoredColumns(Change change) {
        if (rules.isEmpty() || change.operation != Operation.UPDATE) {
            return false;
        }
        ObjectNode before;
        ObjectNode after;
        try {
            // as the images were written: numbers as long as numeric's
            before = (ObjectNode) Json.parseValue(change.before);
            after = (ObjectNode) Json.parseValue(change.after);
        } catch (Exception e) {
            return false;
        }
        if (before.isEmpty()) {
            return false; // without REPLICA IDENTITY FULL nothing tells what changed: keep it
        }
        boolean anyChanged = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = after.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> column = it.next();
            JsonNode old = before.get(column.getKey());
            if (old == null || !old.equals(BY_VALUE, column.getValue())) {
                if (!isIgnored(change.schema, change.table, column.getKey())) {
                    return false;
                }
                anyChanged = true;
            }
        }
        // an UPDATE that changed nothing at all is still a change the application made
        return anyChanged;
    }

    private List<Pattern[]> patterns() {
        if (patterns == null) {
            List<Pattern[]> compiled = new ArrayList<>();
            for (String rule : rules) {
                compiled.add(Wildcard.patterns(rule));
            }
            patterns = compiled;
        }
        return patterns;
    }

    @Override
    public String toString() {
        return rules.toString();
    }
}
