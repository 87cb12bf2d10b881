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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.audittrail.udf.values.Json;

/**
 * The receipt of one erasure (docs/erasure.md): who erased what of whom, when and why, and a digest of every value it
 * replaced; receipts form a hash chain of their own, so a receipt edited or deleted is found as a chain link is.
 */
public record ErasureReceipt(
        long sequence,
        UUID id,
        String database,
        long erasedAtMicros,
        String erasedBy,
        String reason,
        JsonNode subject,
        JsonNode scope,
        long changes,
        long values,
        String digest) {

    /** The name of the receipt's canonical form. */
    public static final String FORM = "audit-trail-erasure-1";

    /** The text hashed into the receipt's link: the form's name, the previous receipt's link and every field. */
    public String canonicalForm(String previous) {
        ArrayNode form = Json.MAPPER
                .createArrayNode()
                .add(FORM)
                .add(previous)
                .add(sequence)
                .add(id.toString())
                .add(database)
                .add(erasedAtMicros)
                .add(erasedBy)
                .add(reason)
                .add(subject)
                .add(scope)
                .add(changes)
                .add(values)
                .add(digest);
        return CanonicalJson.of(form);
    }

    /** The receipt's link after {@code previous} (64 zeros for the first receipt). */
    public String hash(String previous) {
        return ChainLink.sha256(canonicalForm(previous));
    }

    /** The receipt as the erase command prints it, with its link. */
    public ObjectNode toJson(String hash) {
        ObjectNode out = Json.MAPPER
                .createObjectNode()
                .put("form", FORM)
                .put("sequence", sequence)
                .put("id", id.toString())
                .put("database", database)
                .put(
                        "erased_at",
                        java.time.Instant.EPOCH
                                .plusNanos(erasedAtMicros * 1_000L)
                                .toString())
                .put("erased_by", erasedBy)
                .put("reason", reason);
        out.set("subject", subject);
        out.set("scope", scope);
        return out.put("changes", changes)
                .put("values", values)
                .put("digest", digest)
                .put("hash", hash);
    }

    /**
     * The digest of the values one erasure replaced: SHA-256 over one line per value, the canonical JSON of
     * {@code [change id, section, key, commitment]} and a newline, changes in id order, sections before, after,
     * context, keys in code point order; fed in that order by the eraser and by verify alike.
     */
    public static final class Digest {
        private final MessageDigest sha256;

        public Digest() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        public void add(UUID change, String section, String key, String commitment) {
            ArrayNode line = Json.MAPPER
                    .createArrayNode()
                    .add(change.toString())
                    .add(section)
                    .add(key)
                    .add(commitment);
            sha256.update((CanonicalJson.of(line) + "\n").getBytes(StandardCharsets.UTF_8));
        }

        public String hex() {
            return HexFormat.of().formatHex(sha256.digest());
        }
    }
}
