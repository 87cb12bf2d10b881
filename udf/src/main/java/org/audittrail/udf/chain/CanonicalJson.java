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
package org.audittrail.udf.chain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One text for one JSON value, whoever wrote it: the job from its own JSON, a verifier from PostgreSQL's jsonb text.
 * Objects with keys in code point order, no whitespace, numbers as exact plain decimals, strings with only the escapes
 * JSON requires ({@code \" \\ \b \f \n \r \t}, other control characters as lower-case \\u and four hex digits). docs/tamper-evidence.md
 * states it for verifiers in other languages.
 */
public final class CanonicalJson {

    private CanonicalJson() {}

    /** The canonical text of {@code value} (parsed with {@code Json.MAPPER}, so that numbers are exact). */
    public static String of(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    static void write(StringBuilder out, JsonNode value) {
        if (value.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            value.fields().forEachRemaining(fields::add);
            fields.sort((a, b) -> compareCodePoints(a.getKey(), b.getKey()));
            out.append('{');
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                string(out, fields.get(i).getKey());
                out.append(':');
                write(out, fields.get(i).getValue());
            }
            out.append('}');
        } else if (value.isArray()) {
            out.append('[');
            Iterator<JsonNode> elements = value.elements();
            for (int i = 0; elements.hasNext(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(out, elements.next());
            }
            out.append(']');
        } else if (value.isTextual()) {
            string(out, value.textValue());
        } else if (value.isInt() || value.isLong()) {
            out.append(value.longValue()); // most numbers: no BigInteger to print them
        } else if (value.isNumber()) {
            // jsonb prints numeric exactly, without exponent: 1.50 stays 1.50, 1E+2 becomes 100
            out.append(
                    value.isIntegralNumber()
                            ? value.bigIntegerValue().toString()
                            : value.decimalValue().toPlainString());
        } else if (value.isBoolean()) {
            out.append(value.booleanValue());
        } else if (value.isNull() || value.isMissingNode()) {
            out.append("null");
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getNodeType());
        }
    }

    static void string(StringBuilder out, String text) {
        out.append('"');
        int n = text.length();
        int clean = 0;
        while (clean < n && !escaped(text.charAt(clean))) {
            clean++;
        }
        if (clean == n) {
            out.append(text).append('"'); // nearly every text: one copy, where a part is appended char by char
            return;
        }
        int run = 0; // the characters since the last escape, appended at once
        for (int i = clean; i < n; i++) {
            char c = text.charAt(i);
            if (escaped(c)) {
                out.append(text, run, i);
                escape(out, c);
                run = i + 1;
            }
        }
        out.append(text, run, text.length());
        out.append('"');
    }

    private static boolean escaped(char c) {
        return c == '"' || c == '\\' || c < 0x20;
    }

    /** {@code text}, which holds nothing to escape (a hex digest, a UUID), as a JSON string. */
    static void plain(StringBuilder out, String text) {
        out.append('"').append(text).append('"');
    }

    /** {@code text} as a JSON string, or null. */
    static void stringOrNull(StringBuilder out, String text) {
        if (text == null) {
            out.append("null");
        } else {
            string(out, text);
        }
    }

    private static void escape(StringBuilder out, char c) {
        switch (c) {
            case '"' -> out.append("\\\"");
            case '\\' -> out.append("\\\\");
            case '\b' -> out.append("\\b");
            case '\f' -> out.append("\\f");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> out.append(String.format("\\u%04x", (int) c));
        }
    }

    /** Code point order, which is UTF-8 byte order (String.compareTo compares UTF-16 units, which differs above U+FFFF). */
    static int compareCodePoints(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int k = 0; k < n; k++) {
            char ca = a.charAt(k);
            char cb = b.charAt(k);
            if (ca != cb) {
                // UTF-16 order is code point order but where a surrogate differs: then by code points
                return Character.isSurrogate(ca) || Character.isSurrogate(cb) ? byCodePoints(a, b) : ca - cb;
            }
        }
        return a.length() - b.length();
    }

    private static int byCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
