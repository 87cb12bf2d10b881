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

/** A position in the text of an array, composite, hstore or range, and the steps its readers share. */
abstract class TextCursor {

    final String s;
    int i;

    TextCursor(String s) {
        this.s = s;
    }

    char peek() {
        if (i >= s.length()) {
            throw new IllegalArgumentException("text ends early");
        }
        return s.charAt(i);
    }

    void expect(char c) {
        if (peek() != c) {
            throw new IllegalArgumentException("unexpected character");
        }
        i++;
    }

    void end() {
        if (i != s.length()) {
            throw new IllegalArgumentException("text goes on");
        }
    }

    /** A double-quoted element of an array or hstore, backslash escapes undone. */
    String quoted() {
        expect('"');
        StringBuilder text = new StringBuilder();
        while (peek() != '"') {
            char c = s.charAt(i++);
            text.append(c == '\\' ? s.charAt(i++) : c);
        }
        i++;
        return text.toString();
    }
}
