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

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * How a connection to PostgreSQL uses TLS, as libpq's {@code sslmode}, {@code sslrootcert}, {@code sslcert},
 * {@code sslkey} and {@code sslpassword} say it; the key's passphrase never leaves through {@link #toString()}.
 */
public final class Tls implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The modes of libpq and pgjdbc, weakest first. */
    public static final List<String> MODES =
            List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    /** libpq's default: TLS where the server offers it, without checking its certificate. */
    public static final Tls PREFER = new Tls("prefer", null, null, null, null);

    private final String mode;
    private final String rootCert;
    private final String cert;
    private final String key;
    private final String keyPassword;

    /** Files may be null (pgjdbc's defaults under ~/.postgresql then apply); {@code mode} must be one of {@link #MODES}. */
    public Tls(String mode, String rootCert, String cert, String key, String keyPassword) {
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException(
                    "Unknown sslmode '" + mode + "': use one of " + String.join(", ", MODES));
        }
        this.mode = mode;
        this.rootCert = blankToNull(rootCert);
        this.cert = blankToNull(cert);
        this.key = blankToNull(key);
        this.keyPassword = blankToNull(keyPassword);
    }

    public String mode() {
        return mode;
    }

    /** The key's passphrase, or null; never log it. */
    public String keyPassword() {
        return keyPassword;
    }

    /**
     * pgjdbc's connection properties for these settings, {@code keyPassword} standing for the passphrase (the passphrase
     * itself, or a reference that a {@link SourcePassword.KeyPassword} callback resolves); no passphrase property without one.
     */
    public Map<String, String> driverProperties(String keyPassword) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sslmode", mode);
        if (rootCert != null) {
            p.put("sslrootcert", rootCert);
        }
        if (cert != null) {
            p.put("sslcert", cert);
        }
        if (key != null) {
            p.put("sslkey", key);
        }
        if (this.keyPassword != null) {
            p.put("sslpassword", keyPassword);
        }
        return p;
    }

    /** Adds {@link #driverProperties(String)} with the passphrase itself to {@code properties}. */
    void addTo(Properties properties) {
        driverProperties(keyPassword).forEach(properties::setProperty);
    }

    /** What a refused handshake means, in words, after pgjdbc's own message; empty for other failures. */
    String hint(Throwable failure, String host) {
        String message = String.valueOf(failure.getMessage());
        if (message.contains("PKIX path building failed")) {
            return " (the server's certificate is not signed by a CA of sslrootcert "
                    + (rootCert == null ? "~/.postgresql/root.crt" : rootCert) + ")";
        }
        if (message.contains("could not be verified by hostnameverifier")) {
            return " (the server's certificate does not name host " + host + ": connect by a name it holds)";
        }
        // pgjdbc reports a PKCS-12 file it cannot open, a wrong passphrase among the causes, as a missing X.509 factory
        if (key != null
                && (message.contains("X.509 CertificateFactory not available") || message.contains("SSL key file"))) {
            return " (the client key sslkey " + key
                    + " could not be read: check its passphrase, and that it is PKCS-8 DER"
                    + " (.pk8) or PKCS-12 (.p12), as pgjdbc reads keys)";
        }
        return "";
    }

    @Override
    public String toString() {
        return "sslmode=" + mode + (rootCert == null ? "" : " sslrootcert=" + rootCert)
                + (cert == null ? "" : " sslcert=" + cert) + (key == null ? "" : " sslkey=" + key);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
