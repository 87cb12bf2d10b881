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

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.Test;

/** The scan's commitments are the tree reader's, on random JSON written every way JSON allows. */
class JsonScanTest {

    private static final String[] CHARACTERS = {
        "a",
        "Z",
        " ",
        "\"",
        "\\",
        "/",
        "\n",
        "\t",
        "\b",
        "\u0001",
        "\u001f",
        "\u007f",
        "é",
        "€",
        "\u2028",
        "\uffff",
        "\ud83d\ude00"
    };

    private static final String[] NUMBERS = {
        "0",
        "-0",
        "7",
        "-42",
        "9223372036854775807",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "0.5",
        "-0.0",
        "-0.000",
        "1.50",
        "-12.340",
        "1e5",
        "-2.50E-3",
        "0e0",
        "-0E+2",
        "1E+400",
        "3.25e1"
    };

    @Test
    void randomObjectsCommitAsTheirParsedTrees() throws Exception {
        long seed = 20261208L;
        Random random = new Random(seed);
        for (int i = 0; i < 3_000; i++) {
            String json = object(random, 0, true);
            JsonNode tree = Json.parseValue(json);
            ObjectNode expected = Json.object();
            tree.fields()
                    .forEachRemaining(f -> expected.put(f.getKey(), ChainLink.commitment(f.getKey(), f.getValue())));
            assertThat(ChainLink.commitments(json))
                    .as("seed %d, case %d: %s", seed, i, json)
                    .isEqualTo(expected);
        }
    }

    @Test
    void whatTheScanDoesNotReadIsLeftToTheTreeReader() throws Exception {
        for (String json : new String[] {
            "{\"a\": 01}",
            "{\"a\": 1,}",
            "{\"a\": \"\u0001\"}",
            "{\"a\": \"\\x\"}",
            "{\"a\": NaN}",
            "{\"a\": 1} x",
            "{\"a\": [1,]}",
            "{'a': 1}",
            "{\"a\": tru}",
            "{\"a\": -}",
            "{\"a\": 1.}",
            "{\"a\": 1e}",
            "{\"a\" 1}",
            "{\"a\": \"\\u12\"}",
            "[1]",
            " ",
            "{\"a\": " + "[".repeat(150) + "]".repeat(150) + "}"
        }) {
            JsonNode tree;
            try {
                tree = Json.parseValue(json);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                tree = Json.MAPPER.getNodeFactory().textNode(json);
            }
            ObjectNode expected = Json.object();
            if (tree.isObject()) {
                tree.fields()
                        .forEachRemaining(
                                f -> expected.put(f.getKey(), ChainLink.commitment(f.getKey(), f.getValue())));
            } else {
                expected.put("", ChainLink.commitment("", tree));
            }
            assertThat(ChainLink.commitments(json)).as(json).isEqualTo(expected);
        }
    }

    private static String object(Random random, int depth, boolean top) {
        StringBuilder out = new StringBuilder(space(random)).append('{');
        int members = random.nextInt(top ? 6 : 4) + (top ? 1 : 0);
        String repeated = null;
        for (int m = 0; m < members; m++) {
            out.append(m > 0 ? "," : "").append(space(random));
            String key = repeated != null && random.nextInt(5) == 0 ? repeated : text(random);
            repeated = key;
            out.append(string(random, key)).append(space(random)).append(':');
            out.append(value(random, depth + 1)).append(space(random));
        }
        return out.append('}').append(top ? space(random) : "").toString();
    }

    private static String value(Random random, int depth) {
        String space = space(random);
        return space
                + switch (random.nextInt(depth > 2 ? 3 : 5)) {
                    case 0 -> string(random, text(random));
                    case 1 -> NUMBERS[random.nextInt(NUMBERS.length)];
                    case 2 -> new String[] {"true", "false", "null"}[random.nextInt(3)];
                    case 3 -> object(random, depth, false);
                    default -> array(random, depth);
                }
                + space(random);
    }

    private static String array(Random random, int depth) {
        StringBuilder out = new StringBuilder("[");
        int elements = random.nextInt(4);
        for (int e = 0; e < elements; e++) {
            out.append(e > 0 ? "," : "").append(value(random, depth + 1));
        }
        return out.append(space(random)).append(']').toString();
    }

    private static String text(Random random) {
        StringBuilder out = new StringBuilder();
        int length = random.nextInt(6);
        for (int c = 0; c < length; c++) {
            out.append(CHARACTERS[random.nextInt(CHARACTERS.length)]);
        }
        return out.toString();
    }

    /** {@code text} as a JSON string, each character raw where JSON allows it, or escaped one of the ways it may be. */
    private static String string(Random random, String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            boolean mustEscape = c == '"' || c == '\\' || c < 0x20;
            int way = random.nextInt(3);
            if (!mustEscape && way > 0) {
                out.append(c);
            } else if (way == 1 || c < 0x20 && "\b\f\n\r\t".indexOf(c) < 0) {
                out.append(String.format(random.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
            } else {
                out.append(
                        switch (c) {
                            case '\b' -> "\\b";
                            case '\f' -> "\\f";
                            case '\n' -> "\\n";
                            case '\r' -> "\\r";
                            case '\t' -> "\\t";
                            case '/' -> random.nextBoolean() ? "\\/" : "/";
                            case '"' -> "\\\"";
                            case '\\' -> "\\\\";
                            default -> String.format("\\u%04x", (int) c);
                        });
            }
        }
        return out.append('"').toString();
    }

    private static String space(Random random) {
        return new String[] {"", "", " ", "\n", "\t", "\r\n  "}[random.nextInt(6)];
    }
}
