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
package org.audittrail.job.db.ssh;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An SSH tunnel through a jump host: where the jump host is, who logs in with which private key, and how its host key
 * is checked. pgjdbc opens it through {@link TunnelSocketFactory}, named with these settings (never the key or its
 * passphrase) in the connection properties; each JVM opens its own SSH session on first use and again after it broke.
 *
 * <p>This class owns the settings and how they travel; {@link TunnelSessions} keeps the sessions and their forwards,
 * {@link JumpHostLogin} logs in, {@link HostKeyCheck} checks the host key and {@link SshKeys} reads the private key.
 */
public final class SshTunnel implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The key passphrases of this JVM, by reference: the connection properties that Flink CDC logs hold only the reference. */
    private static final Map<String, String> PASSPHRASES = new ConcurrentHashMap<>();

    private final String host;
    private final int port;
    private final String user;
    private final String keyFile;
    private final String knownHosts;
    private final String hostKeyFingerprint;
    private final String passphrase;
    private final String passphraseReference;

    /**
     * {@code knownHosts} and {@code hostKeyFingerprint} (OpenSSH's {@code SHA256:...}) may be null, and are not both
     * given; without either, {@link HostKeyCheck#DEFAULT_KNOWN_HOSTS} must know the jump host. {@code passphrase} may
     * be null.
     */
    public SshTunnel(
            String host,
            int port,
            String user,
            String keyFile,
            String knownHosts,
            String hostKeyFingerprint,
            String passphrase) {
        this(
                host,
                port,
                user,
                keyFile,
                knownHosts,
                hostKeyFingerprint,
                passphrase,
                blank(passphrase) ? null : "ssh-passphrase-ref:" + UUID.randomUUID());
    }

    private SshTunnel(
            String host,
            int port,
            String user,
            String keyFile,
            String knownHosts,
            String hostKeyFingerprint,
            String passphrase,
            String passphraseReference) {
        if (blank(host) || blank(user) || blank(keyFile)) {
            throw new IllegalArgumentException(
                    "An SSH tunnel needs the jump host (--ssh-host), its user (--ssh-user) and a"
                            + " private key file (--ssh-key-file)");
        }
        if (!blank(knownHosts) && !blank(hostKeyFingerprint)) {
            throw new IllegalArgumentException(
                    "--ssh-known-hosts and --ssh-host-key-fingerprint are both given: give one of them");
        }
        if (!blank(hostKeyFingerprint) && !hostKeyFingerprint.startsWith("SHA256:")) {
            throw new IllegalArgumentException("The host key fingerprint must be OpenSSH's SHA256:... form, as"
                    + " 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' prints it on the jump host");
        }
        this.host = host;
        this.port = port;
        this.user = user;
        this.keyFile = keyFile;
        this.knownHosts = blank(knownHosts) ? null : knownHosts;
        this.hostKeyFingerprint = blank(hostKeyFingerprint) ? null : hostKeyFingerprint;
        this.passphrase = blank(passphrase) ? null : passphrase;
        this.passphraseReference = passphraseReference;
        register();
    }

    private void register() {
        if (passphrase != null) {
            PASSPHRASES.put(passphraseReference, passphrase);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        // every JVM that connects (JobManager's enumerator, TaskManagers' readers) gets its copy of the source here
        register();
    }

    /** pgjdbc's connection properties that route a connection through this tunnel; no secret among them. */
    public Map<String, String> driverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(TunnelSocketFactory.FACTORY_PROPERTY, TunnelSocketFactory.class.getName());
        p.put(TunnelSocketFactory.ARG_PROPERTY, arg());
        return p;
    }

    /** These settings as one string, the passphrase by its reference; {@link #parse} reads it. */
    String arg() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("host", host);
        a.put("port", String.valueOf(port));
        a.put("user", user);
        a.put("key", keyFile);
        a.put("knownHosts", knownHosts);
        a.put("fingerprint", hostKeyFingerprint);
        a.put("passphrase", passphraseReference);
        StringBuilder s = new StringBuilder();
        a.forEach((name, value) -> {
            if (value != null) {
                s.append(s.length() == 0 ? "" : "&")
                        .append(name)
                        .append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        });
        return s.toString();
    }

    /** The settings {@link #arg()} wrote; the passphrase is the one its reference stands for in this JVM. */
    static SshTunnel parse(String arg) {
        Map<String, String> a = new HashMap<>();
        for (String pair : Objects.requireNonNullElse(arg, "").split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                a.put(pair.substring(0, equals), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        String reference = a.get("passphrase");
        String passphrase = reference == null ? null : PASSPHRASES.get(reference);
        if (reference != null && passphrase == null) {
            throw new IllegalStateException(
                    "The SSH key passphrase was not handed to this JVM: pgjdbc and the job must be"
                            + " loaded by the same class loader (keep pgjdbc out of Flink's lib/)");
        }
        return new SshTunnel(
                a.get("host"),
                Integer.parseInt(a.getOrDefault("port", "22")),
                a.get("user"),
                a.get("key"),
                a.get("knownHosts"),
                a.get("fingerprint"),
                passphrase,
                reference);
    }

    /**
     * The local end of this tunnel to {@code host:port} (as the jump host resolves it), opening it if needed, for one
     * connection; {@link TunnelSessions.Lease#close()} once that connection is closed.
     */
    TunnelSessions.Lease lease(String targetHost, int targetPort) throws IOException {
        return TunnelSessions.acquire(this, targetHost, targetPort);
    }

    /** Sets how long an unused session stays open, for sessions that become unused from now on; returns the previous value. */
    static Duration idleTimeout(Duration timeout) {
        return TunnelSessions.idleTimeout(timeout);
    }

    /** How a new session logs in to the jump host with these settings. */
    JumpHostLogin login() {
        HostKeyCheck hostKeyCheck = new HostKeyCheck(host, port, knownHosts, hostKeyFingerprint);
        return new JumpHostLogin(user, host, port, keyFile, passphrase, hostKeyCheck);
    }

    /** Who logs in where, as refusals name the jump host. */
    String jumpHost() {
        return user + "@" + host + ":" + port;
    }

    /** What a refused connection means, after pgjdbc's own message, where the tunnel refused it; empty otherwise. */
    public static String hint(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Refused) {
                return " (" + t.getMessage() + ")";
            }
        }
        return "";
    }

    @Override
    public String toString() {
        return "ssh " + user + "@" + host + ":" + port + " key " + keyFile;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SshTunnel t && arg().equals(t.arg());
    }

    @Override
    public int hashCode() {
        return arg().hashCode();
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    /** The tunnel could not be opened: the jump host is unreachable, refused the key, or showed another host key. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
