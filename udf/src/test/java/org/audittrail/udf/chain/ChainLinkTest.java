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

import java.util.List;
import java.util.UUID;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.Test;

/** The canonical form, byte by byte as docs/tamper-evidence.md states it, and what a link does and does not cover. */
class ChainLinkTest {

    static ChainedChange change(String before, String after, String context) {
        return new ChainedChange(
                UUID.fromString("00000000-0000-0000-0000-000000000001"),
                "shop",
                "public",
                "orders",
                "7",
                "UPDATE",
                1_700_000_000_123_000L,
                42,
                1000,
                false,
                null,
                before,
                after,
                context,
                null);
    }

    @Test
    void canonicalJsonSortsKeysByCodePointAndPrintsNumbersAsJsonbDoes() throws Exception {
        assertThat(
                        CanonicalJson.of(
                                Json.parseValue(
                                        "{\"b\": 1e2, \"a\": [1.50, \"x\\u0001\\\"\", null, true], \"\uD83D\uDE00\": 0, \"\uFFFF\": -0}")))
                .isEqualTo("{\"a\":[1.50,\"x\\u0001\\\"\",null,true],\"b\":100,\"\uFFFF\":0,\"\uD83D\uDE00\":0}");
        // each escape between plain characters, and a text without any
        assertThat(CanonicalJson.of(Json.MAPPER.getNodeFactory().textNode("a\"b\\c\bd\fe\nf\rg\th\u001fi/é")))
                .isEqualTo("\"a\\\"b\\\\c\\bd\\fe\\nf\\rg\\th\\u001fi/é\"");
        assertThat(CanonicalJson.of(Json.MAPPER.getNodeFactory().textNode("plain")))
                .isEqualTo("\"plain\"");
    }

    @Test
    void commitmentsDoNotDependOnHowTheJsonWasWritten() {
        // the job's text and PostgreSQL's jsonb text of one value: other key order, spacing and number form
        assertThat(ChainLink.commitments("{\"id\": 7, \"total\": 1.0E+1, \"tags\": {\"b\": 1, \"a\": 2}}"))
                .isEqualTo(ChainLink.commitments("{\"id\":7,\"tags\":{\"a\":2,\"b\":1},\"total\":10}"));
    }

    @Test
    void commitmentsReadAsAStreamAreThoseOfTheParsedValues() throws Exception {
        // images and contexts are read as a stream; each commitment must be the one of the value's parsed tree
        String[] values = {
            "0",
            "-0",
            "-0.0",
            "-0.50",
            "1.50",
            "1e2",
            "1E-3",
            "-2.5e+3",
            "123456789012345678901234567890",
            "-9223372036854775809",
            "0.000",
            "\"\"",
            "\"a\\\"b\\\\c\\u0001\\n/\\u00e9\\ud83d\\ude00\"",
            "true",
            "false",
            "null",
            "[]",
            "{}",
            "[1, [2, {\"b\": 1, \"a\": [-0]}], \"x\"]",
            "{\"z\": 1, \"\ud83d\ude00\": 2, \"\uffff\": 3, \"a\": {\"d\": 1, \"d\": 2, \"c\": 1e1}}"
        };
        StringBuilder image = new StringBuilder("{");
        for (int i = 0; i < values.length; i++) {
            image.append(i > 0 ? ", " : "")
                    .append("\"k")
                    .append(i)
                    .append("\": ")
                    .append(values[i]);
        }
        String json = image.append(", \"k0\": \"repeated: the last one wins\"}").toString();
        com.fasterxml.jackson.databind.JsonNode tree = Json.parseValue(json);
        com.fasterxml.jackson.databind.node.ObjectNode expected = Json.object();
        tree.fields().forEachRemaining(f -> expected.put(f.getKey(), ChainLink.commitment(f.getKey(), f.getValue())));
        assertThat(ChainLink.commitments(json)).isEqualTo(expected).hasSize(values.length);
        // not one object: read by the tree reader, as before
        assertThat(ChainLink.commitments("[1]").get("").asText())
                .isEqualTo(ChainLink.commitment("", Json.parseValue("[1]")));
        assertThat(ChainLink.commitments("{\"a\": ").get("").asText())
                .isEqualTo(ChainLink.commitment("", Json.MAPPER.getNodeFactory().textNode("{\"a\": ")));
    }

