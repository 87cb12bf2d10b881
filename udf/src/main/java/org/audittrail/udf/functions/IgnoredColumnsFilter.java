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
package org.audittrail.udf.functions;

import org.audittrail.udf.model.Change;
import org.audittrail.udf.selection.IgnoredColumns;

/** Drops the UPDATEs that changed only ignore-change columns, counting them in {@code updatesIgnored}. */
public class IgnoredColumnsFilter extends CountingFilter {

    private static final long serialVersionUID = 1L;

    private final IgnoredColumns ignored;

    public IgnoredColumnsFilter(IgnoredColumns ignored) {
        super("updatesIgnored");
        this.ignored = ignored;
    }

    @Override
    boolean keep(Change change) {
        return !ignored.changesOnlyIgnoredColumns(change);
    }
}
