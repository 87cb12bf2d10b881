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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.audittrail.udf.values.Json;

/**
 * The last chain link of the changes a retention dropped, per database (changes_keep_anchor in sql/destination.sql):
 * verify goes on from it rather than taking the first remaining link on trust, and the job signs it beside the chain
 * heads, so an anchor forged to cover a deletion is caught.
 */
public record RetentionAnchor(String database, long sequence, String hash, String droppedAt) {

    private static final String ANCHORS = "SELECT database, sequence, hash, dropped_at::text FROM chain_anchors"
            + " WHERE ?::text IS NULL OR database = ?";

    /** {@code database}'s anchor, or null where no retention dropped any of its chain (or the table is not there). */
    public static RetentionAnchor of(Connection c, String database) throws SQLException {
        List<RetentionAnchor> anchors = all(c, database);
        return anchors.isEmpty() ? null : anchors.get(0);
    }

    /** Signs each anchor not signed yet into {@code dir}; returns how many it wrote. */
    public static int sign(Connection c, Path dir, SignedHead.Keys.Signing key) throws SQLException, IOException {
        int written = 0;
        for (RetentionAnchor anchor : all(c, null)) {
            if (!Files.exists(SignedLink.ANCHOR.file(dir, anchor.database(), anchor.sequence()))) {
                SignedLink.ANCHOR.write(
                        dir,
                        key,
                        Json.object()
                                .put("database", anchor.database())
                                .put("sequence", anchor.sequence())
                                .put("hash", anchor.hash())
                                .put("dropped_at", anchor.droppedAt()));
                written++;
            }
        }
        return written;
    }

    private static List<RetentionAnchor> all(Connection c, String database) throws SQLException {
        List<RetentionAnchor> anchors = new ArrayList<>();
        boolean exists;
        try (PreparedStatement s = c.prepareStatement("SELECT to_regclass('chain_anchors') IS NOT NULL");
                ResultSet r = s.executeQuery()) {
            exists = r.next() && r.getBoolean(1);
        }
        if (!exists) {
            return anchors;
        }
        try (PreparedStatement s = c.prepareStatement(ANCHORS)) {
            s.setString(1, database);
            s.setString(2, database);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    anchors.add(new RetentionAnchor(r.getString(1), r.getLong(2), r.getString(3), r.getString(4)));
                }
            }
        }
        return anchors;
    }
}
