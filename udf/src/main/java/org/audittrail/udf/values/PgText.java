package org.audittrail.udf.values;


import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.LocalDateTime;

/**
 * PostgreSQL's text output of a value (as pgoutput sends it) turned into the JSON that {@code to_jsonb} writes for it,
 * following PostgreSQL 15's {@code datum_to_jsonb}; or, where that cannot be made exact, the value's fallback form.
 *
 * <p>The text is read as a walsender writes it to pgjdbc: DateStyle ISO, the server's IntervalStyle, bytea_output and
 * lc_monetary, extra_float_digits 3, and TimeZone the JVM's (timestamptz is brought to UTC here).
 */
public final class PgText {

    /**
     * First character of a value stored in fallback form, followed by its text: PostgreSQL's text never holds U+0000,
     * and JSON text never starts with it, so the two never mix.
     */
    public static final char FALLBACK = '\u0000';

    private static final JsonStringEncoder STRINGS = JsonStringEncoder.getInstance();

    private PgText() {}

    /**
     * The JSON text {@code to_jsonb} writes for a value of {@code form} whose text output is {@code text}; a top-level
     * json or jsonb value is its own text, jsonb's as it comes and json's once checked that jsonb can hold it. A value
     * that cannot be made exact is {@link #fallback(String)}.
     */
    public static String json(ValueForm form, String text) {
        if (form.kind() == ValueForm.Kind.JSONB) {
            return text; // the destination's jsonb reads it back as the same document
        }
        if (form.kind() == ValueForm.Kind.JSON) {
            return storableJson(text) ? text : fallback(text);
        }
        try {
            StringBuilder out = new StringBuilder(text.length() + 8);
            append(out, form, text);
            return out.toString();
        } catch (RuntimeException e) {
            // text of a shape not foreseen, or a value the job cannot reproduce: kept as text, named as such
            return fallback(text);
        }
    }

    /** The fallback form of a value's text, as the row image (functions.RowImage) recognizes it. */
    public static String fallback(String text) {
        return FALLBACK + text;
    }

