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
package org.audittrail.job.db;

import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import org.postgresql.plugin.AuthenticationPlugin;
import org.postgresql.plugin.AuthenticationRequestType;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * Hands the source password to pgjdbc out of band: Flink CDC logs its whole connector configuration, so that
 * configuration holds only a reference, which this plugin resolves in the JVM that connects.
 */
public final class SourcePassword implements AuthenticationPlugin {

    /** The pgjdbc property naming this plugin. */
    public static final String PLUGIN_PROPERTY = "authenticationPluginClassName";

    private static final String PREFIX = "audit-trail-password-ref:";
    private static final Map<String, String> PASSWORDS = new ConcurrentHashMap<>();

    private final String reference;

    /** Called by pgjdbc with the connection's properties, whose password is the reference. */
    public SourcePassword(Properties info) {
        this.reference = info.getProperty("password", "");
    }

    /** A new reference that stands for {@code password} in configurations that may be logged. */
    public static String newReference() {
        return PREFIX + UUID.randomUUID();
    }

    /** Makes {@code reference} resolve to {@code password} in this JVM. */
    public static void register(String reference, String password) {
        PASSWORDS.put(reference, password);
    }

    @Override
    public char[] getPassword(AuthenticationRequestType type) throws PSQLException {
        String password = PASSWORDS.get(reference);
        if (password == null) {
            throw new PSQLException(notHanded("source password"), PSQLState.CONNECTION_REJECTED);
        }
        return password.toCharArray();
    }

    private static String notHanded(String what) {
        return "The " + what + " was not handed to this JVM: pgjdbc and the job must be"
                + " loaded by the same class loader (keep pgjdbc out of Flink's lib/)";
    }

    /** pgjdbc's {@code sslpasswordcallback}: resolves the reference that stands for the client key's passphrase. */
    public static final class KeyPassword implements CallbackHandler {

        /** The pgjdbc property naming this callback. */
        public static final String CALLBACK_PROPERTY = "sslpasswordcallback";

        private final String reference;

        /** Called by pgjdbc with the connection's properties, whose {@code sslpassword} is the reference. */
        public KeyPassword(Properties info) {
            this.reference = info.getProperty("sslpassword", "");
        }

        @Override
        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback callback : callbacks) {
                if (!(callback instanceof PasswordCallback passwordCallback)) {
                    throw new UnsupportedCallbackException(callback);
                }
                String password = PASSWORDS.get(reference);
                if (password == null) {
                    // pgjdbc reports the handler's failure as "Could not read password for SSL key file"
                    throw new IllegalStateException(notHanded("source key passphrase"));
                }
                passwordCallback.setPassword(password.toCharArray());
            }
        }
    }
}
