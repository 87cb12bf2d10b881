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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.audittrail.job.db.Database;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.selection.TableSelection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Setup's wal_level and privilege failures on a server that looks like each managed platform (its roles, settings, functions faked). */
class PlatformITCase {

    private static TestDatabase replica;
    private static TestDatabase logical;

    /** Each platform's look, as SQL that gives a server its tell-tale role, setting or function, and SQL that takes it away. */
    private static final Map<Platform, List<String>> LOOKS = new LinkedHashMap<>();

    static {
        LOOKS.put(Platform.SELF_MANAGED, List.of("SELECT 1", "SELECT 1"));
        LOOKS.put(Platform.RDS, List.of("CREATE ROLE rds_superuser", "DROP ROLE rds_superuser"));
        LOOKS.put(
                Platform.AURORA,
                List.of(
                        "CREATE ROLE rds_superuser; CREATE FUNCTION aurora_version() RETURNS text LANGUAGE sql AS 'SELECT ''15.4.0'''",
                        "DROP FUNCTION aurora_version(); DROP ROLE rds_superuser"));
        // a setting of a module the server has not loaded: a placeholder, which a new session reads from its database's
        // defaults
        LOOKS.put(
                Platform.CLOUD_SQL,
                List.of(
                        "ALTER DATABASE postgres SET cloudsql.logical_decoding = off",
                        "ALTER DATABASE postgres RESET cloudsql.logical_decoding"));
        LOOKS.put(Platform.SUPABASE, List.of("CREATE ROLE supabase_admin", "DROP ROLE supabase_admin"));
        LOOKS.put(
                Platform.NEON,
                List.of(
                        "ALTER DATABASE postgres SET neon.tenant_id = 'fake'",
                        "ALTER DATABASE postgres RESET neon.tenant_id"));
    }

    @BeforeAll
    static void startServers() {
        replica = TestDatabase.start(Map.of("wal_level", "replica"));
        logical = TestDatabase.start();
        logical.execute("CREATE ROLE limited LOGIN");
    }

    @AfterAll
    static void stopServers() throws Exception {
        replica.close();
        logical.close();
    }

    @Test
    void eachPlatformIsDetectedFromWhatTheServerSays() throws Exception {
        for (Map.Entry<Platform, List<String>> look : LOOKS.entrySet()) {
            replica.execute(look.getValue().get(0));
            try (Connection c = replica.connect()) {
                assertThat(Platform.detect(c))
                        .as("server faking %s", look.getKey())
                        .isEqualTo(look.getKey());
            } finally {
                replica.execute(look.getValue().get(1));
            }
        }
    }

    @Test
    void aWrongWalLevelSaysThePlatformsSteps() {
        for (Map.Entry<Platform, List<String>> look : LOOKS.entrySet()) {
            replica.execute(look.getValue().get(0));
            try {
                assertThatThrownBy(() ->
                                Setup.prepareSource(replica.database(), TableSelection.defaults(), Replication.BEMI))
                        .as("server faking %s", look.getKey())
                        .isInstanceOf(Setup.SetupException.class)
                        .hasMessageContaining("wal_level is replica, but logical replication needs logical")
                        .hasMessageContaining(look.getKey().walLevelSteps())
                        .hasMessageNotContaining(TestDatabase.PASSWORD);
            } finally {
                replica.execute(look.getValue().get(1));
            }
        }
        assertThat(replica.value("SELECT count(*) FROM pg_replication_slots"))
                .as("nothing created")
                .isEqualTo(0L);
    }

    @Test
    void aMissingPrivilegeSaysThePlatformsGrant() {
        Database limited = new Database("localhost", logical.port(), "postgres", "limited", TestDatabase.PASSWORD);
        assertThatThrownBy(() -> Setup.prepareSource(limited, TableSelection.defaults(), Replication.BEMI))
                .hasMessageContaining("The user lacks a privilege: run setup as the database owner or a superuser");
        logical.execute("CREATE ROLE rds_superuser");
        try {
            assertThatThrownBy(() -> Setup.prepareSource(limited, TableSelection.defaults(), Replication.BEMI))
                    .isInstanceOf(Setup.SetupException.class)
                    .hasMessageContaining("The user lacks a privilege: on Amazon RDS, ")
                    .hasMessageContaining("GRANT rds_replication TO limited;")
                    .hasMessageNotContaining(TestDatabase.PASSWORD);
        } finally {
            logical.execute("DROP ROLE rds_superuser");
        }
    }
}
