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
