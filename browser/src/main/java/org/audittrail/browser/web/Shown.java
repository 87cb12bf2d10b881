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
package org.audittrail.browser.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;

/**
 * How a stored value reads on a page: bounded in length, invisible and direction-changing characters made visible, NULL
 * and absent told apart. Templates escape the text; this only decides what the text is.
 */
public final class Shown {
    /** Characters of a value shown before the rest is cut. */
    static final int MAX = 300;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'");

    private Shown() {}

    /**
     * One value of an image.
     *
     * @param kind absent (the image did not carry it), null, text or json
     * @param text what to show, bounded
     * @param cut how many characters were left out
     */
    public record Cell(String kind, String text, int cut) {
        public boolean absent() {
            return kind.equals("absent");
        }

        public boolean isNull() {
            return kind.equals("null");
        }

        public boolean json() {
            return kind.equals("json");
        }
    }

    public static Cell cell(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return new Cell("absent", "", 0);
        }
        if (value.isNull()) {
            return new Cell("null", "NULL", 0);
        }
        String text = value.isTextual() ? value.textValue() : value.toString();
        String kind = value.isContainerNode() ? "json" : "text";
        String visible = visible(text);
        if (visible.length() <= MAX) {
            return new Cell(kind, visible, 0);
        }
        return new Cell(kind, visible.substring(0, MAX), visible.length() - MAX);
    }

    /** A short one-line summary of a context: key=value pairs, bounded. */
    public static String context(JsonNode context) {
        if (context == null || !context.isObject() || context.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = context.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (out.length() > 0) {
                out.append(", ");
            }
            JsonNode v = e.getValue();
            out.append(e.getKey()).append('=').append(v.isTextual() ? v.textValue() : v.toString());
            if (out.length() > 120) {
                break;
            }
        }
        String text = visible(out.toString());
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }

    /** The context's pairs, each value bounded, for links to a context's page. */
    public static java.util.List<Map.Entry<String, String>> pairs(JsonNode context) {
        java.util.List<Map.Entry<String, String>> pairs = new java.util.ArrayList<>();
        if (context != null && context.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = context.fields(); it.hasNext() && pairs.size() < 20; ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                String raw = v.isTextual() ? v.textValue() : v.toString();
                pairs.add(Map.entry(e.getKey(), raw.length() > 200 ? raw.substring(0, 200) : raw));
            }
        }
        return pairs;
    }

    /** The columns of a row image in order, each with its value as a cell. */
    public static java.util.List<Map.Entry<String, Cell>> columns(JsonNode row) {
        java.util.List<Map.Entry<String, Cell>> columns = new java.util.ArrayList<>();
        if (row != null && row.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                columns.add(Map.entry(visible(e.getKey()), cell(e.getValue())));
            }
        }
        return columns;
    }

    public static String time(OffsetDateTime t) {
        return t == null ? "" : TIME.format(t.withOffsetSameInstant(ZoneOffset.UTC));
    }

    /**
     * The text with control, zero-width and bidirectional characters written as {@code <U+202E>}, so that a value can
     * neither hide text nor turn the page's text around.
     */
    public static String visible(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (hidden(cp)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                out.append(String.format("<U+%04X>", cp));
            } else if (out != null) {
                out.appendCodePoint(cp);
            }
            i = next;
        }
        return out == null ? text : out.toString();
    }

    private static boolean hidden(int cp) {
        if (cp == '\n' || cp == '\t') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL
                || type == Character.FORMAT // zero-width, bidi controls, soft hyphen, BOM
                || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE
                || type == Character.SURROGATE
                || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }
}
