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
package org.audittrail.job.setup;

import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The replication slot and the publication a job reads through: Bemi's {@code bemi} by default, others where two
 * databases of one server (slot names are the server's) or two jobs share a destination. One publication name per
 * database: setup's event trigger adds each new table to it. With {@code failover} (PostgreSQL 17) the slot is
 * synchronized to standbys, so a managed primary's failover keeps it.
 */
public record Replication(String slot, String publication, boolean failover) implements Serializable {

    /** Bemi's names, which the scripts of sql/ use as they are. */
    public static final Replication BEMI = new Replication("bemi", "bemi", false);

    private static final Pattern SLOT_NAME = Pattern.compile(
            "(slot_name = '|replication_slot\\('|replication_slot\\(''|Replication slot )bemi(?![\\w])");
    private static final Pattern PUBLICATION_NAME =
            Pattern.compile("(pubname = '|(?i:publication) (?:IF EXISTS )?)bemi(?![\\w])");

    /** {@code script}, a script of sql/, with this slot and publication where it names Bemi's. */
    public String into(String script) {
        String withSlot = SLOT_NAME.matcher(script).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + slot));
        String named =
                PUBLICATION_NAME.matcher(withSlot).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + publication));
        // PostgreSQL 17's fifth argument: standbys keep the slot in sync, so a failover keeps it
        String create = "pg_create_logical_replication_slot('" + slot + "', 'pgoutput'";
        return failover ? named.replace(create + ")", create + ", false, false, true)") : named;
    }
}
