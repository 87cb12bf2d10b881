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
package org.audittrail.browser.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.audittrail.browser.query.Scope;

/** Logged-in sessions, in memory: a random token per login, its CSRF token, an idle expiry. */
public final class Sessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One login: who, what they may see, the token forms must echo, when it was last used. */
    public record Session(String user, Scope scope, String csrf, Instant lastUsed) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration idle;
    private final Clock clock;

    public Sessions(Duration idle, Clock clock) {
        this.idle = idle;
        this.clock = clock;
    }

    /** Starts a session for {@code user}; returns its token, the cookie's value. */
    public String open(String user, Scope scope) {
        String token = token();
        sessions.put(token, new Session(user, scope, token(), clock.instant()));
        return token;
    }

    /** The session of {@code token}, touched, or null where there is none or it has been idle too long. */
    public Session find(String token) {
        if (token == null) {
            return null;
        }
        Instant now = clock.instant();
        return sessions.computeIfPresent(
                token,
                (t, s) ->
                        s.lastUsed().plus(idle).isBefore(now) ? null : new Session(s.user(), s.scope(), s.csrf(), now));
    }

    public void close(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    private static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
