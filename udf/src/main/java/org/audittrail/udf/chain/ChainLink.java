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
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.audittrail.udf.values.Json;

/**
 * A change's link in its chain: SHA-256 of the canonical JSON of an array naming the form, the previous link, the
 * sequence number and the change, whose images and context enter as one commitment per top-level key (SHA-256 of the
 * canonical {@code [key, value]}), so that a value can later be replaced by its commitment and the chain still verify.
 */
public final class ChainLink {

    /** The name of this canonical form, the array's first element: a new form gets a new name. */
    public static final String FORM = "audit-trail-chain-1";

    /** The "previous link" of a chain's first change. */
    public static final String GENESIS = "0".repeat(64);

    private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

    private ChainLink() {}

    /** The link of {@code change}, at {@code sequence}, after the link {@code previous} (hex). */
    public static String next(String previous, long sequence, ChainedChange change) {
        return sha256(canonicalForm(previous, sequence, change));
    }

    /** The text hashed into a link, documented in docs/tamper-evidence.md; written directly, as a link is per change. */
    public static String canonicalForm(String previous, long sequence, ChainedChange c) {
        StringBuilder out = new StringBuilder(2_048).append('[');
        CanonicalJson.plain(out, FORM);
        out.append(',');
        CanonicalJson.string(out, previous);
        out.append(',').append(sequence).append(',');
        CanonicalJson.plain(out, c.id().toString());
        for (String name : new String[] {c.database(), c.schema(), c.table(), c.primaryKey(), c.operation()}) {
            out.append(',');
            CanonicalJson.stringOrNull(out, name);
        }
        out.append(',').append(c.committedAtMicros());
        out.append(',').append(c.transactionId());
        out.append(',').append(c.position());
        out.append(',').append(c.partial()).append(',');
        if (c.fallbackColumns() == null) {
            out.append("null");
        } else {
            out.append('[');
            for (int i = 0; i < c.fallbackColumns().size(); i++) {
                out.append(i > 0 ? "," : "");
                CanonicalJson.stringOrNull(out, c.fallbackColumns().get(i));
            }
            out.append(']');
        }
        JsonNode erased = Erasure.parse(c.erased());
        writeCommitments(out.append(','), c.before(), erased.path(Erasure.BEFORE));
        writeCommitments(out.append(','), c.after(), erased.path(Erasure.AFTER));
        writeCommitments(out.append(','), c.context(), erased.path(Erasure.CONTEXT));
        return out.append(']').toString();
    }

    /** An image's or a context's commitments, one per top-level key; none for an absent or empty one. */
    public static ObjectNode commitments(String json) {
        ObjectNode out = NODES.objectNode();
        commitments(json, NODES.missingNode()).forEach(out::put);
        return out;
    }

    /** The canonical object of {@code json}'s commitments: keys in code point order, each commitment's hex. */
    private static void writeCommitments(StringBuilder out, String json, JsonNode erased) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> commitment : commitments(json, erased).entrySet()) {
            out.append(first ? "" : ",");
            first = false;
            CanonicalJson.string(out, commitment.getKey());
            out.append(':');
            if (erased.isMissingNode()) {
                CanonicalJson.plain(out, commitment.getValue()); // each one computed here: hex
            } else {
                CanonicalJson.string(out, commitment.getValue()); // an erasure's kept one is read back: any text
            }
        }
        out.append('}');
    }

    /**
     * As {@link #commitments(String)}, in code point order of the keys, where an erased value's commitment is the one
     * its erasure kept ({@code erased}: key to {@code {"commitment": ...}}), not one of the marker that replaced it; a
     * value other than the marker under an erased key is one edited since, and its own commitment then breaks the link.
     */
    static SortedMap<String, String> commitments(String json, JsonNode erased) {
        SortedMap<String, String> out = new TreeMap<>(CanonicalJson::compareCodePoints);
        if (json == null || json.isEmpty()) {
            return out;
        }
        if (erased.isMissingNode() && streamed(json, out)) {
            return out;
        }
        out.clear();
        JsonNode value;
        try {
            value = Json.parseValue(json);
        } catch (JsonProcessingException e) {
            // the sink stores it as jsonb, which would refuse it first; one determined text all the same
            value = NODES.textNode(json);
        }
        if (!value.isObject()) {
            out.put("", commitment("", value)); // never stored so; still one determined text
            return out;
        }
        for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) value::fields) {
            JsonNode kept = erased.path(field.getKey()).path(Erasure.COMMITMENT);
            out.put(
                    field.getKey(),
                    kept.isTextual() && Erasure.isMarker(field.getValue())
                            ? kept.asText()
                            : commitment(field.getKey(), field.getValue()));
        }
        return out;
    }

    /**
     * The commitments of an object's text, read once ({@link JsonScan}), as every image and context is: false where
     * the scan leaves the text to the tree reader above.
     */
    private static boolean streamed(String json, SortedMap<String, String> out) {
        JsonScan scan = new JsonScan(json);
        try {
            if (!scan.object()) {
                return false;
            }
            StringBuilder text = new StringBuilder(128);
            for (String key = scan.key(true); key != null; key = scan.key(false)) {
                text.setLength(0);
                CanonicalJson.string(text.append('['), key);
                scan.value(text.append(','));
                out.put(key, sha256(text.append(']'))); // a repeated key: the last one wins, as in jsonb
            }
            return true;
        } catch (JsonScan.Refused e) {
            return false;
        }
    }

    /** SHA-256 of the canonical {@code [key, value]}, in hex. */
    public static String commitment(String key, JsonNode value) {
        StringBuilder text = new StringBuilder(64).append('[');
        CanonicalJson.string(text, key);
        text.append(',');
        CanonicalJson.write(text, value);
        return sha256(text.append(']'));
    }

    /** One digest per thread: looking one up costs more than hashing a short value. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    static String sha256(CharSequence text) {
        byte[] digest = SHA256.get().digest(text.toString().getBytes(StandardCharsets.UTF_8));
        byte[] hex = new byte[digest.length * 2]; // lower-case hex; HexFormat's general form costs more than the digest
        for (int i = 0; i < digest.length; i++) {
            hex[2 * i] = DIGITS[(digest[i] >> 4) & 0xf];
            hex[2 * i + 1] = DIGITS[digest[i] & 0xf];
        }
        return new String(hex, StandardCharsets.ISO_8859_1);
    }

    private static final byte[] DIGITS = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);
}
