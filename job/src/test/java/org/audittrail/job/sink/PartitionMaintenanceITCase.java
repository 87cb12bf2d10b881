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

import static org.assertj.core.api.Assertions.assertThat;

import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/** Partition upkeep knows beforehand how many partitions it creates at once, to say so when they are many. */
class PartitionMaintenanceITCase {

    @Test
    void theCountSaidBeforehandIsWhatTheUpkeepCreates() throws Exception {
        try (TestDatabase db = TestDatabase.start()) {
            Setup.prepareDestination(db.database());
            String coming = PartitionMaintenance.COMING.replace("?", String.valueOf(PartitionMaintenance.DAYS_AHEAD));
            // setup made today's and the coming days' partitions
            assertThat(db.value(coming)).isEqualTo(0);
            // rows of 30 past days wait in changes_default, as after an outage of the upkeep
            db.execute("INSERT INTO changes (id, \"database\", \"schema\", \"table\", \"operation\", committed_at,"
                    + " queued_at, transaction_id, \"position\") SELECT gen_random_uuid(), 'd', 's', 't', 'CREATE',"
                    + " now() - make_interval(days => n), now(), n, n FROM generate_series(1, 30) n");
            assertThat(db.value(coming)).isEqualTo(30);
            long before = (Long) db.value("SELECT count(*) FROM pg_partition_tree('changes')");

            new PartitionMaintenance(db.database(), 0).maintain();

            assertThat((Long) db.value("SELECT count(*) FROM pg_partition_tree('changes')"))
                    .isEqualTo(before + 30);
            assertThat(db.value("SELECT count(*) FROM changes_default")).isEqualTo(0L);
            assertThat(db.value(coming)).isEqualTo(0);
        }
    }
}
