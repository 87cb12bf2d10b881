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

/**
 * Reads the text of arrays, composites and hstores as PostgreSQL's array_out, record_out and hstore_out write it, and
 * writes their JSON, each element in its own form.
 */
final class StructuredText extends TextCursor {

    StructuredText(String s) {
        super(s);
    }

    /** An array: nested JSON arrays for more dimensions; lower bounds ({@code [0:1]=}) left out, as to_jsonb does. */
    void array(StringBuilder out, ValueForm form) {
        if (s.startsWith("[")) {
            i = s.indexOf('=') + 1;
        }
        if (i == s.length() || s.charAt(i) != '{') {
            vector(out, form.element());
            return;
        }
        level(out, form.element(), form.delimiter());
        end();
    }

    /** int2vector and oidvector, true arrays whose text is their elements separated by spaces. */
    private void vector(StringBuilder out, ValueForm element) {
        out.append('[');
        String inner = s.substring(i).trim();
        if (!inner.isEmpty()) {
            String[] elements = inner.split(" +");
            for (int k = 0; k < elements.length; k++) {
                out.append(k == 0 ? "" : ",");
                PgText.append(out, element, elements[k]);
            }
        }
        out.append(']');
    }

    private void level(StringBuilder out, ValueForm element, char delimiter) {
        expect('{');
        out.append('[');
        if (peek() == '}') {
            i++;
            out.append(']');
            return;
        }
        while (true) {
            if (peek() == '{') {
                level(out, element, delimiter);
            } else if (peek() == '"') {
                PgText.append(out, element, quoted());
            } else {
                int start = i;
                StringBuilder text = new StringBuilder();
                while (peek() != delimiter && peek() != '}') {
                    char c = s.charAt(i++);
                    text.append(c == '\\' ? s.charAt(i++) : c);
                }
                // array_out writes NULL unquoted only for a null element; the text "NULL" is quoted
                if (s.substring(start, i).equals("NULL")) {
                    out.append("null");
                } else {
                    PgText.append(out, element, text.toString());
                }
            }
            char c = s.charAt(i++);
            if (c == '}') {
                out.append(']');
                return;
            }
            if (c != delimiter) {
                throw new IllegalArgumentException("unexpected character in an array");
            }
            out.append(',');
        }
    }

    /** A composite: an object of its attributes; an empty unquoted field is NULL. */
    void composite(StringBuilder out, ValueForm form) {
        expect('(');
        out.append('{');
        int count = form.names().size();
        for (int k = 0; k < count; k++) {
            StringBuilder text = new StringBuilder();
            boolean quotedOrAny = false;
            boolean inQuotes = false;
            while (inQuotes || (peek() != ',' && peek() != ')')) {
                char c = s.charAt(i++);
                quotedOrAny = true;
                if (c == '\\') {
                    text.append(s.charAt(i++));
                } else if (c == '"') {
                    if (inQuotes && i < s.length() && s.charAt(i) == '"') {
                        text.append('"'); // a doubled quote inside quotes
                        i++;
                    } else {
                        inQuotes = !inQuotes;
                    }
                } else {
                    text.append(c);
                }
            }
            out.append(k == 0 ? "" : ",");
            PgText.string(out, form.names().get(k));
            out.append(':');
            if (quotedOrAny) {
                PgText.append(out, form.attributes().get(k), text.toString());
            } else {
                out.append("null");
            }
            expect(k == count - 1 ? ')' : ',');
        }
        if (count == 0) {
            expect(')');
        }
        end();
        out.append('}');
    }

    /** An hstore ({@code "k"=>"v", "n"=>NULL}) as hstore_to_json makes it: an object of strings and nulls. */
    void hstore(StringBuilder out) {
        out.append('{');
        boolean first = true;
        while (i < s.length()) {
            if (!first) {
                expect(',');
                expect(' ');
            }
            String key = quoted();
            expect('=');
            expect('>');
            out.append(first ? "" : ",");
            PgText.string(out, key);
            out.append(':');
            if (peek() == '"') {
                PgText.string(out, quoted());
            } else if (s.startsWith("NULL", i)) {
                i += 4;
                out.append("null");
            } else {
                throw new IllegalArgumentException("unexpected hstore value");
            }
            first = false;
        }
        out.append('}');
    }
}
