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
import org.audittrail.job.testing.JobTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One transaction of a million rows, each with its context, stitched without holding the transaction. */
class LargeTransactionITCase extends JobTestBase {

    static final int ROWS = Integer.getInteger("largeTransaction.rows", 1_000_000);

    @BeforeAll
    static void createSchema() {
        db.execute("CREATE TABLE events (id bigint PRIMARY KEY, payload text)");
    }

    @Test
    void millionRowTransactionIsStoredWholeWithItsContexts() throws Exception {
        job.submit(db.args("--batch-size", "5000"));
        db.transaction(
                ContextITCase.withContext(
                        "INSERT INTO events SELECT i, 'e' || i FROM generate_series(1, " + (ROWS / 2) + ") i",
                        "{\"half\": 1}"),
                "INSERT INTO events SELECT i, 'e' || i FROM generate_series(" + (ROWS / 2 + 1) + ", " + ROWS + ") i");
        db.await(
                "SELECT count(*) AS n FROM changes",
                rows -> (Long) rows.get(0).get("n") >= ROWS,
                Duration.ofMinutes(10),
                Duration.ofSeconds(
                        1)); // a count of a million rows is a scan: each second, not ten times beside the job
        assertThat(db.value("SELECT count(*) FROM changes WHERE context = '{\"half\": 1}' AND primary_key::bigint <= "
                        + ROWS / 2))
                .isEqualTo((long) ROWS / 2);
        assertThat(db.value("SELECT count(*) FROM changes WHERE context = '{}' AND primary_key::bigint > " + ROWS / 2))
                .isEqualTo((long) ROWS / 2);
        assertThat(db.value("SELECT count(DISTINCT transaction_id) FROM changes"))
                .isEqualTo(1L);
    }
}
