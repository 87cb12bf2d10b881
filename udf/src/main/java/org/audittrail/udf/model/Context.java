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
package org.audittrail.udf.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.audittrail.udf.values.Json;
import org.audittrail.udf.values.Jsonb;

/**
 * Turns the text of a {@code _bemi} message into the JSON object stored in {@code changes.context}.
 *
 * <p>Most of Bemi's packages send plain JSON. The Django package URL-quotes its JSON (keeping
 * {@code {},[]:"'\-/_=()%} and spaces), breaks up {@code --} as {@code - -}, and doubles every {@code %},
 * which its driver halves again only when the statement has parameters; such text is decoded back.
 * Text that is no JSON object, or one that PostgreSQL's jsonb cannot hold (U+0000 or an unpaired surrogate in a
 * string or key, a number beyond numeric's range), is kept as text under {@value #UNPARSED_KEY}; a context over
 * {@value #MAX_BYTES} bytes (the packages' own cap) is cut, flagged with {@value #TRUNCATED_KEY}. Each of these
 * is a fallback form ({@link Stored#fallback()}).
 */
public final class Context {

    /** Key under which a context that is not a JSON object is kept, as text. */
    public static final String UNPARSED_KEY = "_unparsed";
    /** Key set to true where the context was cut. */
    public static final String TRUNCATED_KEY = "_truncated";
    /** Longest context kept whole, in bytes of UTF-8. */
    public static final int MAX_BYTES = 1_000_000;

    /** All Django's quoting leaves: ASCII letters and digits, _.-~ and its safe characters. */
    private static final Pattern DJANGO_ALPHABET = Pattern.compile("[A-Za-z0-9_.~{},\\[\\]:\"'\\\\\\-/=()% ]*");

    private static final Pattern PERCENT_ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");

    private Context() {}

    /** A context as stored: its JSON object, and whether that is a fallback form rather than the object sent. */
    public record Stored(String json, boolean fallback) {}

    /** The context as a JSON object; never throws, never drops the text. */
    public static String parse(String text) {
        return read(text).json();
    }

    /** The context as stored, and whether in a fallback form; never throws, never drops the text. */
    public static Stored read(String text) {
        if (text == null || text.isBlank()) {
            return new Stored(Json.EMPTY_OBJECT, false);
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            ObjectNode kept = Json.object();
            kept.put(UNPARSED_KEY, storableText(cut(text)));
            kept.put(TRUNCATED_KEY, true);
            return new Stored(Json.write(kept), true);
        }
        if (looksDjangoQuoted(text)) {
            ObjectNode decoded = object(djangoUnquote(text));
            if (decoded != null) {
                return new Stored(Json.write(decoded), false);
            }
        }
        ObjectNode plain = object(text);
        if (plain != null) {
            return new Stored(Json.write(plain), false);
        }
        ObjectNode kept = Json.object();
        kept.put(UNPARSED_KEY, storableText(text));
        return new Stored(Json.write(kept), true);
    }

    /** The text itself; a raw U+0000, which no message of Bemi's trigger holds (it sends text), cannot be stored. */
    private static String storableText(String text) {
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    }

    static boolean looksDjangoQuoted(String text) {
        return (PERCENT_ESCAPE.matcher(text).find() || text.contains("- -"))
                && DJANGO_ALPHABET.matcher(text).matches();
    }

    /** Undoes the Django package's quoting: halves doubled percents, decodes %XX, joins {@code - -}. */
    static String djangoUnquote(String text) {
        String s = text;
        if (s.contains("%%") && allPercentsDoubled(s)) {
            s = s.replace("%%", "%"); // sent without parameters: the driver did not halve them
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && isHex(s, i + 1) && isHex(s, i + 2)) {
                bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8).replace("- -", "--");
    }

    private static boolean allPercentsDoubled(String s) {
        int run = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i < s.length() && s.charAt(i) == '%') {
                run++;
            } else if (run % 2 == 1) {
                return false;
            } else {
                run = 0;
            }
        }
        return true;
    }

    private static boolean isHex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0;
    }

    /** The JSON object of the text where it is one that jsonb can hold, else null. */
    private static ObjectNode object(String text) {
        JsonNode node;
        try {
            node = Json.parse(text);
        } catch (JsonProcessingException | RuntimeException e) {
            return null; // not JSON, or beyond Jackson's limits (nesting, number length, exponent)
        }
        return node != null && node.isObject() ? (ObjectNode) Jsonb.storable(node) : null;
    }

    /** The longest prefix of at most MAX_BYTES bytes that does not split a character. */
    private static String cut(String text) {
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int codePoint = text.codePointAt(end);
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > MAX_BYTES) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return text.substring(0, end);
    }
}
