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
package org.audittrail.job.source.decoding;

import io.debezium.jdbc.JdbcConfiguration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The commit position (pgoutput BEGIN's final LSN) of each transaction lately decoded, per server and database. A change
 * record carries only its own WAL position; the baseline snapshot hands a chunk over to the WAL by commit (a
 * transaction that commits after the chunk's high watermark is the WAL's, even where it wrote before it), so it looks
 * the commit up here by transaction id.
 */
public final class CommitPositions {

    /** Transactions remembered: far more than are decoded but not yet handed over at any moment. */
    static final int KEPT = 200_000;

    private static final Map<String, Long> COMMITS = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > KEPT;
        }
    };

    private CommitPositions() {}

    static void put(JdbcConfiguration server, long transactionId, long commitLsn) {
        synchronized (COMMITS) {
            COMMITS.put(key(server, transactionId), commitLsn);
        }
    }

    /** The commit position of transaction {@code transactionId} on {@code server}; null where it was not decoded here. */
    public static Long of(JdbcConfiguration server, long transactionId) {
        synchronized (COMMITS) {
            return COMMITS.get(key(server, transactionId));
        }
    }

    private static String key(JdbcConfiguration server, long transactionId) {
        return server.getHostname() + ':' + server.getPort() + '/' + server.getDatabase() + '#' + transactionId;
    }
}
