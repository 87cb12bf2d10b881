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
package org.audittrail.udf.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The deterministic change id: stable, and different for each part of a change's identity. */
class ChangeIdTest {

    static Change change() {
        Change c = new Change();
        c.database = "postgres";
        c.schema = "public";
        c.table = "todo";
        c.primaryKey = "26";
        c.operation = Operation.UPDATE;
        c.transactionId = 771;
        c.position = 22_869_192L;
        c.before = "{}";
        c.after = "{\"id\":26}";
        c.context = "{}";
        c.committedAt = 1_700_000_000_000_000L;
        c.queuedAt = 1_700_000_000_500_000L;
        return c;
    }

    @Test
    void isAVersion5UuidThatDependsOnlyOnTheChangesIdentity() {
        UUID id = ChangeId.of(change());
        assertThat(id.version()).isEqualTo(5);
        assertThat(id.variant()).isEqualTo(2);

        Change replayed = change();
        replayed.queuedAt += 60_000_000L; // read again a minute later
        replayed.context = "{\"user_id\":1}";
        assertThat(ChangeId.of(replayed)).isEqualTo(id);
    }

    @Test
    void isStableAcrossReleases() {
        // a new id for the same change would store every replayed change twice after an upgrade;
        // the expected value is RFC 4122's uuid5 of the namespace, as Python's uuid.uuid5 computes it
        assertThat(ChangeId.nameUuid("postgres")).hasToString("71f003d9-ecdb-54c5-a33e-0556cd76707d");
    }

    @Test
    void differsForEachPartOfTheIdentity() {
        UUID id = ChangeId.of(change());
        Change other;
        other = change();
        other.position++;
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
        other = change();
        other.operation = Operation.DELETE;
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
        other = change();
        other.table = "todos";
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
        other = change();
        other.schema = "app";
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
        other = change();
        other.database = "app";
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
        other = change();
        other.transactionId++;
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
        other = change();
        other.primaryKey = null;
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
        // fields are separated, so moving text from one to the next is another identity
        other = change();
        other.schema = "publi";
        other.table = "ctodo";
        assertThat(ChangeId.of(other)).isNotEqualTo(id);
    }
}
