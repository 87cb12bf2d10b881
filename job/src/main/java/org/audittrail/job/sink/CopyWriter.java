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
package org.audittrail.job.sink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.StatefulSink;
import org.apache.flink.api.connector.sink2.TwoPhaseCommittingSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.audittrail.job.db.Database;
import org.audittrail.udf.functions.ChangeDeserializer;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.audittrail.udf.model.Operation;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.PSQLState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's writer: each batch goes into {@code changes} with one {@code COPY}, in one transaction; a batch holding a
 * change stored before (replayed after a restore) goes through a staging table and {@code INSERT ... ON CONFLICT}, so a
 * change is stored once whatever is replayed (a baseline row read again takes the new reading).
 *
 * <p>A batch is written when it holds {@code batchSize} changes, when the input has been idle for
 * {@value #IDLE_MS} ms (so a lone change does not wait), when its oldest change has waited {@code flushIntervalMs},
 * and at every checkpoint, before the barrier: the position a checkpoint confirms is always stored. A thread of its own
 * stores each batch while the task thread goes on with the next (one batch in flight); batches commit without waiting
 * for the WAL flush, and the checkpoint waits for it once (a destination crash before that replays them). No session state:
 * the staging table lives for one transaction, so it works through PgBouncer in transaction mode. The writer keeps
 * no state and commits nothing later; it has the JDBC sink's state and committable types so that savepoints of
 * either restore with the other.
 */
final class CopyWriter
        implements StatefulSink.StatefulSinkWriter<Change, JdbcWriterState>,
                TwoPhaseCommittingSink.PrecommittingSinkWriter<Change, JdbcCommitable> {

    private static final Logger LOG = LoggerFactory.getLogger(CopyWriter.class);

    /** The input counts as idle once no change came for this long: the pending batch is written. */
    static final long IDLE_MS = 2;

    /** Attempts at a batch before the task fails (and Flink restarts it from its checkpoint). */
    static final int ATTEMPTS = 5;

    static final String COLUMNS =
            "\"id\", \"database\", \"schema\", \"table\", \"primary_key\", \"operation\", \"before\","
                    + " \"after\", \"context\", \"committed_at\", \"queued_at\", \"transaction_id\", \"position\", \"fallback_columns\","
                    + " \"partial\", \"chain_sequence\", \"chain_hash\", \"commit_position\"";
    static final String COPY = "COPY changes (" + COLUMNS + ") FROM STDIN";
    /** A batch's commit does not wait for the WAL flush; each checkpoint does (one wait for all batches before it). */
    static final String ASYNC_COMMIT = "SET LOCAL synchronous_commit = off";
    /** Staging for a batch with changes stored before; dropped at the end of its transaction. */
    static final String STAGING =
            "CREATE TEMPORARY TABLE audit_trail_staging (LIKE changes INCLUDING DEFAULTS) ON COMMIT DROP";

    static final String COPY_STAGING = "COPY audit_trail_staging (" + COLUMNS + ") FROM STDIN";
    /**
     * A change stored before stays as it is; a baseline row read again (its chunk after a restore) takes the new
     * reading, which the WAL's changes after it follow on from. So do their links: where a chunk read again differs
     * from the reading chained before, the links from it on are computed anew, and each replayed change takes its own.
     */
    static final String FROM_STAGING = "INSERT INTO changes (" + COLUMNS + ") SELECT " + COLUMNS
            + " FROM audit_trail_staging ON CONFLICT (\"id\", \"committed_at\") DO UPDATE SET"
            + " \"after\" = CASE WHEN changes.\"operation\" = 'SNAPSHOT' THEN EXCLUDED.\"after\" ELSE changes.\"after\" END,"
            + " \"fallback_columns\" = CASE WHEN changes.\"operation\" = 'SNAPSHOT' THEN EXCLUDED.\"fallback_columns\""
            + " ELSE changes.\"fallback_columns\" END, \"queued_at\" = EXCLUDED.\"queued_at\","
            + " \"chain_sequence\" = coalesce(EXCLUDED.\"chain_sequence\", changes.\"chain_sequence\"),"
            + " \"chain_hash\" = coalesce(EXCLUDED.\"chain_hash\", changes.\"chain_hash\")"
            + " WHERE (changes.\"operation\" = 'SNAPSHOT' AND changes.\"after\" IS DISTINCT FROM EXCLUDED.\"after\")"
            + " OR (EXCLUDED.\"chain_hash\" IS NOT NULL AND changes.\"chain_hash\" IS DISTINCT FROM EXCLUDED.\"chain_hash\")";

    private final Database destination;
    private final int batchSize;
    private final long flushIntervalMs;
    private final StoredChanges stored;
    private final ProcessingTimeService time;
    private final List<Change> batch = new ArrayList<>();
    /** Stores one batch at a time, off the task thread; the connection is used by one thread at a time. */
    private final ExecutorService storer = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "changes-storing");
        thread.setDaemon(true);
        return thread;
    });

    private Future<?> storing;
    /** Batches committed since the last wait for the WAL flush: written by the storing thread, read after awaitStored. */
    private boolean unflushed;

    private Connection connection;
    private long lastWrite;
    private long firstPending;
    private boolean timerSet;

    CopyWriter(
            Database destination,
            int batchSize,
            long flushIntervalMs,
            StoredChanges stored,
            ProcessingTimeService time) {
        this.destination = destination;
        this.batchSize = batchSize;
        this.flushIntervalMs = flushIntervalMs;
        this.stored = stored;
        this.time = time;
    }

    @Override
    public void write(Change change, Context context) throws IOException {
        if (change.operation == Operation.SNAPSHOT_CHUNK) {
            if (!change.after.equals(ChangeDeserializer.END_OF_CHUNKS)) {
                writeBatch(); // the rows before the chunk, then the chunk's own clearing, then its rows
                beginChunk(change);
            }
            return;
        }
        long now = time.getCurrentProcessingTime();
        if (batch.isEmpty()) {
            firstPending = now;
        }
        batch.add(change);
        lastWrite = now;
        if (batch.size() >= batchSize) {
            writeBatch();
        } else if (!timerSet) {
            timerSet = true;
            time.registerTimer(now + IDLE_MS, this::onTimer);
        }
    }

    /** Writes the batch once the input is idle or its oldest change has waited long enough; else looks again later. */
    private void onTimer(long timestamp) throws IOException {
        timerSet = false;
        if (batch.isEmpty()) {
            return;
        }
        long now = time.getCurrentProcessingTime();
        if (now - lastWrite >= IDLE_MS || now - firstPending >= flushIntervalMs) {
            writeBatch();
        } else {
            timerSet = true;
            time.registerTimer(Math.min(lastWrite + IDLE_MS, firstPending + flushIntervalMs), this::onTimer);
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        writeBatch();
        awaitStored();
        awaitDurable();
    }

    private void beginChunk(Change marker) throws IOException {
        awaitStored(); // the connection is the storing thread's until then
        for (int attempt = 1; ; attempt++) {
            try {
                SnapshotChunks.begin(connection(), marker);
                return;
            } catch (SQLException e) {
                closeConnection();
                if (!isTransient(e) || attempt == ATTEMPTS) {
                    throw new IOException("Clearing an earlier reading of baseline snapshot chunk of " + marker.schema
                            + "." + marker.table + " failed: " + ChangesSink.primaryMessage(e));
                }
                pause(attempt);
            }
        }
    }

    /** Hands the batch to the storing thread, once the batch before it is stored: encoding overlaps the COPY before. */
    private void writeBatch() throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        List<Change> changes = new ArrayList<>(batch);
        batch.clear();
        List<UUID> ids = new ArrayList<>(changes.size());
        byte[] rows = rows(changes, ids);
        awaitStored();
        storing = storer.submit(() -> {
            storeWithRetries(changes, ids, rows);
            return null;
        });
    }

    /** Waits for the batch being stored; its failure fails the task here, so Flink restores its last checkpoint. */
    void awaitStored() throws IOException {
        if (storing == null) {
            return;
        }
        try {
            storing.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while storing changes", e);
        } finally {
            storing = null;
        }
    }

    private void storeWithRetries(List<Change> changes, List<UUID> ids, byte[] rows) throws IOException {
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                store(rows);
                stored.stored(changes);
                return;
            } catch (SQLException e) {
                last = e;
                closeConnection();
                if (!isTransient(e)) {
                    break;
                }
                LOG.warn(
                        "Storing {} changes failed ({}), attempt {} of {}",
                        changes.size(),
                        ChangesSink.primaryMessage(e),
                        attempt,
                        ATTEMPTS);
                pause(attempt);
            }
        }
        throw new IOException(ChangesSink.failure(last, changes, ids));
    }

    /**
     * One transaction: a COPY into changes; where a change was stored before, the same rows through the staging table.
     * It commits without waiting for the WAL flush, which {@link #flush} waits for before each checkpoint.
     */
    private void store(byte[] rows) throws SQLException {
        Connection c = connection();
        try (Statement s = c.createStatement()) {
            s.execute(ASYNC_COMMIT);
            copy(c, COPY, rows);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            if (!PSQLState.UNIQUE_VIOLATION.getState().equals(e.getSQLState())) {
                throw e;
            }
            try (Statement s = c.createStatement()) {
                s.execute(ASYNC_COMMIT);
                s.execute(STAGING);
                copy(c, COPY_STAGING, rows);
                s.execute(FROM_STAGING);
            }
            c.commit();
        }
        unflushed = true;
    }

    /**
     * Waits until the destination has flushed every batch committed so far to its WAL: a transaction with an id
     * commits synchronously, which flushes the WAL up to its commit, so up to every commit before it. A failure fails
     * the task, which replays the batches since the last checkpoint.
     */
    private void awaitDurable() throws IOException {
        if (!unflushed) {
            return;
        }
        try {
            Connection c = connection();
            try (Statement s = c.createStatement()) {
                s.execute("SELECT txid_current()");
            }
            c.commit();
            unflushed = false;
        } catch (SQLException e) {
            closeConnection();
            throw new IOException("Flushing stored changes to the destination's WAL before a checkpoint failed: "
                    + ChangesSink.primaryMessage(e));
        }
    }

    private static void copy(Connection c, String sql, byte[] rows) throws SQLException {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try {
            copy.writeToCopy(rows, 0, rows.length);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = destination.connect();
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void closeConnection() {
        connection = Database.closeQuietly(connection);
    }

    /** Connection and server-side transient failures are tried again; a refused row (a constraint, a type) is not. */
    private static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        return state == null
                || state.startsWith("08")
                || state.startsWith("40")
                || state.startsWith("53")
                || state.startsWith("57");
    }

    private static void pause(int attempt) throws IOException {
        try {
            Thread.sleep(Math.min(5_000L, 200L << attempt)); // backoff before trying the destination again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while storing changes", e);
        }
    }

    /** The batch in COPY's text format, one line per change; each change's id added to {@code ids}. */
    static byte[] rows(List<Change> changes, List<UUID> ids) {
        StringBuilder out = new StringBuilder(changes.size() * 512);
        for (Change c : changes) {
            UUID id = ChangeId.of(c);
            ids.add(id);
            out.append(id).append('\t');
            field(out, c.database).append('\t');
            field(out, c.schema).append('\t');
            field(out, c.table).append('\t');
            field(out, c.primaryKey).append('\t');
            out.append(c.operation.name()).append('\t');
            field(out, c.before).append('\t');
            field(out, c.after).append('\t');
            field(out, c.context).append('\t');
            timestamp(out, c.committedAt).append('\t');
            timestamp(out, c.queuedAt).append('\t');
            out.append(c.transactionId).append('\t');
            out.append(c.position).append('\t');
            if (c.fallbackColumns == null) {
                out.append("\\N");
            } else {
                field(out, textArray(c.fallbackColumns));
            }
            out.append('\t').append(c.partial ? 't' : 'f').append('\t');
            if (c.chainSequence == 0) {
                out.append("\\N");
            } else {
                out.append(c.chainSequence);
            }
            out.append('\t');
            field(out, c.chainHash).append('\t');
            if (c.commitPosition == 0) {
                out.append("\\N\n");
            } else {
                out.append(c.commitPosition).append('\n');
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A text field as COPY reads it: backslash, tab and line breaks escaped; {@code \N} for NULL. */
    static StringBuilder field(StringBuilder out, String value) {
        if (value == null) {
            return out.append("\\N");
        }
        int n = value.length();
        int clean = 0;
        while (clean < n && !escaped(value.charAt(clean))) {
            clean++;
        }
        if (clean == n) {
            return out.append(value); // nearly every value: one copy, where a part is appended char by char
        }
        int start = 0;
        for (int i = clean; i < n; i++) {
            char ch = value.charAt(i);
            String escape =
                    switch (ch) {
                        case '\\' -> "\\\\";
                        case '\t' -> "\\t";
                        case '\n' -> "\\n";
                        case '\r' -> "\\r";
                        default -> null;
                    };
            if (escape != null) {
                out.append(value, start, i).append(escape);
                start = i + 1;
            }
        }
        return out.append(value, start, value.length());
    }

    private static boolean escaped(char ch) {
        return ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r';
    }

    /** A text[] literal: each element double-quoted, its quotes and backslashes escaped. */
    static String textArray(String[] values) {
        StringBuilder array = new StringBuilder("{");
        for (String v : values) {
            if (array.length() > 1) {
                array.append(',');
            }
            array.append('"')
                    .append(v.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return array.append('}').toString();
    }

    private static StringBuilder timestamp(StringBuilder out, long epochMicros) {
        return out.append(Instant.ofEpochSecond(
                Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1_000L));
    }

    @Override
    public List<JdbcWriterState> snapshotState(long checkpointId) {
        return List.of(); // every change before the barrier is stored by flush: nothing to keep
    }

    @Override
    public Collection<JdbcCommitable> prepareCommit() {
        return List.of(); // each batch committed itself
    }

    @Override
    public void close() throws InterruptedException {
        storer.shutdownNow(); // a batch not stored by now is replayed from the last checkpoint
        storer.awaitTermination(10, TimeUnit.SECONDS);
        closeConnection();
    }
}
