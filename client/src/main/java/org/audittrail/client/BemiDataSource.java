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
package org.audittrail.client;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} (typically a connection pool) whose connections put the current thread's
 * {@link BemiContext} comment on every INSERT, UPDATE, DELETE and MERGE they send, as {@link BemiSql} counts them.
 * A prepared statement takes the context of the moment it is prepared; a plain {@link Statement} that of the moment
 * it executes (or adds to its batch).
 */
public final class BemiDataSource implements DataSource {

    private final DataSource delegate;

    public BemiDataSource(DataSource delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(delegate.getConnection(username, password));
    }

    /** {@code connection} with the comment on its writes; for a connection that comes from elsewhere. */
    public static Connection wrap(Connection connection) {
        return (Connection) Proxy.newProxyInstance(
                BemiDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                new ConnectionHandler(connection));
    }

    /** Rewrites the SQL given to prepareStatement and prepareCall, and wraps the plain statements. */
    private static final class ConnectionHandler implements InvocationHandler {
        private final Connection connection;

        ConnectionHandler(Connection connection) {
            this.connection = connection;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            Object[] actual = args;
            if (args != null
                    && args.length > 0
                    && args[0] instanceof String sql
                    && (name.equals("prepareStatement") || name.equals("prepareCall"))) {
                actual = args.clone();
                actual[0] = BemiSql.withContext(sql);
            }
            Object result = wrapperMethod(connection, proxy, method, args);
            if (result == NOT_A_WRAPPER_METHOD) {
                result = call(connection, method, actual);
            }
            if (result instanceof Statement statement) {
                // a prepared statement's SQL is fixed already; the proxy keeps getConnection() on the wrapped
                // connection
                Class<?> type = statement instanceof CallableStatement
                        ? CallableStatement.class
                        : statement instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
                return Proxy.newProxyInstance(
                        BemiDataSource.class.getClassLoader(),
                        new Class<?>[] {type},
                        new StatementHandler(statement, (Connection) proxy));
            }
            return result;
        }
    }

    /** Rewrites the SQL given to execute, executeUpdate, executeLargeUpdate, executeQuery and addBatch, and gives back the wrapped connection. */
    private static final class StatementHandler implements InvocationHandler {
        private final Statement statement;
        private final Connection connection;

        StatementHandler(Statement statement, Connection connection) {
            this.statement = statement;
            this.connection = connection;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.equals("getConnection") && (args == null || args.length == 0)) {
                return connection;
            }
            Object[] actual = args;
            if (args != null
                    && args.length > 0
                    && args[0] instanceof String sql
                    && (name.startsWith("execute") || name.equals("addBatch"))) {
                actual = args.clone();
                actual[0] = BemiSql.withContext(sql);
            }
            Object result = wrapperMethod(statement, proxy, method, args);
            return result == NOT_A_WRAPPER_METHOD ? call(statement, method, actual) : result;
        }
    }

    private static final Object NOT_A_WRAPPER_METHOD = new Object();

    /** unwrap, isWrapperFor, equals and hashCode, answered for the proxy; anything else is not handled here. */
    private static Object wrapperMethod(Object target, Object proxy, Method method, Object[] args) throws SQLException {
        switch (method.getName()) {
            case "unwrap" -> {
                Class<?> type = (Class<?>) args[0];
                return type.isInstance(proxy) ? proxy : ((java.sql.Wrapper) target).unwrap(type);
            }
            case "isWrapperFor" -> {
                Class<?> type = (Class<?>) args[0];
                return type.isInstance(proxy) || ((java.sql.Wrapper) target).isWrapperFor(type);
            }
            case "equals" -> {
                return proxy == args[0];
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "toString" -> {
                return "Bemi(" + target + ")";
            }
            default -> {
                return NOT_A_WRAPPER_METHOD;
            }
        }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : delegate.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || delegate.isWrapperFor(type);
    }
}
