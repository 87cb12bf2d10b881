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

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.UUID;
import org.audittrail.udf.values.Json;
import org.junit.jupiter.api.Test;

/** An erasure replaces values by the marker and keeps their commitments: the link stays, the values go. */
class ErasureTest {

    private static final String BEFORE = "{\"id\": 7, \"email\": \"ann@example.com\", \"total\": 1.50}";
    private static final String AFTER = "{\"id\": 7, \"email\": \"ann@new.example\", \"total\": 2.50}";
    private static final String CONTEXT =
            "{\"user_id\": 7, \"by\": {\"mail\": \"ann@example.com\"}, \"endpoint\": \"/orders\"}";

    private static final Erasure.Scope ALL = new Erasure.Scope(null, Set.of());

    @Test
    void theLinkOfAnErasedChangeIsTheLinkOfTheChangeAsChained() throws Exception {
        String link = ChainLink.next(ChainLink.GENESIS, 1, ChainLinkTest.change(BEFORE, AFTER, CONTEXT));
        Erasure.Result erased = Erasure.apply(BEFORE, AFTER, CONTEXT, null, ALL, 3, Set.of());

        ChainedChange stored = stored(BEFORE, AFTER, CONTEXT, erased);
        assertThat(stored.before()).doesNotContain("ann@");
        assertThat(stored.after()).doesNotContain("ann@").contains(Erasure.MARKER);
        // the context value holding an erased text goes too; the others stay
        assertThat(Json.parse(stored.context()))
                .isEqualTo(Json.parse("{\"user_id\": 7, \"by\": \"[erased]\", \"endpoint\": \"/orders\"}"));
        assertThat(ChainLink.next(ChainLink.GENESIS, 1, stored)).isEqualTo(link);
        assertThat(erased.values()).hasSize(7);
        assertThat(erased.values()).allSatisfy(v -> assertThat(v.receipt()).isEqualTo(3));
    }

    @Test
    void namedColumnsAndContextKeysOnly() throws Exception {
        Erasure.Result erased = Erasure.apply(
                BEFORE, AFTER, CONTEXT, null, new Erasure.Scope(Set.of("total"), Set.of("user_id")), 1, Set.of());
        ChainedChange stored = stored(BEFORE, AFTER, CONTEXT, erased);
        assertThat(Json.parse(stored.after()))
                .isEqualTo(Json.parse("{\"id\": 7, \"email\": \"ann@new.example\", \"total\": \"[erased]\"}"));
        assertThat(Json.parse(stored.context()).get("user_id").asText()).isEqualTo(Erasure.MARKER);
        assertThat(Json.parse(stored.context()).get("by").toString()).contains("ann@example.com");
        assertThat(ChainLink.next(ChainLink.GENESIS, 1, stored))
                .isEqualTo(ChainLink.next(ChainLink.GENESIS, 1, ChainLinkTest.change(BEFORE, AFTER, CONTEXT)));
    }

    @Test
    void aSecondErasureTakesOnlyWhatIsLeftAndKeepsTheFirstOnesCommitments() throws Exception {
        Erasure.Result first =
                Erasure.apply(BEFORE, AFTER, CONTEXT, null, new Erasure.Scope(Set.of("email"), Set.of()), 1, Set.of());
        ChainedChange once = stored(BEFORE, AFTER, CONTEXT, first);
        Erasure.Result second =
                Erasure.apply(once.before(), once.after(), once.context(), once.erased(), ALL, 2, Set.of());
        ChainedChange twice = stored(once.before(), once.after(), once.context(), second);

        assertThat(second.values()).extracting(Erasure.Erased::key).doesNotContain("email");
        assertThat(Erasure.entries(twice.erased()))
                .filteredOn(e -> e.key().equals("email"))
                .allSatisfy(e -> assertThat(e.receipt()).isEqualTo(1));
        assertThat(ChainLink.next(ChainLink.GENESIS, 1, twice))
                .isEqualTo(ChainLink.next(ChainLink.GENESIS, 1, ChainLinkTest.change(BEFORE, AFTER, CONTEXT)));
        assertThat(Erasure.apply(twice.before(), twice.after(), twice.context(), twice.erased(), ALL, 3, Set.of()))
                .isNull();
    }

    @Test
    void aValueWrittenUnderAnErasedKeyBreaksTheLink() throws Exception {
        Erasure.Result erased = Erasure.apply(BEFORE, AFTER, CONTEXT, null, ALL, 1, Set.of());
        ChainedChange stored = stored(BEFORE, AFTER, CONTEXT, erased);
        ObjectNode forged = (ObjectNode) Json.parse(stored.after());
        forged.put("total", 99);
        ChainedChange edited = withImages(stored, stored.before(), Json.write(forged), stored.context());
        assertThat(ChainLink.next(ChainLink.GENESIS, 1, edited))
                .isNotEqualTo(ChainLink.next(ChainLink.GENESIS, 1, stored));
    }

