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
package org.audittrail.udf.values;

/** Reads the text of a timestamptz range or multirange and writes it again with each bound in UTC. */
final class RangeText extends TextCursor {

    private RangeText(String s) {
        super(s);
    }

    /**
     * A range or multirange of timestamptz as its output function writes it with TimeZone UTC: to_jsonb writes that
     * text, and the walsender's TimeZone is the JVM's.
     */
    static String tstzRangeUtc(String text, boolean multirange) {
        RangeText reader = new RangeText(text);
        StringBuilder out = new StringBuilder(text.length());
        if (multirange) {
            reader.expect('{');
            out.append('{');
            if (reader.peek() == '}') {
                reader.i++;
            } else {
                while (true) {
                    reader.range(out);
                    char c = reader.s.charAt(reader.i++);
                    if (c == '}') {
                        break;
                    }
                    out.append(',');
                }
            }
            out.append('}');
        } else {
            reader.range(out);
        }
        reader.end();
        return out.toString();
    }

    /** One range, {@code empty} or two bounds, each timestamptz bound rewritten in UTC and quoted as range_out does. */
    private void range(StringBuilder out) {
        if (s.startsWith("empty", i)) {
            i += 5;
            out.append("empty");
            return;
        }
        char open = s.charAt(i++);
        if (open != '[' && open != '(') {
            throw new IllegalArgumentException("not a range's text");
        }
        out.append(open);
        bound(out);
        expect(',');
        out.append(',');
        bound(out);
        char close = s.charAt(i++);
        if (close != ']' && close != ')') {
            throw new IllegalArgumentException("not a range's text");
        }
        out.append(close);
    }

    private void bound(StringBuilder out) {
        StringBuilder text = new StringBuilder();
        boolean inQuotes = false;
        boolean any = false;
        while (inQuotes || (peek() != ',' && peek() != ']' && peek() != ')')) {
            char c = s.charAt(i++);
            any = true;
            if (c == '\\') {
                text.append(s.charAt(i++));
            } else if (c == '"') {
                if (inQuotes && i < s.length() && s.charAt(i) == '"') {
                    text.append('"');
                    i++;
                } else {
                    inQuotes = !inQuotes;
                }
            } else {
                text.append(c);
            }
        }
        if (!any) {
            return; // an unbounded side
        }
        String utc = ScalarText.timestamptzTextUtc(text.toString());
        // range_out quotes a bound holding whitespace (every finite timestamptz); its text has no quote or backslash
        out.append(utc.indexOf(' ') < 0 ? utc : '"' + utc + '"');
    }
}
