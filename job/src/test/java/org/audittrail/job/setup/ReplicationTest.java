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

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The scripts of sql/ name Bemi's slot and publication; another name replaces every mention, and nothing else. */
class ReplicationTest {

    private static final Pattern BEMI = Pattern.compile("(?<![\\w])bemi(?![\\w])");

    @Test
    void otherNamesReplaceBemisInEveryScriptAndBemisOwnLeaveThemAsTheyAre() {
        Replication other = new Replication("s2", "p2", false);
        for (String name : new String[] {"source-setup.sql", "source-disconnect.sql", "destination.sql"}) {
            String script = Setup.script(name);
            assertThat(Replication.BEMI.into(script)).isEqualTo(script);
            String renamed = other.into(script);
            assertThat(BEMI.matcher(renamed).find()).as(name).isFalse();
            // Bemi's own function and trigger names stay
            assertThat(renamed.split("_bemi_", -1).length).isEqualTo(script.split("_bemi_", -1).length);
        }
        assertThat(other.into(Setup.script("source-setup.sql")))
                .contains("pg_create_logical_replication_slot('s2', 'pgoutput')", "CREATE PUBLICATION p2");
        assertThat(new Replication("s3", "p3", true).into(Setup.script("source-setup.sql")))
                .contains("pg_create_logical_replication_slot('s3', 'pgoutput', false, false, true)");
        assertThat(other.into(Setup.script("source-disconnect.sql")))
                .contains("pg_drop_replication_slot('s2')", "DROP PUBLICATION IF EXISTS p2;");
    }
}