    @Test
    void aCompanionChangeLosesOnlyTheContextValuesHoldingAnErasedText() {
        Set<String> texts = Erasure.texts(BEFORE, AFTER, null, ALL);
        assertThat(texts).contains("ann@example.com", "ann@new.example").doesNotContain("7");
        String other = "{\"id\": 8, \"email\": \"bob@example.com\"}";
        Erasure.Result erased = Erasure.apply("{}", other, CONTEXT, null, Erasure.Scope.TEXTS_ONLY, 1, texts);
        assertThat(erased.values()).extracting(e -> e.section() + "." + e.key()).containsExactly("context.by");
        assertThat(erased.patch(Erasure.AFTER)).isEqualTo("{}");
    }

    @Test
    void entriesComeInTheDigestsOrder() {
        Erasure.Result erased = Erasure.apply(BEFORE, AFTER, CONTEXT, null, ALL, 1, Set.of());
        assertThat(Erasure.entries(erased.erased())).isEqualTo(erased.values());
        assertThat(erased.values())
                .extracting(e -> e.section() + "." + e.key())
                .containsExactly(
                        "before.email",
                        "before.id",
                        "before.total",
                        "after.email",
                        "after.id",
                        "after.total",
                        "context.by");
    }

    @Test
    void aReceiptsLinkCoversEveryFieldAndItsDigestEveryValue() {
        UUID change = UUID.fromString("00000000-0000-0000-0000-000000000009");
        ErasureReceipt.Digest digest = new ErasureReceipt.Digest();
        digest.add(change, "after", "email", "ab");
        ErasureReceipt.Digest other = new ErasureReceipt.Digest();
        other.add(change, "after", "email", "ac");
        String hex = digest.hex();
        assertThat(hex).isNotEqualTo(other.hex()).hasSize(64);

        ErasureReceipt receipt = new ErasureReceipt(
                1,
                change,
                "shop",
                1_700_000_000_000_000L,
                "dpo",
                "request 12",
                Json.MAPPER.createObjectNode().put("table", "public.users"),
                Json.MAPPER.createObjectNode().put("columns", "all"),
                1,
                1,
                hex);
        assertThat(receipt.canonicalForm(ChainLink.GENESIS))
                .startsWith("[\"audit-trail-erasure-1\",\"" + ChainLink.GENESIS + "\",1,")
                .endsWith(",1,1,\"" + hex + "\"]");
        ErasureReceipt edited = new ErasureReceipt(
                1,
                change,
                "shop",
                1_700_000_000_000_000L,
                "dpo",
                "request 13",
                receipt.subject(),
                receipt.scope(),
                1,
                1,
                hex);
        assertThat(edited.hash(ChainLink.GENESIS)).isNotEqualTo(receipt.hash(ChainLink.GENESIS));
        assertThat(receipt.toJson("h").get("erased_at").asText()).isEqualTo("2023-11-14T22:13:20Z");
    }

    /** The change as the destination holds it after the erasure: jsonb's || of each patch. */
    private static ChainedChange stored(String before, String after, String context, Erasure.Result erased)
            throws Exception {
        ChainedChange change = withImages(
                ChainLinkTest.change(before, after, context),
                merge(before, erased.patch(Erasure.BEFORE)),
                merge(after, erased.patch(Erasure.AFTER)),
                merge(context, erased.patch(Erasure.CONTEXT)));
        return new ChainedChange(
                change.id(),
                change.database(),
                change.schema(),
                change.table(),
                change.primaryKey(),
                change.operation(),
                change.committedAtMicros(),
                change.transactionId(),
                change.position(),
                change.partial(),
                change.fallbackColumns(),
                change.before(),
                change.after(),
                change.context(),
                erased.erased());
    }

    private static ChainedChange withImages(ChainedChange c, String before, String after, String context) {
        return new ChainedChange(
                c.id(),
                c.database(),
                c.schema(),
                c.table(),
                c.primaryKey(),
                c.operation(),
                c.committedAtMicros(),
                c.transactionId(),
                c.position(),
                c.partial(),
                c.fallbackColumns(),
                before,
                after,
                context,
                c.erased());
    }

    private static String merge(String json, String patch) throws Exception {
        ObjectNode object = (ObjectNode) Json.parseValue(json);
        object.setAll((ObjectNode) Json.parse(patch));
        return Json.write(object);
    }
}
