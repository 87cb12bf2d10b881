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

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --slot-failover: on PostgreSQL 17 the slot is made (or altered) to fail over; older servers refuse it in one line. */
class SlotFailoverITCase {

    static TestDatabase postgres17;
    static TestDatabase postgres15;

    @BeforeAll
    static void startServers() {
        postgres17 = TestDatabase.start17(Map.of());
        postgres15 = TestDatabase.start();
    }

    @AfterAll
    static void stopServers() throws Exception {
        postgres17.close();
        postgres15.close();
    }

    @Test
    void onPostgres17ANewSlotFailsOverAndOneMadeBeforeIsAlteredTo() {
        assertThat(postgres17.value("SHOW server_version_num").toString()).startsWith("17");
        // a slot an earlier setup made, without failover
        postgres17.execute("SELECT pg_create_logical_replication_slot('bemi', 'pgoutput')");
        Cli.Result altered = Cli.run(postgres17.args("setup", "--slot-failover"));
        assertThat(altered.exit()).as(altered.err()).isZero();
        assertThat(postgres17.value("SELECT failover FROM pg_replication_slots WHERE slot_name = 'bemi'"))
                .isEqualTo(true);

        Cli.Result created = Cli.run(postgres17.args("setup", "--slot-failover", "--slot-name", "fresh"));
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(postgres17.value("SELECT failover FROM pg_replication_slots WHERE slot_name = 'fresh'"))
                .isEqualTo(true);
        // without the option, a slot is made as before
        Cli.Result plain = Cli.run(postgres17.args("setup", "--slot-name", "plain"));
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(postgres17.value("SELECT failover FROM pg_replication_slots WHERE slot_name = 'plain'"))
                .isEqualTo(false);
    }

    @Test
    void olderServersRefuseItInOneLineAndCreateNothing() {
        Cli.Result refused = Cli.run(postgres15.args("setup", "--slot-failover"));
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip())
                .matches(
                        "audit-trail: --slot-failover needs PostgreSQL 17 or later, where standbys can keep a slot in sync;"
                                + " postgres@localhost:\\d+/postgres runs 15\\.\\d+: start without --slot-failover");
        assertThat(postgres15.value("SELECT count(*) FROM pg_replication_slots"))
                .isEqualTo(0L);
    }
}
