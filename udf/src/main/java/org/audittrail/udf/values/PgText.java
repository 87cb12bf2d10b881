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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * PostgreSQL's text output of a value (as pgoutput sends it) turned into the JSON that {@code to_jsonb} writes for it,
 * following PostgreSQL 15's {@code datum_to_jsonb}; or, where that cannot be made exact, the value's fallback form.
 *
 * <p>The text is read as a walsender writes it to pgjdbc: DateStyle ISO, the server's IntervalStyle and bytea_output,
 * extra_float_digits 3, TimeZone the JVM's (timestamptz is brought to UTC here), and lc_monetary C, which the job asks
 * for on its source connections (money becomes a plain decimal here). This class owns
 * the dispatch by form, the json and jsonb documents and the fallback form; {@link ScalarText}, {@link StructuredText}
 * and {@link RangeText} read the text of the other forms.
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

    /** Appends the JSON of a value of {@code form} whose text is {@code text}; throws where it cannot be made exact. */
    static void append(StringBuilder out, ValueForm form, String text) {
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
                if (ScalarText.isJsonNumber(text)) {
                    out.append(text);
                } else {
                    string(out, text);
                }
                return;
            case TIMESTAMP:
                string(out, ScalarText.timestamp(text));
                return;
            case TIMESTAMPTZ:
                string(out, ScalarText.timestamptzUtc(text));
                return;
            case JSON:
            case JSONB:
                out.append(nestedJson(text));
                return;
            case ARRAY:
                new StructuredText(text).array(out, form);
                return;
            case COMPOSITE:
                new StructuredText(text).composite(out, form);
                return;
            case HSTORE:
                new StructuredText(text).hstore(out);
                return;
            case TSTZ_RANGE:
                string(out, RangeText.tstzRangeUtc(text, false));
                return;
            case TSTZ_MULTIRANGE:
                string(out, RangeText.tstzRangeUtc(text, true));
                return;
            case MONEY:
                string(out, ScalarText.money(text));
                return;
            case UNKNOWN_CAST:
                throw new IllegalArgumentException("a cast to json the job cannot reproduce");
            default:
                string(out, text);
        }
    }

    /** Appends the text as a JSON string, escaped where JSON needs it. */
    static void string(StringBuilder out, String text) {
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
}
