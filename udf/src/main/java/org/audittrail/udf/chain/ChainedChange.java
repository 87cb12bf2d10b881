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
package org.audittrail.udf.chain;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;

/**
 * What a chain link covers of a change, as the job holds it and as a verifier reads it back from {@code changes}. Not
 * covered: {@code queued_at} and {@code created_at}, the times of the capture itself, which a replay after a restore
 * does not repeat. {@code erased} holds the commitments of values an erasure replaced (docs/erasure.md), null where
 * none was: the link covers the commitment, which stays when the value goes.
 */
public record ChainedChange(
        UUID id,
        String database,
        String schema,
        String table,
        String primaryKey,
        String operation,
        long committedAtMicros,
        long transactionId,
        long position,
        boolean partial,
        List<String> fallbackColumns,
        String before,
        String after,
        String context,
        String erased) {

    public static ChainedChange of(Change change) {
        return new ChainedChange(
                ChangeId.of(change),
                change.database,
                change.schema,
                change.table,
                change.primaryKey,
                change.operation.name(),
                change.committedAt,
                change.transactionId,
                change.position,
                change.partial,
                change.fallbackColumns == null ? null : Arrays.asList(change.fallbackColumns),
                change.before,
                change.after,
                change.context,
                null);
    }
}