    private static void append(StringBuilder out, ValueForm form, String text) {
        switch (form.kind()) {
            case BOOL:
                if (text.equals("t")) {
                    out.append("true");
                } else if (text.equals("f")) {
                    out.append("false");
                } else {
                    throw new IllegalArgumentException("not a bool's text");
                }
                return;
            case NUMBER:
                // as datum_to_jsonb: a number where the text is a valid JSON number, else (NaN, infinities) a string
                if (isJsonNumber(text)) {
                    out.append(text);
                } else {
                    string(out, text);
                }
                return;
            case TIMESTAMP:
                string(out, timestamp(text));
                return;
            case TIMESTAMPTZ:
                string(out, timestamptzUtc(text));
                return;
            case JSON:
            case JSONB:
                out.append(nestedJson(text));
                return;
            case ARRAY:
                new Reader(text).array(out, form);
                return;
            case COMPOSITE:
                new Reader(text).composite(out, form);
                return;
            case HSTORE:
                new Reader(text).hstore(out);
                return;
            case TSTZ_RANGE:
                string(out, tstzRangeUtc(text, false));
                return;
            case TSTZ_MULTIRANGE:
                string(out, tstzRangeUtc(text, true));
                return;
            case UNKNOWN_CAST:
                throw new IllegalArgumentException("a cast to json the job cannot reproduce");
            default:
                string(out, text);
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        if (needsEscape(text)) {
            STRINGS.quoteAsString(text, out);
        } else {
            out.append(text); // the common case, whole rather than a character at a time
        }
        out.append('"');
    }

    /** Whether JSON needs an escape in the text: a quote, a backslash or a control character. */
    static boolean needsEscape(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    /** Whether jsonb can hold a json document: json allows U+0000, unpaired surrogates and numbers beyond numeric. */
    private static boolean storableJson(String text) {
        try {
            JsonNode node = Json.parseValue(text);
            return !node.isMissingNode() && Jsonb.storable(node) != null;
        } catch (JsonProcessingException | RuntimeException e) {
            return false; // beyond Jackson's nesting, say: kept in fallback form
        }
    }

    /** A json or jsonb document inside an array or composite, written as jsonb would hold it. */
    private static String nestedJson(String text) {
        JsonNode node;
        try {
            node = Json.parseValue(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("beyond the job's JSON limits", e);
        }
        JsonNode storable = Jsonb.storable(node);
        if (storable == null || node.isMissingNode()) {
            throw new IllegalArgumentException("a document jsonb cannot hold");
        }
        return Json.write(storable);
    }

    /** PostgreSQL's IsValidJsonNumber: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    static boolean isJsonNumber(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && s.charAt(i) == '-') {
            i++;
        }
        if (i < n && s.charAt(i) == '0') {
            i++;
        } else if (i < n && s.charAt(i) >= '1' && s.charAt(i) <= '9') {
            i = digits(s, i);
        } else {
            return false;
        }
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            i = digits(s, i);
            if (i == start) {
                return false;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            i = digits(s, i);
            if (i == start) {
                return false;
            }
        }
        return i == n;
    }

    private static int digits(String s, int i) {
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /** timestamp in XSD style: {@code 2024-01-02 03:04:05} becomes {@code 2024-01-02T03:04:05}, {@code BC} kept. */
    static String timestamp(String text) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        int space = text.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException("not a timestamp's text");
        }
        return text.substring(0, space) + 'T' + text.substring(space + 1);
    }

    /**
     * timestamptz as to_jsonb writes it with TimeZone UTC: {@code 2024-01-02 08:49:05.5+05:45} becomes
     * {@code 2024-01-02T03:04:05.5+00:00}, years beyond 9999 and BC ones included.
     */
    static String timestamptzUtc(String text) {
        return utc(text, true);
    }

    /** A timestamptz's text as its output function writes it with TimeZone UTC, DateStyle ISO ({@code ...+00}). */
    static String timestamptzTextUtc(String text) {
        return utc(text, false);
    }

    private static String utc(String text, boolean xsd) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        int separator = text.indexOf(' ');
        if (text.endsWith("+00") && separator > 0 && text.indexOf(' ', separator + 1) < 0) {
            // already UTC, and AD (no " BC"): the common case where the server's or the JVM's zone is UTC
            return xsd ? text.substring(0, separator) + 'T' + text.substring(separator + 1, text.length() - 3) + "+00:00" : text;
        }
        boolean bc = text.endsWith(" BC");
        String s = bc ? text.substring(0, text.length() - 3) : text;
        int dash1 = s.indexOf('-');
        int dash2 = s.indexOf('-', dash1 + 1);
        int space = s.indexOf(' ', dash2 + 1);
        int year = Integer.parseInt(s.substring(0, dash1));
        int month = Integer.parseInt(s.substring(dash1 + 1, dash2));
        int day = Integer.parseInt(s.substring(dash2 + 1, space));
        int hour = Integer.parseInt(s.substring(space + 1, space + 3));
        int minute = Integer.parseInt(s.substring(space + 4, space + 6));
        int second = Integer.parseInt(s.substring(space + 7, space + 9));
        int i = space + 9;
        int fractionStart = i;
        if (i < s.length() && s.charAt(i) == '.') {
            i = digits(s, i + 1);
        }
        String fraction = s.substring(fractionStart, i);
        char sign = s.charAt(i);
        if (sign != '+' && sign != '-') {
            throw new IllegalArgumentException("not a timestamptz's text");
        }
        String[] offset = s.substring(i + 1).split(":");
        int offsetSeconds = Integer.parseInt(offset[0]) * 3600
                + (offset.length > 1 ? Integer.parseInt(offset[1]) * 60 : 0)
                + (offset.length > 2 ? Integer.parseInt(offset[2]) : 0);
        // year 1 BC is ISO year 0, as in PostgreSQL's own proleptic Gregorian calendar
        LocalDateTime local = LocalDateTime.of(bc ? 1 - year : year, month, day, hour, minute, second);
        LocalDateTime utc = local.minusSeconds(sign == '+' ? offsetSeconds : -offsetSeconds);
        int utcYear = utc.getYear();
        StringBuilder out = new StringBuilder(40);
        pad(out, utcYear > 0 ? utcYear : 1 - utcYear, 4).append('-');
        pad(out, utc.getMonthValue(), 2).append('-');
        pad(out, utc.getDayOfMonth(), 2).append(xsd ? 'T' : ' ');
        pad(out, utc.getHour(), 2).append(':');
        pad(out, utc.getMinute(), 2).append(':');
        pad(out, utc.getSecond(), 2).append(fraction).append(xsd ? "+00:00" : "+00");
        return utcYear > 0 ? out.toString() : out.append(" BC").toString();
    }

    /**
     * A range or multirange of timestamptz as its output function writes it with TimeZone UTC: to_jsonb writes that
     * text, and the walsender's TimeZone is the JVM's.
     */
    static String tstzRangeUtc(String text, boolean multirange) {
        Reader reader = new Reader(text);
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

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }

    /** Reads the text of arrays, composites and hstores as PostgreSQL's array_out, record_out and hstore_out write it. */
    private static final class Reader {
        private final String s;
        private int i;

        Reader(String s) {
            this.s = s;
        }

        private char peek() {
            if (i >= s.length()) {
                throw new IllegalArgumentException("text ends early");
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("unexpected character");
            }
            i++;
        }

        private void end() {
            if (i != s.length()) {
                throw new IllegalArgumentException("text goes on");
            }
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
                    append(out, element, elements[k]);
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
                    append(out, element, quoted());
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
                        append(out, element, text.toString());
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

        /** One range, {@code empty} or two bounds, each timestamptz bound rewritten in UTC and quoted as range_out does. */
        void range(StringBuilder out) {
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
            String utc = timestamptzTextUtc(text.toString());
            // range_out quotes a bound holding whitespace (every finite timestamptz); its text has no quote or backslash
            out.append(utc.indexOf(' ') < 0 ? utc : '"' + utc + '"');
        }

        /** A double-quoted element of an array or hstore, backslash escapes undone. */
        private String quoted() {
            expect('"');
            StringBuilder text = new StringBuilder();
            while (peek() != '"') {
                char c = s.charAt(i++);
                text.append(c == '\\' ? s.charAt(i++) : c);
            }
            i++;
            return text.toString();
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
                string(out, form.names().get(k));
                out.append(':');
                if (quotedOrAny) {
                    append(out, form.attributes().get(k), text.toString());
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
                string(out, key);
                out.append(':');
                if (peek() == '"') {
                    string(out, quoted());
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
}
