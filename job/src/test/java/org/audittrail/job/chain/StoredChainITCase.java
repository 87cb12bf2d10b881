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

import static org.assertj.core.api.Assertions.assertThat;

import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.chain.ChainHead;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.junit.jupiter.api.Test;

/** Where a job that starts without state goes on: the destination's last link, at the latest place in the order. */
class StoredChainITCase {

    @Test
    void aBaselineChainedAfterLaterChangesLeavesTheHeadAtTheLatestOfThem() throws Exception {
        try (TestDatabase db = TestDatabase.start()) {
            Setup.prepareDestination(db.database());
            assertTheHeadIsAtTheLatestChange(db);
        }
    }

    @Test
    void theHeadIsAtTheLatestCommitPositionWhateverTheCommitTimes() throws Exception {
        try (TestDatabase db = TestDatabase.start()) {
            Setup.prepareDestination(db.database());
            // stored before commit positions were, then two commits whose times ran out of their WAL order
            db.execute(
                    link("shop", 1, "2026-12-01 10:00:00+00", 700, 1000, "CREATE", "1"),
                    link("shop", 2, "2026-12-01 10:00:05.002+00", 701, 2000, "CREATE", "2"),
                    link("shop", 3, "2026-12-01 10:00:05.001+00", 702, 2100, "CREATE", "3"),
                    "UPDATE changes SET commit_position = 2050 WHERE primary_key = '2'",
                    "UPDATE changes SET commit_position = 2150 WHERE primary_key = '3'");

            ChainHead head = StoredChain.head(db.database(), "shop");

            assertThat(head.sequence).isEqualTo(3);
            assertThat(head.commitPosition).isEqualTo(2150);
            assertThat(head.position).isEqualTo(2100);
            // the second change: later in time, earlier in the WAL
            Change replay = change(1_796_119_205_002_000L, 701, 2000, 2050, Operation.CREATE, "2");
            assertThat(head.precedes(replay))
                    .as("a replay of a change before the head")
                    .isFalse();
            Change next = change(1_796_119_205_000_000L, 703, 2200, 2250, Operation.CREATE, "4");
            assertThat(head.precedes(next))
                    .as("the next commit, its time behind")
                    .isTrue();
        }
    }

    private static void assertTheHeadIsAtTheLatestChange(TestDatabase db) {
        assertThat(StoredChain.head(db.database(), "shop")).isNull();
        // two changes, then a table's baseline whose moment is before the second one, chained after it
        db.execute(
                link("shop", 1, "2026-12-01 10:00:00.000001+00", 700, 1000, "CREATE", "1"),
                link("shop", 2, "2026-12-01 10:00:05+00", 701, 2000, "UPDATE", "1"),
                link("shop", 3, "2026-12-01 10:00:02+00", 650, 1500, "SNAPSHOT", "7"),
                link("shop", 4, "2026-12-01 10:00:02+00", 650, 1500, "SNAPSHOT", "8"),
                // another database's chain, later in every way, and a later change stored without a link
                link("other", 9, "2026-12-01 10:00:08+00", 703, 4000, "CREATE", "1"),
                "INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, committed_at, queued_at,"
                        + " transaction_id, position) VALUES (gen_random_uuid(), 'shop', 'public', 'orders', '2',"
                        + " 'CREATE', '2026-12-01 10:00:09+00', now(), 702, 3000)");

        ChainHead head = StoredChain.head(db.database(), "shop");

        assertThat(head.sequence).isEqualTo(4);
        assertThat(head.hash).isEqualTo("hash-4");
        // 2026-12-01 10:00:05 UTC in microseconds, stored before commit positions were
        Change second = change(1_796_119_205_000_000L, 701, 2000, 0, Operation.UPDATE, "1");
        assertThat(head.precedes(second)).as("a replay of the latest change").isFalse();
        second.position = 2001;
        assertThat(head.precedes(second)).as("the next change").isTrue();
        assertThat(head.committedAt).isEqualTo(second.committedAt);
    }

    /** A change of public.orders as the chain compares it with its head. */
    private static Change change(
            long committedAt, long transaction, long position, long commitPosition, Operation operation, String key) {
        Change change = new Change();
        change.committedAt = committedAt;
        change.transactionId = transaction;
        change.position = position;
        change.commitPosition = commitPosition;
        change.schema = "public";
        change.table = "orders";
        change.operation = operation;
        change.primaryKey = key;
        return change;
    }

    private static String link(
            String database,
            long sequence,
            String committedAt,
            long transaction,
            long position,
            String operation,
            String key) {
        return "INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, committed_at, queued_at,"
                + " transaction_id, position, chain_sequence, chain_hash) VALUES (gen_random_uuid(), '" + database
                + "', 'public', 'orders', '" + key + "', '" + operation + "', '" + committedAt + "', now(), "
                + transaction + ", "
                + position + ", " + sequence + ", 'hash-" + sequence + "')";
    }
}
