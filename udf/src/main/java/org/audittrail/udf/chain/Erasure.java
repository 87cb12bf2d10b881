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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.audittrail.udf.values.Json;

/**
 * Erases values from one stored change (docs/erasure.md): each erased top-level value of {@code before}, {@code after}
 * or {@code context} becomes {@link #MARKER}, and its commitment, the one its chain link covers, is kept in the change's
 * {@code erased} column with the number of the erasure that took it, so the chain still verifies.
 */
public final class Erasure {

    /** What replaces an erased value. */
    public static final String MARKER = "[erased]";

    public static final String BEFORE = "before";
    public static final String AFTER = "after";
    public static final String CONTEXT = "context";
    public static final String COMMITMENT = "commitment";
    public static final String RECEIPT = "erasure";

    /**
     * What to erase of each change: the images' values of {@code columns} (null: every column), the context's values
     * of {@code contextKeys}, and any context value holding a text equal to an erased one (a name, an e-mail).
     */
    public record Scope(Set<String> columns, Set<String> contextKeys) {
        /** No column, no context key: only context values holding an erased text (a companion change). */
        public static final Scope TEXTS_ONLY = new Scope(Set.of(), Set.of());

        boolean covers(String column) {
            return columns == null || columns.contains(column);
        }
    }

    /** A value erased: where, its commitment and the erasure that took it; what a receipt's digest covers. */
    public record Erased(String section, String key, String commitment, long receipt) {}

    /** The digest's order within a change: before, after, context, then keys in code point order. */
    private static final java.util.Comparator<Erased> ORDER = java.util.Comparator.<Erased>comparingInt(
                    e -> List.of(BEFORE, AFTER, CONTEXT).indexOf(e.section()))
            .thenComparing(Erased::key, CanonicalJson::compareCodePoints);

    /** The values of a stored change's {@code erased} column, in the digest's order. */
    public static List<Erased> entries(String erased) {
        List<Erased> out = new ArrayList<>();
        JsonNode kept = parse(erased);
        for (String section : List.of(BEFORE, AFTER, CONTEXT)) {
            kept.path(section)
                    .properties()
                    .forEach(e -> out.add(new Erased(
                            section,
                            e.getKey(),
                            e.getValue().path(COMMITMENT).asText(),
                            e.getValue().path(RECEIPT).asLong())));
        }
        out.sort(ORDER);
        return out;
    }

    /**
     * A change's erasure: the new text of its {@code erased} column and the values that went. The stored images are
     * patched (jsonb {@code ||} with {@link #patch}) rather than rewritten, so no value that stays passes through here.
     */
    public record Result(String erased, List<Erased> values) {

        /** The keys of {@code section} to set to the marker, as a JSON object; {@code {}} for none. */
        public String patch(String section) {
            ObjectNode patch = Json.MAPPER.createObjectNode();
            values.stream().filter(v -> v.section().equals(section)).forEach(v -> patch.put(v.key(), MARKER));
            return Json.write(patch);
        }
    }

    private Erasure() {}

    /**
     * Erases {@code scope} from a change as stored, and every context value holding one of {@code texts} (texts erased
     * from other changes) or a text erased here; null where there is nothing (more) to erase.
     */
    public static Result apply(
            String before, String after, String context, String erased, Scope scope, long receipt, Set<String> texts) {
        ObjectNode kept = parse(erased).isObject() ? (ObjectNode) parse(erased) : Json.MAPPER.createObjectNode();
        List<Erased> values = new ArrayList<>();
        Set<String> erasedTexts = new HashSet<>(texts);
        ObjectNode contextObject = image(context);
        erase(image(before), BEFORE, kept, values, erasedTexts, receipt, scope::covers);
        erase(image(after), AFTER, kept, values, erasedTexts, receipt, scope::covers);
        erase(
                contextObject,
                CONTEXT,
                kept,
                values,
                new HashSet<>(),
                receipt,
                key -> scope.contextKeys().contains(key) || holdsAny(contextObject.get(key), erasedTexts));
        if (values.isEmpty()) {
            return null;
        }
        values.sort(ORDER);
        return new Result(Json.write(kept), values);
    }

    /** The texts {@code scope} would erase from a change's images: what its transaction's contexts may repeat. */
    public static Set<String> texts(String before, String after, String erased, Scope scope) {
        Set<String> texts = new HashSet<>();
        JsonNode kept = parse(erased);
        for (String section : List.of(BEFORE, AFTER)) {
            image(section.equals(BEFORE) ? before : after).properties().forEach(field -> {
                if (scope.covers(field.getKey()) && !kept.path(section).has(field.getKey())) {
                    collectTexts(field.getValue(), texts);
                }
            });
        }
        return texts;
    }

    /** Whether {@code value} is the marker an erasure left. */
    public static boolean isMarker(JsonNode value) {
        return value.isTextual() && MARKER.equals(value.asText());
    }

    /** The {@code erased} column's value, or a missing node for none. */
    public static JsonNode parse(String erased) {
        if (erased == null || erased.isEmpty()) {
            return Json.MAPPER.missingNode();
        }
        try {
            return Json.parse(erased);
        } catch (JsonProcessingException e) {
            return Json.MAPPER.missingNode(); // jsonb in the destination: never so; a chain check then fails
        }
    }

    private static void erase(
            ObjectNode image,
            String section,
            ObjectNode kept,
            List<Erased> values,
            Set<String> texts,
            long receipt,
            java.util.function.Predicate<String> chosen) {
        for (Map.Entry<String, JsonNode> field : List.copyOf(image.properties())) {
            String key = field.getKey();
            if (!chosen.test(key) || kept.path(section).has(key)) {
                continue; // not asked for, or erased already (its marker is not a value to erase)
            }
            String commitment = ChainLink.commitment(key, field.getValue());
            collectTexts(field.getValue(), texts);
            image.put(key, MARKER);
            ObjectNode sectionNode =
                    kept.get(section) instanceof ObjectNode existing ? existing : kept.putObject(section);
            ObjectNode entry = sectionNode.putObject(key);
            entry.put(COMMITMENT, commitment).put(RECEIPT, receipt);
            values.add(new Erased(section, key, commitment, receipt));
        }
    }

    private static void collectTexts(JsonNode value, Set<String> texts) {
        if (value.isTextual() && !value.asText().isBlank()) {
            texts.add(value.asText());
        }
        value.forEach(child -> collectTexts(child, texts));
    }

    private static boolean holdsAny(JsonNode value, Set<String> texts) {
        if (value == null || texts.isEmpty()) {
            return false;
        }
        if (value.isTextual()) {
            return texts.contains(value.asText());
        }
        for (JsonNode child : value) {
            if (holdsAny(child, texts)) {
                return true;
            }
        }
        return false;
    }

    /** An image or context as the chain's commitments read it. */
    public static ObjectNode image(String json) {
        try {
            if (json != null && !json.isEmpty() && Json.parseValue(json) instanceof ObjectNode object) {
                return object;
            }
        } catch (JsonProcessingException e) {
            // jsonb in the destination: never so; nothing to erase in it
        }
        return Json.MAPPER.createObjectNode();
    }
}
