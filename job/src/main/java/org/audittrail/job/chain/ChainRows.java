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

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.UUID;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;

/**
 * The chain's rows as verify reads them, in batches: each batch's links are computed on all cores while the reader
 * walks the batch before (a link needs only its row and the stored link before it).
 */
final class ChainRows {

    /**
     * A row of the chain: its sequence number and stored link, what the link covers, and whether its link is the one
     * computed after the stored link of the row read before it ({@code previousInStream}), computed ahead in parallel.
     */
    record Link(
            long sequence,
            String hash,
            ChainedChange change,
            OffsetDateTime committedAt,
            String previousInStream,
            boolean linked) {

        /** Whether its stored link is the one computed after {@code previous}. */
        boolean linkedTo(String previous) {
            return previous.equals(previousInStream)
                    ? linked
                    : ChainLink.next(previous, sequence, change).equals(hash);
        }
    }

    private static final int BATCH = 4_096;
    private final ResultSet r;
    private final String database;
    private final java.util.concurrent.ForkJoinPool pool;
    private java.util.List<Link> current = java.util.List.of();
    private int at;
    private String lastHash;
    private java.util.concurrent.CompletableFuture<java.util.List<Link>> pending;

    ChainRows(ResultSet r, String database, java.util.concurrent.ForkJoinPool pool) throws SQLException {
        this.r = r;
        this.database = database;
        this.pool = pool;
        this.pending = read();
    }

    Link next() throws SQLException {
        if (at == current.size()) {
            current = pending.join();
            at = 0;
            if (current.isEmpty()) {
                return null;
            }
            pending = read();
        }
        return current.get(at++);
    }

    private java.util.concurrent.CompletableFuture<java.util.List<Link>> read() throws SQLException {
        java.util.List<Link> batch = new java.util.ArrayList<>(BATCH);
        Link row;
        while (batch.size() < BATCH && (row = next(r, database)) != null) {
            batch.add(row);
        }
        String before = lastHash;
        if (!batch.isEmpty()) {
            lastHash = batch.get(batch.size() - 1).hash();
        }
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> linked(batch, before), pool);
    }

    private static java.util.List<Link> linked(java.util.List<Link> batch, String before) {
        Link[] out = new Link[batch.size()];
        java.util.stream.IntStream.range(0, out.length).parallel().forEach(i -> {
            Link row = batch.get(i);
            String previous = i == 0 ? before : batch.get(i - 1).hash();
            boolean linked = previous != null
                    && ChainLink.next(previous, row.sequence(), row.change()).equals(row.hash());
            out[i] = new Link(row.sequence(), row.hash(), row.change(), row.committedAt(), previous, linked);
        });
        return java.util.Arrays.asList(out);
    }

    private static Link next(ResultSet r, String database) throws SQLException {
        if (!r.next()) {
            return null;
        }
        OffsetDateTime committed = r.getObject(9, OffsetDateTime.class);
        Array fallback = r.getArray(13);
        ChainedChange change = new ChainedChange(
                r.getObject(1, UUID.class),
                database,
                r.getString(2),
                r.getString(3),
                r.getString(4),
                r.getString(5),
                committed.toEpochSecond() * 1_000_000L + committed.getNano() / 1_000L,
                r.getLong(10),
                r.getLong(11),
                r.getBoolean(12),
                fallback == null ? null : Arrays.asList((String[]) fallback.getArray()),
                r.getString(6),
                r.getString(7),
                r.getString(8),
                r.getString(16));
        return new Link(r.getLong(14), r.getString(15), change, committed, null, false);
    }
}
