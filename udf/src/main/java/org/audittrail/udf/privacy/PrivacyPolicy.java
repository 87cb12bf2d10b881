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
package org.audittrail.udf.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Context;
import org.audittrail.udf.values.Json;

/**
 * What to store of each value (docs/privacy.md): rules in order, the first whose pattern matches a column
 * ({@code schema.table.column}, {@code table.column} or {@code column}, {@code *} a wildcard, as --ignore-columns) or a
 * context key decides: keep, drop, mask ({@code "***"}), hash (HMAC-SHA256 with the policy's key, so equal values stay
 * equal) or truncate (a string to its first characters; any other value is masked). A value no rule covers is kept, or
 * masked in fail-closed mode.
 */
public final class PrivacyPolicy implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What a masked value is stored as. */
    public static final String MASK = "***";

    /** What a hashed value's text starts with, before the HMAC's hex digits. */
    public static final String HASH_PREFIX = "hmac-sha256:";

    /** What a rule does with the values it covers. */
    public enum Action {
        KEEP,
        DROP,
        MASK,
        HASH,
        TRUNCATE
    }

    private final boolean failClosed;
    private final List<PolicyRule> rules;
    private final byte[] hashKey;
    private transient Mac mac;
    private transient Map<String, Optional<PolicyRule>> decided;

    PrivacyPolicy(boolean failClosed, List<PolicyRule> rules, byte[] hashKey) {
        this.failClosed = failClosed;
        this.rules = List.copyOf(rules);
        this.hashKey = hashKey == null ? null : hashKey.clone();
    }

    /** No policy: every value stored as captured. */
    public static PrivacyPolicy none() {
        return new PrivacyPolicy(false, List.of(), null);
    }

    /** Whether this policy changes nothing: the job then skips it. */
    public boolean isNone() {
        return !failClosed && rules.isEmpty();
    }

    public boolean failClosed() {
        return failClosed;
    }

    /**
     * Applies the policy to a change's images and context in place. Returns the columns and context keys no rule
     * covered, which fail-closed mode masked ({@code table.column}, or {@code (context).key}), for a warning and a
     * metric; empty otherwise.
     */
    public Set<String> apply(Change change) {
        Set<String> uncovered = new TreeSet<>();
        if (change.operation.hasImages()) { // a DDL's after names columns and types; a chunk's, a key range
            change.before = image(change, change.before, uncovered);
            change.after = image(change, change.after, uncovered);
        }
        if (change.context != null && !change.context.isEmpty()) {
            change.context = context(change.context, uncovered);
        }
        return uncovered;
    }

    private String image(Change change, String text, Set<String> uncovered) {
        if (text == null || text.equals(Json.EMPTY_OBJECT)) {
            return text;
        }
        ObjectNode image = object(text);
        if (image == null) {
            return Json.EMPTY_OBJECT; // not an object: nothing in it can be shown to follow the policy
        }
        Set<String> replaced =
                filter(image, column -> rule(change.schema, change.table, column), change.table + ".", uncovered);
        replaced.forEach(change::unmarkFallback);
        return replaced.isEmpty() ? text : Json.write(image);
    }

    private String context(String text, Set<String> uncovered) {
        // read as the stitcher reads it (a package's quoting undone); one kept as text cannot be filtered: not stored
        Context.Stored stored = Context.read(text);
        ObjectNode context = stored.fallback() ? null : object(stored.json());
        if (context == null) {
            return Json.EMPTY_OBJECT;
        }
        Set<String> replaced = filter(context, this::contextRule, Change.CONTEXT_COLUMN + ".", uncovered);
        return replaced.isEmpty() ? text : Json.write(context);
    }

    /** Applies the rule of each field in place; returns the fields it dropped or replaced. */
    private Set<String> filter(
            ObjectNode node, Function<String, PolicyRule> ruleOf, String prefix, Set<String> uncovered) {
        Set<String> replaced = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            PolicyRule rule = ruleOf.apply(field.getKey());
            Action action = rule != null ? rule.action() : failClosed ? Action.MASK : Action.KEEP;
            if (rule == null && failClosed) {
                uncovered.add(prefix + field.getKey());
            }
            if (action == Action.KEEP) {
                continue;
            }
            replaced.add(field.getKey());
            if (action == Action.DROP) {
                it.remove();
            } else {
                field.setValue(Json.MAPPER.getNodeFactory().textNode(replace(action, rule, field.getValue())));
            }
        }
        return replaced;
    }

    private String replace(Action action, PolicyRule rule, JsonNode value) {
        switch (action) {
            case HASH:
                return HASH_PREFIX + hmac(Json.write(value));
            case TRUNCATE:
                if (value.isTextual()) {
                    String text = value.textValue();
                    int end =
                            text.offsetByCodePoints(0, Math.min(rule.length(), text.codePointCount(0, text.length())));
                    return text.substring(0, end);
                }
                return MASK;
            default:
                return MASK;
        }
    }

    private PolicyRule rule(String schema, String table, String column) {
        return decided(schema + '.' + table + '.' + column, () -> first(false, schema, table, column));
    }

    private PolicyRule contextRule(String key) {
        return decided("(context)." + key, () -> first(true, null, null, key));
    }

    /** The rule decided for a name before, or now: twenty patterns per value would cost more than the rest. */
    private PolicyRule decided(String name, java.util.function.Supplier<PolicyRule> decide) {
        if (decided == null || decided.size() > 10_000) {
            decided = new HashMap<>(); // bounded: a schema with countless tables only decides again
        }
        return decided.computeIfAbsent(name, n -> Optional.ofNullable(decide.get()))
                .orElse(null);
    }

    private PolicyRule first(boolean context, String schema, String table, String name) {
        for (PolicyRule rule : rules) {
            if (rule.context() == context && rule.matches(schema, table, name)) {
                return rule;
            }
        }
        return null;
    }

    private String hmac(String text) {
        try {
            if (mac == null) {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(hashKey, "HmacSHA256"));
            }
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is in every Java runtime", e);
        }
    }

    private static ObjectNode object(String text) {
        try {
            JsonNode node = Json.parseValue(text);
            return node instanceof ObjectNode ? (ObjectNode) node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The policy as JSON, for the policy-change entry: mode and rules, never the key. */
    public String toJson() {
        ObjectNode root = Json.object();
        root.put("mode", failClosed ? "fail-closed" : "default");
        com.fasterxml.jackson.databind.node.ArrayNode list = root.putArray("rules");
        for (PolicyRule rule : rules) {
            ObjectNode r = list.addObject();
            r.put(rule.context() ? "context" : "column", rule.pattern());
            r.put("action", rule.action().name().toLowerCase(java.util.Locale.ROOT));
            if (rule.action() == Action.TRUNCATE) {
                r.put("length", rule.length());
            }
        }
        return Json.write(root);
    }

    /** An id of the hash key: the first 16 hex digits of its SHA-256; null without a key. */
    public String hashKeyId() {
        if (hashKey == null) {
            return null;
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(hashKey);
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is in every Java runtime", e);
        }
    }

    /** The rules, for the policy-change entry: their patterns and actions, never the key. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("mode " + (failClosed ? "fail-closed" : "default"));
        rules.forEach(rule -> lines.add(rule.toString()));
        return lines;
    }

    @Override
    public String toString() {
        return "PrivacyPolicy" + describe();
    }
}
