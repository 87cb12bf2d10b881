package org.audittrail.job.db.ssh;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.AbstractClientSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An SSH tunnel through a jump host: where the jump host is, who logs in with which private key, and how its host key
 * is checked. pgjdbc opens it through {@link TunnelSocketFactory}, named with these settings (never the key or its
 * passphrase) in the connection properties; each JVM opens its own SSH session on first use and again after it broke.
 */
public final class SshTunnel implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The known_hosts file read when neither a file nor a fingerprint is given, as OpenSSH's client reads it. */
    static final Path DEFAULT_KNOWN_HOSTS = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

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
     * given; without either, {@link #DEFAULT_KNOWN_HOSTS} must know the jump host. {@code passphrase} may be null.
     */
    public SshTunnel(String host, int port, String user, String keyFile, String knownHosts, String hostKeyFingerprint,
                     String passphrase) {
        this(host, port, user, keyFile, knownHosts, hostKeyFingerprint, passphrase, blank(passphrase) ? null : "ssh-passphrase-ref:" + UUID.randomUUID());
    }

    private SshTunnel(String host, int port, String user, String keyFile, String knownHosts, String hostKeyFingerprint,
                      String passphrase, String passphraseReference) {
        if (blank(host) || blank(user) || blank(keyFile)) {
            throw new IllegalArgumentException("An SSH tunnel needs the jump host (--ssh-host), its user (--ssh-user) and a"
                    + " private key file (--ssh-key-file)");
        }
        if (!blank(knownHosts) && !blank(hostKeyFingerprint)) {
            throw new IllegalArgumentException("--ssh-known-hosts and --ssh-host-key-fingerprint are both given: give one of them");
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
                s.append(s.length() == 0 ? "" : "&").append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
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
            throw new IllegalStateException("The SSH key passphrase was not handed to this JVM: pgjdbc and the job must be"
                    + " loaded by the same class loader (keep pgjdbc out of Flink's lib/)");
        }
        return new SshTunnel(a.get("host"), Integer.parseInt(a.getOrDefault("port", "22")), a.get("user"), a.get("key"),
                a.get("knownHosts"), a.get("fingerprint"), passphrase, reference);
    }

    /**
     * The local end of this tunnel to {@code host:port} (as the jump host resolves it), opening it if needed, for one
     * connection; {@link Lease#close()} once that connection is closed.
     */
    Lease lease(String targetHost, int targetPort) throws IOException {
        return Sessions.acquire(this, targetHost, targetPort);
    }

    /** Sets how long an unused session stays open, for sessions that become unused from now on; returns the previous value. */
    static Duration idleTimeout(Duration timeout) {
        synchronized (Sessions.class) {
            Duration previous = Sessions.idle;
            Sessions.idle = timeout;
            return previous;
        }
    }

    /** One connection's use of a session's port forward: a session no connection uses for a minute is closed. */
    static final class Lease implements AutoCloseable {
        private final String key;
        private final Sessions.Forward forward;
        private boolean closed;

        private Lease(String key, Sessions.Forward forward) {
            this.key = key;
            this.forward = forward;
        }

        /** Where the forward listens, on loopback. */
        InetSocketAddress local() {
            return forward.local;
        }

        @Override
        public void close() {
            synchronized (Sessions.class) {
                if (!closed) {
                    closed = true;
                    Sessions.release(key, forward);
                }
            }
        }
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

    /** The innermost failure, as one short phrase: MINA wraps a refused connection in its future's description. */
    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
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

    /**
     * The SSH sessions of this JVM, one per tunnel and target, each with its local port forward; reopened once closed,
     * closed once unused for a minute, and the client's threads stopped with the last one, so a cancelled job's
     * class loader is not held.
     */
    private static final class Sessions {
        private static Duration idle = Duration.ofMinutes(1);
        private static java.util.concurrent.ScheduledExecutorService timer;

        /** The host key check of one connection attempt, which the client's verifier hands each key to. */
        static final AttributeRepository.AttributeKey<ServerKeyVerifier> VERIFIER = new AttributeRepository.AttributeKey<>();

        private static SshClient client;
        private static final Map<String, Forward> FORWARDS = new HashMap<>();

        /** A session and its forward; {@code connections} counts the leases not yet closed. */
        static final class Forward {
            final ClientSession session;
            final InetSocketAddress local;
            int connections;
            java.util.concurrent.ScheduledFuture<?> closing;

            Forward(ClientSession session, InetSocketAddress local) {
                this.session = session;
                this.local = local;
            }
        }

        static synchronized Lease acquire(SshTunnel tunnel, String targetHost, int targetPort) throws IOException {
            String key = tunnel.arg() + "|" + targetHost + ":" + targetPort;
            Forward forward = FORWARDS.get(key);
            if (forward == null || !forward.session.isOpen() || forward.session.isClosing()) {
                if (forward != null) {
                    // the jump host went away, or the network between: a new session, a new local port
                    forward.session.close(true);
                    FORWARDS.remove(key);
                }
                forward = open(tunnel, targetHost, targetPort);
                FORWARDS.put(key, forward);
            }
            forward.connections++;
            if (forward.closing != null) {
                forward.closing.cancel(false);
                forward.closing = null;
            }
            return new Lease(key, forward);
        }

        static synchronized void release(String key, Forward forward) {
            forward.connections--;
            if (forward.connections == 0 && FORWARDS.get(key) == forward) {
                forward.closing = timer().schedule(() -> closeIdle(key, forward), idle.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }

        private static synchronized void closeIdle(String key, Forward forward) {
            if (forward.connections > 0 || FORWARDS.get(key) != forward) {
                return;
            }
            FORWARDS.remove(key);
            forward.session.close(true);
            if (FORWARDS.isEmpty()) {
                try {
                    client.stop();
                } catch (RuntimeException e) {
                    // stopping is best effort: the sessions are closed already
                }
                client = null;
                timer.shutdown();
                timer = null;
            }
        }

        private static java.util.concurrent.ScheduledExecutorService timer() {
            if (timer == null) {
                timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread thread = new Thread(r, "audit-trail-ssh-tunnel-idle");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            return timer;
        }

        private static Forward open(SshTunnel tunnel, String targetHost, int targetPort) throws IOException {
            Forward forward;
            ClientSession session = tunnel.open();
            try {
                SshdSocketAddress local = session.startLocalPortForwarding(new SshdSocketAddress("127.0.0.1", 0),
                        new SshdSocketAddress(targetHost, targetPort));
                forward = new Forward(session, new InetSocketAddress("127.0.0.1", local.getPort()));
            } catch (IOException | RuntimeException e) {
                session.close(true);
                throw new Refused("The SSH jump host " + tunnel.user + "@" + tunnel.host + ":" + tunnel.port
                        + " refused to forward to " + targetHost + ":" + targetPort + ": " + e.getMessage(), e);
            }
            return forward;
        }

        static synchronized SshClient client() {
            if (client == null) {
                SshClient c = SshClient.setUpDefaultClient();
                // only the settings given: no ~/.ssh/config, no default identities, no password prompts
                c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
                c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
                c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
                c.setServerKeyVerifier((session, address, key) -> {
                    ServerKeyVerifier verifier = ((AbstractClientSession) session).getConnectionContext().getAttribute(VERIFIER);
                    return verifier != null && verifier.verifyServerKey(session, address, key);
                });
                // a quiet WAL stream must not look idle; a jump host gone silent is noticed within a minute
                CoreModuleProperties.IDLE_TIMEOUT.set(c, Duration.ZERO);
                CoreModuleProperties.HEARTBEAT_INTERVAL.set(c, Duration.ofSeconds(15));
                CoreModuleProperties.HEARTBEAT_REPLY_WAIT.set(c, Duration.ofSeconds(15));
                CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(c, 4);
                c.start();
                client = c;
            }
            return client;
        }
    }

    /** A new authenticated session to the jump host, its host key checked; refusals say why, never a secret. */
    private ClientSession open() throws IOException {
        String where = user + "@" + host + ":" + port;
        KeyPair key = loadKey();
        AtomicReference<String> hostKeyRefusal = new AtomicReference<>();
        ClientSession session;
        try {
            // the key exchange may start before connect returns: the verifier travels with the connection's context
            session = Sessions.client().connect(user, host, port,
                    AttributeRepository.ofKeyValuePair(Sessions.VERIFIER, verifier(hostKeyRefusal))).verify(TIMEOUT).getSession();
        } catch (IOException e) {
            throw new Refused("Cannot reach the SSH jump host " + where + ": " + rootCause(e), e);
        }
        try {
            session.addPublicKeyIdentity(key);
            session.auth().verify(TIMEOUT);
            return session;
        } catch (IOException | RuntimeException e) {
            session.close(true);
            if (hostKeyRefusal.get() != null) {
                throw new Refused(hostKeyRefusal.get(), e);
            }
            if (!String.valueOf(e.getMessage()).contains("No more authentication methods")) {
                // the connection broke or timed out during the handshake: the key was not refused
                throw new Refused("The SSH session with the jump host " + where + " failed before login: " + rootCause(e), e);
            }
            throw new Refused("The SSH jump host " + where + " refused the key " + keyFile + " (" + KeyUtils.getFingerPrint(key.getPublic())
                    + "): append its public line (audit-trail ssh-keygen printed it; 'ssh-keygen -y -f " + keyFile + "' prints"
                    + " it again) to ~" + user + "/.ssh/authorized_keys on the jump host. It said: " + e.getMessage(), e);
        }
    }

    /** Accepts the host key that the fingerprint or the known_hosts file names, and no other; says why in {@code refusal}. */
    private ServerKeyVerifier verifier(AtomicReference<String> refusal) {
        return (session, address, serverKey) -> {
            String where = "The SSH jump host " + host + ":" + port + " presented the host key " + KeyUtils.getFingerPrint(serverKey);
            if (hostKeyFingerprint != null) {
                if (hostKeyFingerprint.equals(KeyUtils.getFingerPrint(serverKey))) {
                    return true;
                }
                refusal.set(where + ", not " + hostKeyFingerprint + " as --ssh-host-key-fingerprint says: refused, as it may"
                        + " be another host posing as it. Check the key on the jump host ('ssh-keygen -lf"
                        + " /etc/ssh/ssh_host_ed25519_key.pub').");
                return false;
            }
            Path file = knownHosts == null ? DEFAULT_KNOWN_HOSTS : Path.of(knownHosts);
            List<KnownHostEntry> entries;
            try {
                entries = KnownHostEntry.readKnownHostEntries(file);
            } catch (NoSuchFileException e) {
                entries = List.of();
            } catch (IOException | RuntimeException e) {
                refusal.set(where + ", and the known_hosts file " + file + " cannot be read (" + e.getClass().getSimpleName()
                        + "): refused.");
                return false;
            }
            boolean known = false;
            for (KnownHostEntry entry : entries) {
                if (!entry.isHostMatch(host, port)) {
                    continue;
                }
                known = true;
                PublicKey listed;
                try {
                    listed = entry.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
                } catch (IOException | java.security.GeneralSecurityException e) {
                    continue;
                }
                if (listed != null && entry.getMarker() == null && KeyUtils.compareKeys(listed, serverKey)) {
                    return true;
                }
            }
            refusal.set(known
                    ? where + ", which is not the key the known_hosts file " + file + " holds for it: refused, as it may be"
                    + " another host posing as it. If the jump host's key was changed, replace its line in " + file + "."
                    : where + ", and the known_hosts file " + file + " does not know this host: refused. Check the"
                    + " fingerprint on the jump host, then add its line ('ssh-keyscan -p " + port + " " + host + " >> "
                    + file + "'), or give --ssh-host-key-fingerprint.");
            return false;
        };
    }

    /** The private key of {@link #keyFile}, decrypted with the passphrase where it is encrypted. */
    private KeyPair loadKey() throws Refused {
        try (InputStream in = Files.newInputStream(Path.of(keyFile))) {
            FilePasswordProvider passwords = passphrase == null ? FilePasswordProvider.EMPTY : FilePasswordProvider.of(passphrase);
            Iterable<KeyPair> keys = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(keyFile), in, passwords);
            Iterator<KeyPair> it = keys == null ? null : keys.iterator();
            if (it == null || !it.hasNext()) {
                throw new Refused("The SSH key file " + keyFile + " holds no private key"
                        + (passphrase == null ? " that opens without a passphrase: give it with --ssh-key-passphrase-file" : ""), null);
            }
            return it.next();
        } catch (Refused e) {
            throw e;
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            // the parser's message names the file and the failure, never the key's bytes
            throw new Refused("Cannot read the SSH private key " + keyFile + " (" + e.getClass().getSimpleName() + ")"
                    + (passphrase == null ? ": if it is encrypted, give its passphrase with --ssh-key-passphrase-file"
                    : ": check its passphrase"), null);
        }
    }
}
