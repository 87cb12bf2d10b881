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

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The platform each server's facts tell, and the steps its messages give. */
class PlatformTest {

    private static Platform.Facts facts(Set<String> roles, Set<String> settings, String preload, boolean aurora) {
        return new Platform.Facts(roles, settings, preload, aurora, "app");
    }

    @Test
    void eachPlatformIsToldByWhatItsServerSaysAboutItself() {
        assertThat(Platform.of(facts(
                        Set.of("rds_superuser", "rds_replication"),
                        Set.of("rds.extensions", "rds.logical_replication"),
                        null,
                        true)))
                .isEqualTo(Platform.AURORA);
        assertThat(Platform.of(
                        facts(Set.of("rds_superuser", "rds_replication"), Set.of("rds.extensions"), null, false)))
                .isEqualTo(Platform.RDS);
        assertThat(Platform.of(facts(Set.of(), Set.of("rds.logical_replication"), null, false)))
                .isEqualTo(Platform.RDS);
        assertThat(Platform.of(facts(Set.of("cloudsqlsuperuser"), Set.of(), null, false)))
                .isEqualTo(Platform.CLOUD_SQL);
        assertThat(Platform.of(facts(Set.of(), Set.of("cloudsql.logical_decoding"), null, false)))
                .isEqualTo(Platform.CLOUD_SQL);
        assertThat(Platform.of(facts(Set.of("supabase_admin"), Set.of(), null, false)))
                .isEqualTo(Platform.SUPABASE);
        assertThat(Platform.of(facts(Set.of(), Set.of(), "pg_stat_statements, supautils", false)))
                .isEqualTo(Platform.SUPABASE);
        assertThat(Platform.of(facts(Set.of(), Set.of("neon.timeline_id", "neon.tenant_id"), null, false)))
                .isEqualTo(Platform.NEON);
        assertThat(Platform.of(facts(Set.of("neon_superuser"), Set.of(), null, false)))
                .isEqualTo(Platform.NEON);
        assertThat(Platform.of(facts(Set.of(), Set.of(), "pg_stat_statements", false)))
                .isEqualTo(Platform.SELF_MANAGED);
        assertThat(Platform.of(facts(Set.of(), Set.of(), null, false))).isEqualTo(Platform.SELF_MANAGED);
    }

    @Test
    void theWalLevelStepsAreThePlatformsOwn() {
        assertThat(Platform.RDS.walLevelSteps())
                .startsWith("On Amazon RDS: ")
                .contains("rds.logical_replication = 1")
                .contains("DB parameter group")
                .contains("reboot the instance");
        assertThat(Platform.AURORA.walLevelSteps())
                .startsWith("On Amazon Aurora: ")
                .contains("rds.logical_replication = 1")
                .contains("DB cluster parameter group")
                .contains("reboot the writer");
        assertThat(Platform.CLOUD_SQL.walLevelSteps())
                .startsWith("On Google Cloud SQL: ")
                .contains("cloudsql.logical_decoding")
                .contains("on");
        assertThat(Platform.SUPABASE.walLevelSteps())
                .startsWith("On Supabase: ")
                .contains("wal_level = logical")
                .contains("support");
        assertThat(Platform.NEON.walLevelSteps())
                .startsWith("On Neon: ")
                .contains("Logical Replication")
                .contains("Console");
        assertThat(Platform.SELF_MANAGED.walLevelSteps())
                .isEqualTo("Run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL.");
        // managed platforms refuse ALTER SYSTEM: their steps never suggest it
        for (Platform platform : Platform.values()) {
            if (platform != Platform.SELF_MANAGED) {
                assertThat(platform.walLevelSteps()).doesNotContain("ALTER SYSTEM SET");
            }
        }
    }

    @Test
    void thePrivilegeStepsNameTheRoleAndThePlatformsGrant() {
        assertThat(Platform.RDS.privilegeSteps("app"))
                .startsWith("The user lacks a privilege: on Amazon RDS, ")
                .contains("rds_superuser")
                .contains("GRANT rds_replication TO app;");
        assertThat(Platform.AURORA.privilegeSteps("App User")).contains("GRANT rds_replication TO \"App User\";");
        assertThat(Platform.CLOUD_SQL.privilegeSteps("app"))
                .contains("cloudsqlsuperuser")
                .contains("ALTER USER app WITH REPLICATION;");
        assertThat(Platform.SUPABASE.privilegeSteps("app"))
                .contains("role postgres")
                .contains("6543");
        assertThat(Platform.NEON.privilegeSteps("app"))
                .contains("neon_superuser")
                .contains("ALTER USER app WITH REPLICATION;");
        assertThat(Platform.SELF_MANAGED.privilegeSteps(null))
                .isEqualTo("The user lacks a privilege: run setup as the database owner or a superuser"
                        + " (it needs REPLICATION, CREATE on the database, and ownership of the tracked tables).");
    }
}
