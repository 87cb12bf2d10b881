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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.audittrail.udf.privacy.PrivacyPolicy.Action;
import org.audittrail.udf.values.Json;

/**
 * Reads a policy file's JSON (docs/privacy.md) and checks it once: a mistake is an {@link IllegalArgumentException}
 * naming the rule and how to fix it, never a policy that silently does less.
 */
public final class PolicyFile {

    private static final Set<String> TOP = Set.of("mode", "rules");
    private static final Set<String> RULE = Set.of("column", "context", "action", "length");

    /** Shortest key for the hash action: 128 bits. */
    static final int MIN_KEY_BYTES = 16;

    private PolicyFile() {}

    /** The policy the text describes; {@code hashKey} may be null unless a rule hashes. */
    public static PrivacyPolicy parse(String text, byte[] hashKey) {
        JsonNode root;
        try {
            root = Json.parse(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "is not JSON (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + "): write {\"rules\": [...]}");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("is not a JSON object: write {\"mode\": \"default\", \"rules\": [...]}");
        }
        unknown(root, TOP, "the top level");
        boolean failClosed = false;
        if (root.has("mode")) {
            String mode = root.get("mode").asText("");
            if (!mode.equals("default") && !mode.equals("fail-closed")) {
                throw new IllegalArgumentException("mode is '" + mode
                        + "': write \"default\" (keep what no rule covers) or \"fail-closed\"" + " (mask it)");
            }
            failClosed = mode.equals("fail-closed");
        }
        JsonNode list = root.get("rules");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("has no \"rules\" list: write \"rules\": [] for none");
        }
        List<PolicyRule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            rules.add(rule(list.get(i), i + 1, hashKey));
        }
        return new PrivacyPolicy(failClosed, rules, hashKey);
    }

    private static PolicyRule rule(JsonNode node, int number, byte[] hashKey) {
        String where = "rule " + number;
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " is not an object such as"
                    + " {\"column\": \"public.users.email\", \"action\": \"hash\"}");
        }
        unknown(node, RULE, where);
        boolean context = node.has("context");
        if (context == node.has("column")) {
            throw new IllegalArgumentException(where + " needs exactly one of \"column\" and \"context\"");
        }
        String pattern = node.get(context ? "context" : "column").asText("").trim();
        String malformed = PolicyRule.check(pattern, context);
        if (malformed != null) {
            throw new IllegalArgumentException(where + ": " + malformed);
        }
        String name = node.path("action").asText("");
        Action action;
        try {
            action = Action.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    where + ": action '" + name + "' is not one of keep, drop, mask, hash, truncate");
        }
        int length = 0;
        if (action == Action.TRUNCATE) {
            JsonNode given = node.get("length");
            if (given == null || !given.canConvertToInt() || given.intValue() < 1) {
                throw new IllegalArgumentException(
                        where + ": truncate needs \"length\", the characters kept, a whole number of at least 1");
            }
            length = given.intValue();
        } else if (node.has("length")) {
            throw new IllegalArgumentException(where + ": \"length\" is for truncate only");
        }
        if (action == Action.HASH && (hashKey == null || hashKey.length < MIN_KEY_BYTES)) {
            throw new IllegalArgumentException(where + " hashes: give --privacy-hash-key-file, a file of at least "
                    + MIN_KEY_BYTES + " random bytes (head -c 32 /dev/urandom > key)");
        }
        return new PolicyRule(pattern, context, action, length);
    }

    private static void unknown(JsonNode node, Set<String> known, String where) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException(where + " has '" + name + "': only "
                        + String.join(", ", new java.util.TreeSet<>(known)) + " are read");
            }
        }
    }
}
