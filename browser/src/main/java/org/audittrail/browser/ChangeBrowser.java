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
package org.audittrail.browser;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.audittrail.browser.auth.LoginThrottle;
import org.audittrail.browser.auth.Sessions;
import org.audittrail.browser.auth.Users;
import org.audittrail.browser.config.BrowserConfig;
import org.audittrail.browser.query.ChangeStore;
import org.audittrail.browser.web.AccessLog;
import org.audittrail.browser.web.Guard;
import org.audittrail.browser.web.Pages;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** The change browser: a read-only pool on the destination, the login guard in front of the pages, one web server. */
public final class ChangeBrowser implements AutoCloseable {
    private final HikariDataSource pool;
    private final AccessLog accessLog;
    private final Javalin server;

    private ChangeBrowser(HikariDataSource pool, AccessLog accessLog, Javalin server) {
        this.pool = pool;
        this.accessLog = accessLog;
        this.server = server;
    }

    /** Starts serving; a wrong setting or an unreadable users file fails here, before anything listens. */
    public static ChangeBrowser start(BrowserConfig config) throws IOException {
        Users users = Users.load(config.usersFile());
        AccessLog accessLog = new AccessLog(config.accessLog());
        HikariDataSource pool = pool(config);
        Guard guard = new Guard(
                users,
                new Sessions(Duration.ofMinutes(30), Clock.systemUTC()),
                new LoginThrottle(5, Duration.ofMinutes(15), Clock.systemUTC()),
                accessLog,
                config.secureCookies(),
                config.trustedHeader(),
                config.trustedProxies());
        Pages pages = new Pages(new ChangeStore(pool), config.pageSize());
        Javalin server = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            if (config.tlsKeystore() != null) {
                c.jetty.modifyServer(jetty -> jetty.setConnectors(new Connector[] {https(jetty, config)}));
            }
            guard.install(c.routes);
            pages.install(c.routes);
        });
        try {
            server.start();
        } catch (RuntimeException e) {
            pool.close();
            accessLog.close();
            throw new IllegalArgumentException(
                    "cannot listen on " + config.host() + ":" + config.port() + ": is the port taken? (--port)", e);
        }
        return new ChangeBrowser(pool, accessLog, server);
    }

    /** The one connector when serving HTTPS: TLS from the keystore, then HTTP/1.1. */
    private static ServerConnector https(Server server, BrowserConfig config) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(config.tlsKeystore().toString());
        tls.setKeyStoreType("PKCS12");
        if (config.tlsPassword() != null) {
            tls.setKeyStorePassword(config.tlsPassword());
        }
        HttpConfiguration http = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // reached by address (127.0.0.1) as often as by name: the certificate's names are the client's to check
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ServerConnector connector =
                new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        return connector;
    }

    /** A small pool of read-only connections; every statement has the timeout, every transaction is read only. */
    private static HikariDataSource pool(BrowserConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("browser");
        hikari.setJdbcUrl(config.jdbcUrl());
        hikari.setUsername(config.user());
        if (config.password() != null) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(8);
        hikari.setMinimumIdle(1);
        hikari.setReadOnly(true);
        // a destination that is down is a page saying so within the statement timeout, not a 30 s wait
        hikari.setConnectionTimeout(Math.max(250, config.statementTimeout().toMillis()));
        // the server enforces them, whatever a query does
        hikari.addDataSourceProperty(
                "options", ChangeStore.sessionOptions(config.statementTimeout().toMillis()));
        hikari.addDataSourceProperty("ApplicationName", "audit-trail-browser");
        // a named server statement from the first use, so that a plan made once is kept (ChangeStore.runPlannedOnce)
        hikari.addDataSourceProperty("prepareThreshold", "1");
        // start without the database: pages say it is down, the server stays up
        hikari.setInitializationFailTimeout(-1);
        return new HikariDataSource(hikari);
    }

    /** The port it listens on. */
    public int port() {
        return server.port();
    }

    @Override
    public void close() throws IOException {
        server.stop();
        pool.close();
        accessLog.close();
    }
}
