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
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import org.audittrail.udf.chain.CanonicalJson;
import org.audittrail.udf.values.Json;

/**
 * A chain head signed with Ed25519, as a file outside the destination: {@code <dir>/<database>/head-<sequence>.json}
 * holding the form, database, sequence, hash, time of signing, key id and the signature (base64) over the canonical
 * JSON of {@code [form, database, sequence, hash, signed_at]} (docs/tamper-evidence.md).
 */
public record SignedHead(String database, long sequence, String hash, String signedAt, String keyId) {

    /** The name of the signed form. */
    public static final String FORM = "audit-trail-head-1";

    /** The text the signature covers. */
    String payload() {
        return CanonicalJson.of(Json.MAPPER
                .getNodeFactory()
                .arrayNode()
                .add(FORM)
                .add(database)
                .add(sequence)
                .add(hash)
                .add(signedAt));
    }

    /** Its file in {@code dir}: a directory per database, files in sequence order by name. */
    public static Path file(Path dir, String database, long sequence) {
        return dir.resolve(database).resolve(String.format("head-%020d.json", sequence));
    }

    /** Its file's text, signed with {@code key} (PKCS#8). */
    public String signed(Keys.Signing key) {
        ObjectNode node = Json.object();
        node.put("form", FORM)
                .put("database", database)
                .put("sequence", sequence)
                .put("hash", hash)
                .put("signed_at", signedAt)
                .put("key_id", keyId)
                .put("signature", Base64.getEncoder().encodeToString(key.sign(payload())));
        return Json.write(node) + "\n";
    }

    /** Its file's name in its database's directory or folder. */
    public String fileName() {
        return String.format("head-%020d.json", sequence);
    }

    /** Writes {@code signed}, its signed text, as its file into {@code dir}, whole or not at all. */
    public void write(Path dir, String signed) throws IOException {
        Path file = file(dir, database, sequence);
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, signed);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads a head file and checks its signature with {@code key}; an exception names the file and what is wrong. */
    public static SignedHead read(Path file, PublicKey key) {
        try {
            return parse(Files.readString(file), file.toString(), key);
        } catch (IOException e) {
            throw new IllegalStateException("Signed chain head " + file + ": " + e.getMessage(), e);
        }
    }

    /** A head's text, its signature checked with {@code key}; an exception names {@code name} and what is wrong. */
    static SignedHead parse(String text, String name, PublicKey key) {
        try {
            JsonNode node = Json.parse(text);
            SignedHead head = new SignedHead(
                    node.path("database").asText(null),
                    node.path("sequence").asLong(),
                    node.path("hash").asText(null),
                    node.path("signed_at").asText(null),
                    node.path("key_id").asText(null));
            if (!FORM.equals(node.path("form").asText())
                    || !Keys.verify(
                            key,
                            head.payload(),
                            Base64.getDecoder().decode(node.path("signature").asText())))
                throw new IllegalArgumentException("its signature does not verify with the public key given: it was"
                        + " changed, or signed with another key");
            return head;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("Signed chain head " + name + ": " + e.getMessage(), e);
        }
    }

    /** Every head of {@code database} in {@code bucket}, by sequence, each signature checked with {@code key}. */
    public static java.util.NavigableMap<Long, SignedHead> all(HeadBucket bucket, String database, PublicKey key) {
        java.util.NavigableMap<Long, SignedHead> heads = new java.util.TreeMap<>();
        try {
            bucket.read(database, "head-\\d{20}\\.json").forEach((file, text) -> {
                SignedHead head = parse(text, bucket + "/" + database + "/" + file, key);
                if (!database.equals(head.database()) || !file.equals(head.fileName())) {
                    throw new IllegalStateException("Signed chain head " + bucket + "/" + database + "/" + file
                            + " names another database or sequence than its name: it was moved");
                }
                heads.put(head.sequence(), head);
            });
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Cannot read the signed chain heads in " + bucket + ": " + e.getMessage(), e);
        }
        return heads;
    }

