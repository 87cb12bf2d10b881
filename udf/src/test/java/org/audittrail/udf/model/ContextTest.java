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

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.Test;

/** Context text to stored JSON: plain JSON, Django's quoting, invalid and huge contexts. */
class ContextTest {

    /** What Bemi's Django package puts in its comment, emulated: Python's quote() with its safe set, then its replaces. */
    static String djangoQuote(String json, boolean withParameters) {
        StringBuilder quoted = new StringBuilder();
        for (byte b : json.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            boolean safe = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "_.-~{},[]:\"'\\/=()% ".indexOf(c) >= 0;
            quoted.append(safe ? String.valueOf(c) : String.format("%%%02X", b & 0xff));
        }
        String sent = quoted.toString()
                .replace("*/", "* /")
                .replace("/*", "/ *")
                .replace("--", "- -")
                .replace("%", "%%");
        // psycopg formats the statement, halving the percents, only when it has parameters
        return withParameters ? sent.replace("%%", "%") : sent;
    }

    @Test
    void plainJsonIsKeptWithItsKeysAndTypes() {
        assertThat(Context.parse("{\"user_id\": 187234, \"endpoint\": \"/todo\", \"admin\": true, \"ratio\": 0.10,"
                        + " \"tags\": [\"a\"], \"SQL\": \"INSERT INTO ...\"}"))
                .isEqualTo("{\"user_id\":187234,\"endpoint\":\"/todo\",\"admin\":true,\"ratio\":0.10,\"tags\":[\"a\"],"
                        + "\"SQL\":\"INSERT INTO ...\"}");
    }

    @Test
    void commentLikeTextInsideJsonStringsIsKept() {
        assertThat(Context.parse("{\"path\": \"/api/* /x\", \"note\": \"a * / b -- c\"}"))
                .isEqualTo("{\"path\":\"/api/* /x\",\"note\":\"a * / b -- c\"}");
    }

    @Test
    void djangoQuotingComesBackAsTheApplicationWroteIt() {
        String original = "{\"user_id\": 7, \"note\": \"50% off; a*b /* c */ -- d ---- e\", \"email\": \"x+y@z.io\","
                + " \"SQL\": \"UPDATE \\\"todo\\\" SET \\\"task\\\" = %s WHERE \\\"id\\\" = %s\"}";
        String expected = Json.write(object(original));
        assertThat(Context.parse(djangoQuote(original, true))).isEqualTo(expected);
        assertThat(Context.parse(djangoQuote(original, false))).isEqualTo(expected);
    }

    @Test
    void invalidJsonIsKeptAsText() {
        assertThat(Context.parse("{\"user_id\": 1")).isEqualTo("{\"_unparsed\":\"{\\\"user_id\\\": 1\"}");
        assertThat(Context.parse("[1, 2]")).isEqualTo("{\"_unparsed\":\"[1, 2]\"}");
        assertThat(Context.parse("")).isEqualTo("{}");
    }

    @Test
    void contextThatJsonbCannotHoldIsKeptAsTheTextSent() throws Exception {
        for (String sent : new String[] {
            "{\"a\":\"\\u0000\"}", // U+0000 in a value: valid JSON, no jsonb
            "{\"a\\u0000b\": 1}", // in a key
            "{\"user\": {\"tags\": [\"x\\u0000\"]}}", // nested
            "{\"a\":\"\\udc00\"}", // an unpaired surrogate
            "{\"n\": 1e-20000}"
        }) { // beyond numeric's scale
            Context.Stored stored = Context.read(sent);
            assertThat(stored.fallback()).as(sent).isTrue();
            assertThat(Json.parse(stored.json()).get("_unparsed").textValue())
                    .as(sent)
                    .isEqualTo(sent);
            assertThat(Json.parse(stored.json()).size()).isEqualTo(1);
        }
    }

    @Test
    void numbersBeyondDoubleAreKeptAsWritten() throws Exception {
        Context.Stored stored =
                Context.read("{\"big\": 1e400, \"small\": -1.5e-400, \"exact\": 0.1000000000000000000001}");
        assertThat(stored.fallback()).isFalse();
        assertThat(stored.json()).doesNotContain("Infinity");
        JsonNode json = Json.parse(stored.json());
        assertThat(json.get("big").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("1e400"));
        assertThat(json.get("small").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("-1.5e-400"));
        assertThat(json.get("exact").decimalValue()).isEqualTo(new java.math.BigDecimal("0.1000000000000000000001"));
    }

    @Test
    void onlyContextsNotStoredAsSentAreFallbacks() {
        assertThat(Context.read("{\"user_id\": 1, \"n\": 1e-16000}"))
                .isEqualTo(new Context.Stored("{\"user_id\":1,\"n\":1E-16000}", false));
        assertThat(Context.read("")).isEqualTo(new Context.Stored("{}", false));
        assertThat(Context.read("{\"user_id\": 1").fallback()).isTrue();
        assertThat(Context.read("{\"blob\": \"" + "x".repeat(Context.MAX_BYTES) + "\"}")
                        .fallback())
                .isTrue();
    }

    @Test
    void hugeContextIsCutAndFlagged() throws Exception {
        String huge = "{\"blob\": \"" + "é".repeat(600_000) + "\"}";
        var node = Json.parse(Context.parse(huge));
        assertThat(node.get("_truncated").booleanValue()).isTrue();
        assertThat(node.get("_unparsed").textValue().getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(Context.MAX_BYTES)
                .isGreaterThan(Context.MAX_BYTES - 2);
        assertThat(huge).startsWith(node.get("_unparsed").textValue());
    }

    private static com.fasterxml.jackson.databind.JsonNode object(String json) {
        try {
            return Json.parse(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
