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
package org.audittrail.udf.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/** The deterministic id of a change: a name-based (version 5) UUID of its identity, so a replayed change gets the same id. */
public final class ChangeId {

    /** Namespace of all change ids; changing it would duplicate every change replayed after an upgrade. */
    static final UUID NAMESPACE = UUID.fromString("6f1c5a53-8d3e-4f3a-9a55-2b7c0e1d9a41");

    private ChangeId() {}

    /** The id of a row change: database, position, operation, schema, table, transaction and primary key. */
    public static UUID of(Change change) {
        String name = String.join(
                "\u0000",
                change.database,
                Long.toUnsignedString(change.position),
                change.operation.name(),
                change.schema,
                change.table,
                Long.toString(change.transactionId),
                change.primaryKey == null ? "" : change.primaryKey);
        return nameUuid(name);
    }

    static UUID nameUuid(String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java runtime", e);
        }
        sha1.update(ByteBuffer.allocate(16)
                .putLong(NAMESPACE.getMostSignificantBits())
                .putLong(NAMESPACE.getLeastSignificantBits())
                .array());
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer bb = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bb.getLong(), bb.getLong());
    }
}
