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
