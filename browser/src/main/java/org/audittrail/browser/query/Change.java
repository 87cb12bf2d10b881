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
package org.audittrail.browser.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One stored change as the browser shows it.
 *
 * @param id the change's id
 * @param record where it happened: database, schema, table and key
 * @param operation CREATE, UPDATE, DELETE or TRUNCATE
 * @param before the old image (absent columns are not in it)
 * @param after the new image
 * @param context the application context of its statement
 * @param committedAt its transaction's commit time
 * @param transactionId its transaction's id
 * @param position its WAL position
 * @param partial whether an image lacks values the WAL did not carry
 */
public record Change(
        String id,
        Record record,
        String operation,
        JsonNode before,
        JsonNode after,
        JsonNode context,
        OffsetDateTime committedAt,
        long transactionId,
        long position,
        boolean partial) {

    /** The columns this change touched: the diff of its images. */
    public List<ColumnDiff> diff() {
        return ColumnDiff.of(before, after);
    }
}