    /** Every head of {@code database} in {@code dir}, by sequence, each signature checked with {@code key}. */
    public static java.util.NavigableMap<Long, SignedHead> all(Path dir, String database, PublicKey key) {
        java.util.NavigableMap<Long, SignedHead> heads = new java.util.TreeMap<>();
        Path of = dir.resolve(database);
        if (!Files.isDirectory(of)) {
            return heads;
        }
        try (java.util.stream.Stream<Path> files = Files.list(of)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("head-\\d{20}\\.json"))
                    .toList()) {
                SignedHead head = read(file, key);
                if (!database.equals(head.database()) || !file.equals(file(dir, database, head.sequence()))) {
                    throw new IllegalStateException("Signed chain head " + file + " names another database or sequence"
                            + " than its file name: it was moved");
                }
                heads.put(head.sequence(), head);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the signed chain heads in " + of + ": " + e.getMessage(), e);
        }
        return heads;
    }

    /** Ed25519 keys as openssl writes them (PEM: PKCS#8 private, X.509 public). */
    public static final class Keys {

        private Keys() {}

        /** A private key, kept as its PKCS#8 bytes so that an operator can carry it. */
        public record Signing(byte[] pkcs8, String keyId) implements Serializable {
            byte[] sign(String text) {
                try {
                    Signature signature = Signature.getInstance("Ed25519");
                    signature.initSign(
                            KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
                    signature.update(text.getBytes(StandardCharsets.UTF_8));
                    return signature.sign();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
                }
            }

            @Override
            public String toString() {
                return "Ed25519 key " + keyId; // never the key
            }
        }

        /** The private key of a PEM file; an exception says what the file should hold. */
        public static Signing signing(Path file) {
            try {
                byte[] der = pem(file, "PRIVATE KEY");
                PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
                java.security.interfaces.EdECPrivateKey edKey = (java.security.interfaces.EdECPrivateKey) key;
                PublicKey publicKey = publicOf(edKey);
                return new Signing(der, id(publicKey));
            } catch (IOException | GeneralSecurityException | ClassCastException | IllegalArgumentException e) {
                throw new IllegalArgumentException("is not an Ed25519 private key in PEM (openssl genpkey -algorithm"
                        + " ed25519 -out chain.key): " + e.getClass().getSimpleName());
            }
        }

        /** The public key of a PEM file. */
        public static PublicKey verifying(Path file) {
            try {
                return KeyFactory.getInstance("Ed25519")
                        .generatePublic(new X509EncodedKeySpec(pem(file, "PUBLIC KEY")));
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalArgumentException("is not an Ed25519 public key in PEM (openssl pkey -in chain.key"
                        + " -pubout -out chain.pub): " + e.getClass().getSimpleName());
            }
        }

        /** A key's id: the first 16 hex digits of the SHA-256 of its public key's X.509 encoding. */
        public static String id(PublicKey key) {
            try {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()))
                        .substring(0, 16);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        static boolean verify(PublicKey key, String text, byte[] signature) {
            try {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(key);
                verifier.update(text.getBytes(StandardCharsets.UTF_8));
                return verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        private static PublicKey publicOf(java.security.interfaces.EdECPrivateKey key) throws GeneralSecurityException {
            // the JDK derives no public key from a private one: sign and check against the seed's own key pair
            byte[] seed = key.getBytes().orElseThrow(() -> new GeneralSecurityException("no seed"));
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(java.security.spec.NamedParameterSpec.ED25519, new FixedRandom(seed));
            return generator.generateKeyPair().getPublic();
        }

        private static byte[] pem(Path file, String type) throws IOException {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            int begin = text.indexOf("-----BEGIN " + type + "-----");
            int end = text.indexOf("-----END " + type + "-----");
            if (begin < 0 || end < begin) {
                throw new IllegalArgumentException("no " + type + " block");
            }
            return Base64.getMimeDecoder().decode(text.substring(begin + type.length() + 16, end));
        }
    }

    /** A "random" source that returns the seed: the JDK's way to the key pair of a known Ed25519 seed. */
    private static final class FixedRandom extends java.security.SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] seed;

        FixedRandom(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
        }
    }
}
