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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The SQL that would undo changes, for a person to read and run: never run by the browser. Undoes newest first; each
 * UPDATE and DELETE statement matches the whole row as the change left it, so a row changed since is left alone (the
 * statement reports 0 rows) instead of being overwritten.
 */
public final class Revert {

    /**
     * The preview: statements in the order to run them, and what to watch out for.
     *
     * @param sql the statements, in one transaction
     * @param caveats what the reader must check before running it
     */
    public record Preview(String sql, List<String> caveats) {}

    /** What the erase command leaves in place of a value. */
    static final String ERASED = "[erased]";

    private Revert() {}

    private static boolean erased(JsonNode image) {
        for (JsonNode value : image) {
            if (value.isTextual() && ERASED.equals(value.textValue())) {
                return true;
            }
        }
        return false;
    }

    /** Undoes {@code changes} (given oldest first), newest first; {@code later} counts changes made to the same rows since. */
    public static Preview of(List<Change> changes, long later) {
        StringBuilder sql = new StringBuilder("BEGIN;\n");
        List<String> caveats = new ArrayList<>();
        if (later > 0) {
            caveats.add(later + (later == 1 ? " later change" : " later changes")
                    + " touched the same rows: an UPDATE or DELETE below then matches no row (0 rows), and an INSERT"
                    + " may meet a row with its key; compare with the record's timeline first.");
        }
        for (int i = changes.size() - 1; i >= 0; i--) {
            Change c = changes.get(i);
            String table = ident(c.record().schema()) + "." + ident(c.record().table());
            switch (c.operation()) {
                case "CREATE" -> sql.append("DELETE FROM ")
                        .append(table)
                        .append(" WHERE ")
                        .append(matching(c.after(), caveats))
                        .append(";\n");
                case "UPDATE" -> sql.append("UPDATE ")
                        .append(table)
                        .append(" SET ")
                        .append(assignments(c))
                        .append(" WHERE ")
                        .append(matching(c.after(), caveats))
                        .append(";\n");
                case "DELETE" -> sql.append("INSERT INTO ")
                        .append(table)
                        .append(" ")
                        .append(insert(c.before()))
                        .append(";\n");
                default -> caveats.add("A TRUNCATE of " + c.record().tableName()
                        + " cannot be undone from the trail alone: its rows are the table's state before it"
                        + " (the as-of view), not statements.");
            }
            if (erased(c.before()) || erased(c.after())) {
                caveats.add("Values of the change to " + c.record().tableName() + " "
                        + c.record().key()
                        + " were erased (docs/erasure.md): the statements would write the marker \"" + ERASED
                        + "\" where they were; the trail cannot give them back.");
            }
            if (c.partial()) {
                caveats.add("The change to " + c.record().tableName() + " "
                        + c.record().key()
                        + " lacks values the WAL did not carry: the statement names only the columns it has.");
            }
        }
        return new Preview(sql.append("COMMIT;\n").toString(), List.copyOf(new java.util.LinkedHashSet<>(caveats)));
    }

    private static String assignments(Change c) {
        List<String> sets = new ArrayList<>();
        for (ColumnDiff d : c.diff()) {
            if (d.before() != null) {
                sets.add(ident(d.column()) + " = " + literal(d.before()));
            }
        }
        return sets.isEmpty()
                ? "/* no column to set back */ " + ident("id") + " = " + ident("id")
                : String.join(", ", sets);
    }

    private static String matching(JsonNode image, List<String> caveats) {
        List<String> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = image.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isContainerNode()) {
                caveats.add("Column " + e.getKey() + " holds JSON or an array, which SQL cannot compare as text:"
                        + " the row is matched without it.");
                continue;
            }
            tests.add(ident(e.getKey()) + (e.getValue().isNull() ? " IS NULL" : " = " + literal(e.getValue())));
        }
        return tests.isEmpty() ? "false /* nothing to match the row by */" : String.join(" AND ", tests);
    }

    private static String insert(JsonNode image) {
        List<String> columns = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = image.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            columns.add(ident(e.getKey()));
            values.add(literal(e.getValue()));
        }
        return "(" + String.join(", ", columns) + ") VALUES (" + String.join(", ", values) + ")";
    }

    /** A quoted identifier: {@code "odd ""name"""}. */
    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A value as a string literal the column's type reads back, or NULL: numbers plain, JSON as its text. */
    static String literal(JsonNode value) {
        if (value.isNull()) {
            return "NULL";
        }
        String text = value.isTextual()
                ? value.textValue()
                : value.isBigDecimal() ? value.decimalValue().toPlainString() : value.toString();
        return quoted(text);
    }

    /**
     * A string literal; one holding control, zero-width or direction-changing characters is written as a Unicode-escape
     * literal ({@code U&'a\202Eb'}), so that what the page shows is exactly what runs.
     */
    static String quoted(String text) {
        boolean plain = text.codePoints().noneMatch(Revert::hidden);
        if (plain) {
            return "'" + text.replace("'", "''") + "'";
        }
        StringBuilder out = new StringBuilder("U&'");
        text.codePoints().forEach(cp -> {
            if (cp == '\'') {
                out.append("''");
            } else if (cp == '\\') {
                out.append("\\\\");
            } else if (hidden(cp)) {
                out.append(cp > 0xFFFF ? String.format("\\+%06X", cp) : String.format("\\%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append("'").toString();
    }

    private static boolean hidden(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL
                || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.PRIVATE_USE
                || type == Character.UNASSIGNED;
    }
}
