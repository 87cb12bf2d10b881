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
        return new BrowserConfig(
                "127.0.0.1",
                0,
                jdbcUrl,
                user,
                password,
                usersFile,
                accessLog,
                Duration.ofSeconds(5),
                50,
                false,
                null,
                java.util.Set.of(),
                null,
                null);
    }

    public BrowserConfig withPort(int port) {
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

    public BrowserConfig withStatementTimeout(Duration timeout) {
        return new BrowserConfig(
                host,
                port,
                jdbcUrl,
                user,
                password,
                usersFile,
                accessLog,
                timeout,
                pageSize,
                secureCookies,
                trustedHeader,
                trustedProxies,
                tlsKeystore,
                tlsPassword);
    }

    public BrowserConfig withTrustedHeader(String header, java.util.Set<String> proxies) {
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
                header,
                proxies,
                tlsKeystore,
                tlsPassword);
    }

    public BrowserConfig withTls(Path keystore, String keystorePassword) {
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
                keystore,
                keystorePassword);
    }
}
