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
package org.audittrail.client.hibernate;

import org.audittrail.client.BemiSql;
import org.hibernate.resource.jdbc.spi.StatementInspector;

/**
 * Hibernate's hook on every SQL statement it prepares: puts the current thread's {@link org.audittrail.client.BemiContext}
 * comment on the writes. Set {@code hibernate.session_factory.statement_inspector} to this class's name.
 */
public class BemiStatementInspector implements StatementInspector {

    @Override
    public String inspect(String sql) {
        return BemiSql.withContext(sql);
    }
}
