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

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads JSON text once and writes each value's canonical text ({@link CanonicalJson}) as it goes, with no tree and no
 * parser objects: a link reads three of them per change. Strict: anything it does not read exactly as Jackson's tree
 * reader would (a control character, a number beyond a thousand characters, nesting beyond a hundred, text after the
 * object) is {@link #refused}, and the caller reads the text as a tree instead.
 */
final class JsonScan {

    /** Thrown where the text is left to the tree reader; without a stack trace, as it is no error. */
    static final class Refused extends RuntimeException {
        private static final Refused INSTANCE = new Refused();

        private Refused() {
            super(null, null, false, false);
        }
    }

    private static final int MAX_NUMBER = 1_000;
    private static final int MAX_DEPTH = 100;

    private final String text;
    private int at;
    private int depth;

    JsonScan(String text) {
        this.text = text;
    }

    /** Whether the text is an object; reads its opening brace. */
    boolean object() {
        space();
        if (at < text.length() && text.charAt(at) == '{') {
            at++;
            return true;
        }
        return false;
    }

    /** The next member's key, or null after the object's closing brace, which must end the text. */
    String key(boolean first) {
        String key = member(first);
        space();
        if (key == null && at != text.length()) {
            throw refused();
        }
        return key;
    }

    /** Appends the canonical text of the value at the current place. */
    void value(StringBuilder out) {
        space();
        char c = peek();
        switch (c) {
            case '"' -> CanonicalJson.string(out, string());
            case '{' -> object(out);
            case '[' -> array(out);
            case 't' -> literal(out, "true");
            case 'f' -> literal(out, "false");
            case 'n' -> literal(out, "null");
            default -> number(out);
        }
    }

    private void object(StringBuilder out) {
        enter();
        at++;
        Map<String, String> fields = new TreeMap<>(CanonicalJson::compareCodePoints);
        for (String key = member(true); key != null; key = member(false)) {
            StringBuilder value = new StringBuilder();
            value(value);
            fields.put(key, value.toString()); // a repeated key: the last one wins, as in jsonb
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> field : fields.entrySet()) {
            out.append(first ? "" : ",");
            first = false;
            CanonicalJson.string(out, field.getKey());
            out.append(':').append(field.getValue());
        }
        out.append('}');
        depth--;
    }

    /** The next member's key, read up to its colon, or null after the object's closing brace. */
    private String member(boolean first) {
        space();
        if (peek() == '}') {
            at++;
            return null;
        }
        if (!first) {
            expect(',');
            space();
        }
        String key = string();
        space();
        expect(':');
        return key;
    }

    private void array(StringBuilder out) {
        enter();
        at++;
        out.append('[');
        space();
        if (peek() == ']') {
            at++;
        } else {
            for (boolean first = true; ; first = false) {
                out.append(first ? "" : ",");
                value(out);
                space();
                char c = peek();
                at++;
                if (c == ']') {
                    break;
                }
                if (c != ',') {
                    throw refused();
                }
            }
        }
        out.append(']');
        depth--;
    }

    /** A string's characters, its escapes undone. */
    private String string() {
        expect('"');
        int start = at;
        int n = text.length();
        while (at < n) {
            char c = text.charAt(at);
            if (c == '"') {
                return text.substring(start, at++); // nearly every string: no escape
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw refused();
            }
            at++;
        }
        StringBuilder out = new StringBuilder(text.length() - start).append(text, start, at);
        while (at < n) {
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw refused();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = at < n ? text.charAt(at++) : 0;
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> out.append(hex());
                default -> throw refused();
            }
        }
        throw refused();
    }

    private char hex() {
        if (at + 4 > text.length()) {
            throw refused();
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(at++), 16);
            if (digit < 0) {
                throw refused();
            }
            value = value * 16 + digit;
        }
        return (char) value;
    }

    /** A number as jsonb prints it: exact, plain, no minus on a zero. */
    private void number(StringBuilder out) {
        int start = at;
        boolean negative = peek() == '-';
        if (negative) {
            at++;
        }
        boolean zero = true;
        int digits = digits();
        if (digits == 0 || (digits > 1 && text.charAt(at - digits) == '0')) {
            throw refused(); // no digit, or a leading zero
        }
        zero &= isZeros(at - digits, at);
        boolean plain = true;
        if (at < text.length() && text.charAt(at) == '.') {
            at++;
            int fraction = digits();
            if (fraction == 0) {
                throw refused();
            }
            zero &= isZeros(at - fraction, at);
        }
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            plain = false;
            at++;
            if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
                at++;
            }
            if (digits() == 0) {
                throw refused();
            }
        }
        if (at - start > MAX_NUMBER) {
            throw refused();
        }
        if (plain) {
            out.append(negative && zero ? text.substring(start + 1, at) : text.substring(start, at));
        } else {
            out.append(new BigDecimal(text.substring(start, at)).toPlainString());
        }
    }

    private int digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        return at - start;
    }

    private boolean isZeros(int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    private void literal(StringBuilder out, String literal) {
        if (!text.startsWith(literal, at)) {
            throw refused();
        }
        at += literal.length();
        out.append(literal);
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw refused();
        }
    }

    private void space() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            at++;
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw refused();
        }
        return text.charAt(at);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw refused();
        }
        at++;
    }

    private static Refused refused() {
        return Refused.INSTANCE;
    }
}
