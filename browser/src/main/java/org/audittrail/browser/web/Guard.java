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
package org.audittrail.browser.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.audittrail.browser.auth.LoginThrottle;
import org.audittrail.browser.auth.Sessions;
import org.audittrail.browser.auth.Users;

/**
 * In front of every page: strict security headers, the login, CSRF tokens on every form that changes state, the access
 * log. Nothing but the login page and the style sheet is served without a session.
 */
public final class Guard {
    static final String USER = "user";
    static final String CSRF = "csrf";
    static final String SCOPE = "scope";
    static final String SESSION_COOKIE = "audit_session";
    static final String LOGIN_COOKIE = "audit_login";

    /** No inline script or style, nothing from elsewhere, no framing, forms only to this server. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Users users;
    private final Sessions sessions;
    private final LoginThrottle throttle;
    private final AccessLog accessLog;
    private final boolean secureCookies;
    private final String trustedHeader;
    private final java.util.Set<String> trustedProxies;

    public Guard(
            Users users,
            Sessions sessions,
            LoginThrottle throttle,
            AccessLog accessLog,
            boolean secureCookies,
            String trustedHeader,
            java.util.Set<String> trustedProxies) {
        this.users = users;
        this.sessions = sessions;
        this.throttle = throttle;
        this.accessLog = accessLog;
        this.secureCookies = secureCookies;
        this.trustedHeader = trustedHeader;
        this.trustedProxies = trustedProxies;
    }

    public void install(RoutesConfig routes) {
        routes.before(this::headersAndLogin);
        routes.after(this::log);
        routes.get("/login", this::loginPage);
        routes.post("/login", this::login);
        routes.post("/logout", this::logout);
    }

    private void headersAndLogin(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
        if (ctx.path().equals("/login") || ctx.path().startsWith("/static/")) {
            return;
        }
        if (ctx.path().equals("/favicon.ico")) {
            ctx.status(HttpStatus.NOT_FOUND);
            ctx.skipRemainingHandlers();
            return;
        }
        String proxied = proxiedUser(ctx);
        if (proxied != null) {
            // the proxy logged them in; forms that change state need a session, so there are none
            ctx.attribute(USER, proxied);
            ctx.attribute(SCOPE, users.scope(proxied));
            if (!ctx.method().name().equals("GET")) {
                ctx.status(HttpStatus.FORBIDDEN).result("Signed in by the proxy: nothing to post here.");
                log(ctx);
                ctx.skipRemainingHandlers();
            }
            return;
        }
        Sessions.Session session = sessions.find(ctx.cookie(SESSION_COOKIE));
        if (session == null) {
            if (ctx.method().name().equals("GET")) {
                ctx.redirect("/login", HttpStatus.SEE_OTHER);
            } else {
                ctx.status(HttpStatus.FORBIDDEN).result("Log in first.");
            }
            log(ctx);
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(USER, session.user());
        ctx.attribute(SCOPE, session.scope());
        ctx.attribute(CSRF, session.csrf());
        if (!ctx.method().name().equals("GET") && !same(ctx.formParam("csrf"), session.csrf())) {
            ctx.status(HttpStatus.FORBIDDEN).result("This form has expired: reload the page and try again.");
            log(ctx);
            ctx.skipRemainingHandlers();
        }
    }

    /** The user a trusted proxy names, or null: only from a configured address, only a plain short name. */
    private String proxiedUser(Context ctx) {
        if (trustedHeader == null || !trustedProxies.contains(ctx.req().getRemoteAddr())) {
            return null;
        }
        String name = ctx.header(trustedHeader);
        if (name == null
                || name.isBlank()
                || name.length() > 200
                || name.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        return name.strip();
    }

    /** One access-log line: who (or -), from where, what with which filter, and the answer. */
    private void log(Context ctx) {
        if (!ctx.path().startsWith("/static/")) {
            String query = ctx.queryString();
            accessLog.write(
                    ctx.attribute(USER),
                    ctx.ip(),
                    ctx.method().name(),
                    ctx.path() + (query == null ? "" : "?" + query),
                    ctx.statusCode());
        }
    }

    private void loginPage(Context ctx) {
        // a second tab, or the browser's own favicon request sent here, keeps the token the open form holds
        String given = ctx.cookie(LOGIN_COOKIE);
        String token = given != null && given.matches("[A-Za-z0-9_-]{43}") ? given : token();
        cookie(ctx, LOGIN_COOKIE, token, 600);
        ctx.attribute(CSRF, token);
        Views.render(ctx, "login.jte", Map.of("message", ""));
    }

    private void login(Context ctx) {
        String address = ctx.ip();
        String expected = ctx.cookie(LOGIN_COOKIE);
        if (expected == null || !same(ctx.formParam("csrf"), expected)) {
            retry(ctx, HttpStatus.FORBIDDEN, "The login form expired: try again.");
            return;
        }
        if (!throttle.allows(address)) {
            retry(ctx, HttpStatus.TOO_MANY_REQUESTS, "Too many failed logins from here: wait 15 minutes.");
            return;
        }
        String name = ctx.formParam("name");
        if (!users.check(name, ctx.formParam("password"))) {
            throttle.failed(address);
            ctx.attribute(USER, null);
            retry(ctx, HttpStatus.UNAUTHORIZED, "Wrong name or password.");
            return;
        }
        throttle.succeeded(address);
        sessions.close(ctx.cookie(SESSION_COOKIE));
        cookie(ctx, SESSION_COOKIE, sessions.open(name, users.scope(name)), -1);
        cookie(ctx, LOGIN_COOKIE, "", 0);
        ctx.attribute(USER, name);
        ctx.redirect("/", HttpStatus.SEE_OTHER);
    }

    private void retry(Context ctx, HttpStatus status, String message) {
        String token = token();
        cookie(ctx, LOGIN_COOKIE, token, 600);
        ctx.attribute(CSRF, token);
        ctx.status(status);
        Views.render(ctx, "login.jte", Map.of("message", message));
    }

    private void logout(Context ctx) {
        sessions.close(ctx.cookie(SESSION_COOKIE));
        cookie(ctx, SESSION_COOKIE, "", 0);
        ctx.redirect("/login", HttpStatus.SEE_OTHER);
    }

    /** HttpOnly, SameSite=Strict, path /, Secure when served over TLS; maxAge -1 for the browser's session. */
    private void cookie(Context ctx, String name, String value, int maxAge) {
        ctx.res()
                .addHeader(
                        "Set-Cookie",
                        name + "=" + value + "; Path=/; HttpOnly; SameSite=Strict"
                                + (maxAge >= 0 ? "; Max-Age=" + maxAge : "") + (secureCookies ? "; Secure" : ""));
    }

    private static boolean same(String given, String expected) {
        return given != null
                && MessageDigest.isEqual(
                        given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