    @Test
    void theFormIsTheDocumentedArray() {
        String form = ChainLink.canonicalForm(ChainLink.GENESIS, 1, change("{}", "{\"id\":7}", "{}"));
        assertThat(form)
                .isEqualTo("[\"audit-trail-chain-1\",\"" + ChainLink.GENESIS + "\",1,"
                        + "\"00000000-0000-0000-0000-000000000001\",\"shop\",\"public\",\"orders\",\"7\",\"UPDATE\","
                        + "1700000000123000,42,1000,false,null,{},{\"id\":\""
                        + ChainLink.sha256("[\"id\",7]") + "\"},{}]");
        assertThat(ChainLink.next(ChainLink.GENESIS, 1, change("{}", "{\"id\":7}", "{}")))
                .isEqualTo(ChainLink.sha256(form))
                .hasSize(64);
    }

    @Test
    void aLinkCoversEveryValueTheSequenceAndThePreviousLink() {
        String link = ChainLink.next(ChainLink.GENESIS, 1, change("{\"a\":1}", "{\"a\":2}", "{\"user\":3}"));
        assertThat(List.of(
                        ChainLink.next(ChainLink.GENESIS, 1, change("{\"a\":1}", "{\"a\":2}", "{\"user\":4}")),
                        ChainLink.next(ChainLink.GENESIS, 1, change("{\"a\":0}", "{\"a\":2}", "{\"user\":3}")),
                        ChainLink.next(ChainLink.GENESIS, 1, change("{\"a\":1}", "{\"a\":\"2\"}", "{\"user\":3}")),
                        ChainLink.next(ChainLink.GENESIS, 2, change("{\"a\":1}", "{\"a\":2}", "{\"user\":3}")),
                        ChainLink.next("1".repeat(64), 1, change("{\"a\":1}", "{\"a\":2}", "{\"user\":3}"))))
                .doesNotContain(link)
                .doesNotHaveDuplicates();
    }

    @Test
    void anEmptyOrAbsentImageHasNoCommitments() {
        assertThat(ChainLink.commitments(null)).isEqualTo(ChainLink.commitments("{}"));
        assertThat(ChainLink.commitments("{}").size()).isZero();
    }

    @Test
    void theWrittenFormIsTheCanonicalJsonOfTheDocumentedArray() throws Exception {
        // a kept commitment is read back from the destination: written as any text, even one that needs escaping
        String erased = "{\"after\": {\"name\": {\"commitment\": \"" + "ab".repeat(31) + "\\\"x\"}}}";
        List<ChainedChange> changes = List.of(
                change("{}", "{\"id\":7}", "{}"),
                new ChainedChange(
                        UUID.fromString("0f000000-0000-4000-8000-0000000000ff"),
                        "shop \"eu\"",
                        "sch\\ema",
                        "ta\tble\u0001",
                        null,
                        "DELETE",
                        -1L,
                        Long.MAX_VALUE,
                        -42L,
                        true,
                        java.util.Arrays.asList("a\nb", null, "\uD83D\uDE00"),
                        "{\"\uFFFF\": 1e2, \"\uD83D\uDE00\": [1.50, null], \"b\": {\"y\": 1, \"x\": \"\\\"\"}, \"big\":"
                                + " 123456789012345678901234567890, \"neg\": -0, \"t\": true}",
                        "{\"name\": \"[erased]\", \"n\": 9223372036854775807, \"m\": -9223372036854775808}",
                        "not json",
                        erased),
                change(null, "[1, 2]", "\"text\""));
        for (ChainedChange c : changes) {
            assertThat(ChainLink.canonicalForm("prev\"ious", 3, c)).isEqualTo(documentedForm("prev\"ious", 3, c));
        }
    }

    /** The form as docs/tamper-evidence.md states it, built as a JSON array and printed canonically. */
    private static String documentedForm(String previous, long sequence, ChainedChange c) {
        com.fasterxml.jackson.databind.node.ArrayNode form = Json.MAPPER
                .createArrayNode()
                .add(ChainLink.FORM)
                .add(previous)
                .add(sequence)
                .add(c.id().toString())
                .add(c.database())
                .add(c.schema())
                .add(c.table())
                .add(c.primaryKey())
                .add(c.operation())
                .add(c.committedAtMicros())
                .add(c.transactionId())
                .add(c.position())
                .add(c.partial());
        if (c.fallbackColumns() == null) {
            form.addNull();
        } else {
            c.fallbackColumns().forEach(form.addArray()::add);
        }
        com.fasterxml.jackson.databind.JsonNode erased = Erasure.parse(c.erased());
        for (String section : List.of(Erasure.BEFORE, Erasure.AFTER, Erasure.CONTEXT)) {
            String image = section.equals(Erasure.BEFORE)
                    ? c.before()
                    : section.equals(Erasure.AFTER) ? c.after() : c.context();
            com.fasterxml.jackson.databind.node.ObjectNode commitments = form.addObject();
            ChainLink.commitments(image, erased.path(section)).forEach(commitments::put);
        }
        return CanonicalJson.of(form);
    }
}
