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
package org.audittrail.browser.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The browser's settings, checked when built: every later reader can trust them.
 *
 * @param host the address to listen on; 127.0.0.1 unless told otherwise
 * @param port the port to listen on; 0 picks a free one
 * @param jdbcUrl the destination database holding {@code changes}
 * @param user the read-only role the browser connects as
 * @param password that role's password, or null where the server does not ask for one
 * @param usersFile who may log in: one {@code name:bcrypt-hash} line per user
 * @param accessLog the file every page view and export is appended to
 * @param statementTimeout how long one query may run before it is cancelled with a message
 * @param pageSize rows per page of a search
 * @param secureCookies whether cookies carry {@code Secure} (behind a TLS-terminating proxy)
 * @param trustedHeader the header a single-sign-on proxy names the user in, or null (off)
 * @param trustedProxies the addresses whose {@code trustedHeader} is believed; no one else's
 * @param tlsKeystore a PKCS12 file of the certificate and key to serve HTTPS with, or null (plain HTTP)
 * @param tlsPassword that file's password
 */
public record BrowserConfig(
        String host,
        int port,
        String jdbcUrl,
        String user,
        String password,
        Path usersFile,
        Path accessLog,
        Duration statementTimeout,
        int pageSize,
        boolean secureCookies,
        String trustedHeader,
        java.util.Set<String> trustedProxies,
        Path tlsKeystore,
        String tlsPassword) {

    /** Checks the settings once; a wrong one is an {@link IllegalArgumentException} saying which and how to fix it. */
    public BrowserConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host is empty: give an address to listen on, such as 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port is " + port + ": use a port number from 1 to 65535");
        }
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(
                    "--db-url is missing or not a PostgreSQL JDBC URL: give jdbc:postgresql://host:5432/database");
        }
        if (usersFile == null) {
            throw new IllegalArgumentException("--users-file is missing: give a file of name:bcrypt-hash lines"
                    + " (the hash-password command makes them)");
        }
        if (statementTimeout.toMillis() < 100) {
            throw new IllegalArgumentException(
                    "--statement-timeout-ms is " + statementTimeout.toMillis() + ": give at least 100 milliseconds");
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new IllegalArgumentException("--page-size is " + pageSize + ": give 1 to 1000 rows");
        }
        user = Objects.requireNonNullElse(user, "audit_browser");
        trustedProxies = trustedProxies == null ? java.util.Set.of() : java.util.Set.copyOf(trustedProxies);
        if (trustedHeader != null && trustedHeader.isBlank()) {
            trustedHeader = null;
        }
        if (tlsKeystore != null && !java.nio.file.Files.isReadable(tlsKeystore)) {
            throw new IllegalArgumentException(
                    "--tls-keystore " + tlsKeystore + " cannot be read: give a PKCS12 file of the certificate and key");
        }
        if (tlsKeystore != null) {
            // a browser only sends a Secure cookie back over HTTPS, which this now is
            secureCookies = true;
        }
        if (trustedHeader != null && trustedProxies.isEmpty()) {
            throw new IllegalArgumentException("--trusted-header is set but --trusted-proxies is empty: name the"
                    + " addresses of the proxies that set it, such as 10.0.0.5");
        }
    }

    /** The command line's defaults for a database and a users file: loopback, a free port, plain HTTP, no proxy. */
    public static BrowserConfig defaults(String jdbcUrl, String user, String password, Path usersFile, Path accessLog) {
        return builder()
                .database(jdbcUrl, user, password)
                .usersFile(usersFile)
                .accessLog(accessLog)
                .build();
    }

    /** Settings made one at a time from the defaults, checked once by {@link Builder#build()}. */
    public static Builder builder() {
        return new Builder();
    }

    public BrowserConfig withPort(int port) {
        Builder b = toBuilder();
        b.port = port;
        return b.build();
    }

    public BrowserConfig withStatementTimeout(Duration timeout) {
        Builder b = toBuilder();
        b.statementTimeout = timeout;
        return b.build();
    }

    public BrowserConfig withTrustedHeader(String header, java.util.Set<String> proxies) {
        Builder b = toBuilder();
        b.trustedHeader = header;
        b.trustedProxies = proxies;
        return b.build();
    }

    public BrowserConfig withTls(Path keystore, String keystorePassword) {
        Builder b = toBuilder();
        b.tlsKeystore = keystore;
        b.tlsPassword = keystorePassword;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.jdbcUrl = jdbcUrl;
        b.user = user;
        b.password = password;
        b.usersFile = usersFile;
        b.accessLog = accessLog;
        b.statementTimeout = statementTimeout;
        b.pageSize = pageSize;
        b.secureCookies = secureCookies;
        b.trustedHeader = trustedHeader;
        b.trustedProxies = trustedProxies;
        b.tlsKeystore = tlsKeystore;
        b.tlsPassword = tlsPassword;
        return b;
    }

    /** The settings being made; each starts at the command line's default. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private String jdbcUrl;
        private String user;
        private String password;
        private Path usersFile;
        private Path accessLog = Path.of("access.log");
        private Duration statementTimeout = Duration.ofSeconds(5);
        private int pageSize = 50;
        private boolean secureCookies;
        private String trustedHeader;
        private java.util.Set<String> trustedProxies = java.util.Set.of();
        private Path tlsKeystore;
        private String tlsPassword;

        private Builder() {}

        public Builder listen(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        public Builder database(String jdbcUrl, String user, String password) {
            this.jdbcUrl = jdbcUrl;
            this.user = user;
            this.password = password;
            return this;
        }

        public Builder usersFile(Path usersFile) {
            this.usersFile = usersFile;
            return this;
        }

        public Builder accessLog(Path accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        public Builder statementTimeout(Duration statementTimeout) {
            this.statementTimeout = statementTimeout;
            return this;
        }

        public Builder pageSize(int pageSize) {
            this.pageSize = pageSize;
            return this;
        }

        public Builder secureCookies(boolean secureCookies) {
            this.secureCookies = secureCookies;
            return this;
        }

        public Builder trustedHeader(String header, java.util.Set<String> proxies) {
            this.trustedHeader = header;
            this.trustedProxies = proxies;
            return this;
        }

        public Builder tls(Path keystore, String keystorePassword) {
            this.tlsKeystore = keystore;
            this.tlsPassword = keystorePassword;
            return this;
        }

        /** The settings, checked: a wrong one is an {@link IllegalArgumentException} naming it. */
        public BrowserConfig build() {
            return new BrowserConfig(
                    host,
                    port,
                    jdbcUrl,
                    user,
                    password,
                    usersFile,
                    accessLog,
                    statementTimeout,
                    pageSize,
                    secureCookies,
                    trustedHeader,
                    trustedProxies,
                    tlsKeystore,
                    tlsPassword);
        }
    }
}
