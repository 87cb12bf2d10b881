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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.audittrail.job.testing.Auditor;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * erase on a large trail reads it by its indexes: the subject's changes, then the other changes of their transactions
 * by commit time, never a scan of a partition that holds the trail (counted in pg_stat_user_tables).
 */
class ErasurePlanITCase extends JobTestBase {

    /** Changes of other records in the trail: enough that a scan of the partition costs more than the indexes. */
    static final int TRAIL = 200_000;

    @BeforeAll
    static void largeTrail() {
        db.execute("CREATE TABLE people (id int PRIMARY KEY, email text)");
        assertThat(Auditor.run(db.args("setup", "--tables", "public.people"))).startsWith("0 ");
        db.transaction( // one transaction: one now() for every commit time below
                // other records, one transaction each; those of transactions 3 and 5 share them with the subject
                "INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, after, context,"
                        + " committed_at, queued_at, transaction_id, position)"
                        + " SELECT gen_random_uuid(), 'postgres', 'public', 'people', i::text, 'CREATE',"
                        + " jsonb_build_object('id', i, 'email', 'p' || i || '@example.com'),"
                        + " jsonb_build_object('user_id', i % 1000),"
                        + " CASE i WHEN 3 THEN now() - interval '1 s' WHEN 5 THEN now() - interval '2 s'"
                        + " ELSE now() - i * interval '10 ms' END, now(), i, i"
                        + " FROM generate_series(2, " + TRAIL + ") i",
                // the subject: person 1, created and updated in two transactions that also wrote other people
                "INSERT INTO changes (id, database, schema, \"table\", primary_key, operation, before, after, context,"
                        + " committed_at, queued_at, transaction_id, position) VALUES"
                        + " (gen_random_uuid(), 'postgres', 'public', 'people', '1', 'CREATE', '{}',"
                        + " '{\"id\": 1, \"email\": \"one@example.com\"}', '{\"by\": \"one@example.com\"}',"
                        + " now() - interval '1 s', now(), 3, 1000),"
                        + " (gen_random_uuid(), 'postgres', 'public', 'people', '1', 'UPDATE',"
                        + " '{\"id\": 1, \"email\": \"one@example.com\"}', '{\"id\": 1, \"email\": \"uno@example.com\"}',"
                        + " '{}', now() - interval '2 s', now(), 5, 1000)");
        db.execute("ANALYZE changes");
    }

    @Test
    void eraseReadsALargeTrailByItsIndexes() {
        long[] before = scans();
        String erased =
                Auditor.run(db.args("erase", "--erase-table", "people", "--erase-key", "1", "--reason", "plan"));
        assertThat(erased).startsWith("0 {").contains("\"changes\":2");
        // the erase's backend has ended (its connection closed), and its counts reached the shared statistics
        TestDatabase.poll(() -> scans()[1] > before[1], Duration.ofSeconds(30), "erase's index scans to be counted");
        assertThat(scans()[0]).as("sequential scans of changes' partitions").isEqualTo(before[0]);

        // a context value: what user 7 did, 200 changes, by the context's GIN index
        long[] between = scans();
        assertThat(Auditor.run(db.args("erase", "--erase-context", "user_id=7", "--reason", "plan")))
                .startsWith("0 {")
                .contains("\"changes\":200");
        TestDatabase.poll(() -> scans()[1] > between[1], Duration.ofSeconds(30), "erase's index scans to be counted");
        assertThat(scans()[0]).as("sequential scans of changes' partitions").isEqualTo(before[0]);
        assertThat(db.value("SELECT count(*) FROM changes WHERE after::text LIKE '%one@example.com%'"
                        + " OR before::text LIKE '%one@example.com%' OR context::text LIKE '%one@example.com%'"))
                .isEqualTo(0L);
    }

    /**
     * Sequential and index scans so far of changes' partitions that hold the trail (an empty one, a coming day's, is
     * scanned as it costs nothing).
     */
    private static long[] scans() {
        var row = db.query("SELECT coalesce(sum(seq_scan), 0)::bigint AS seq, coalesce(sum(idx_scan), 0)::bigint AS idx"
                        + " FROM pg_stat_user_tables WHERE relid IN"
                        + " (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'changes'::regclass)"
                        + " AND n_live_tup >= 1000")
                .get(0);
        return new long[] {(Long) row.get("seq"), (Long) row.get("idx")};
    }
}
