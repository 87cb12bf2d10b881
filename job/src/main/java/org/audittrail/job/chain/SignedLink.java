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
package org.audittrail.job.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.util.Base64;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.audittrail.udf.chain.CanonicalJson;
import org.audittrail.udf.values.Json;

/**
 * A link signed and written beside the chain heads ({@code <dir>/<database>/<kind>-<sequence>.json}), so that a link
 * rewritten in the destination is still caught by verify: an erasure receipt's (docs/erasure.md) or a retention
 * anchor's, the last link of the changes a retention dropped (docs/tamper-evidence.md).
 */
public enum SignedLink {
    ERASURE("erasure", "audit-trail-erasure-signed-1"),
    ANCHOR("anchor", "audit-trail-anchor-signed-1");

    private final String prefix;
    private final String form;

    SignedLink(String prefix, String form) {
        this.prefix = prefix;
        this.form = form;
    }

    /** The text the signature covers: the form, the database, the sequence and the link. */
    String payload(String database, long sequence, String hash) {
        return CanonicalJson.of(Json.MAPPER
                .createArrayNode()
                .add(form)
                .add(database)
                .add(sequence)
                .add(hash));
    }

    public Path file(Path dir, String database, long sequence) {
        return dir.resolve(database).resolve(String.format("%s-%020d.json", prefix, sequence));
    }

    /** Signs {@code link} (database, sequence, hash and what else it says) and writes it, whole or not at all. */
    public Path write(Path dir, SignedHead.Keys.Signing key, ObjectNode link) throws IOException {
        String database = link.path("database").asText();
        long sequence = link.path("sequence").asLong();
        ObjectNode signed = link.deepCopy()
                .put("key_id", key.keyId())
                .put(
                        "signature",
                        Base64.getEncoder()
                                .encodeToString(key.sign(payload(
                                        database, sequence, link.path("hash").asText()))));
        Path file = file(dir, database, sequence);
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, Json.write(signed) + "\n");
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** The links of {@code database}'s signed links of this kind in {@code dir}, by sequence, each signature checked. */
    public NavigableMap<Long, String> all(Path dir, String database, PublicKey key) {
        NavigableMap<Long, String> hashes = new TreeMap<>();
        Path of = dir.resolve(database);
        if (!Files.isDirectory(of)) {
            return hashes;
        }
        try (Stream<Path> files = Files.list(of)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches(prefix + "-\\d{20}\\.json"))
                    .toList()) {
                JsonNode node = Json.parse(Files.readString(file));
                long sequence = node.path("sequence").asLong();
                String hash = node.path("hash").asText();
                boolean signed;
                try {
                    signed = SignedHead.Keys.verify(
                            key,
                            payload(node.path("database").asText(), sequence, hash),
                            Base64.getDecoder().decode(node.path("signature").asText()));
                } catch (IllegalArgumentException e) {
                    signed = false;
                }
                if (!signed
                        || !database.equals(node.path("database").asText())
                        || !file.equals(file(dir, database, sequence))) {
                    throw new IllegalStateException("Signed " + prefix + " " + file + ": its signature does not"
                            + " verify with the public key given, or it names another database or sequence than its"
                            + " file name: it was changed, moved or signed with another key");
                }
                hashes.put(sequence, hash);
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Cannot read the signed " + prefix + " links in " + of + ": " + e.getMessage(), e);
        }
        return hashes;
    }
}
