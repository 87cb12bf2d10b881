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
import java.net.SocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.AbstractClientSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/** Which host key the jump host may present: the one a SHA256 fingerprint names, or a known_hosts file holds. */
final class HostKeyCheck {

    /** The known_hosts file read when neither a file nor a fingerprint is given, as OpenSSH's client reads it. */
    static final Path DEFAULT_KNOWN_HOSTS = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");

    /** The host key check of one connection attempt, which the client's verifier hands each key to. */
    static final AttributeRepository.AttributeKey<ServerKeyVerifier> VERIFIER =
            new AttributeRepository.AttributeKey<>();

    private final String host;
    private final int port;
    private final String knownHosts;
    private final String hostKeyFingerprint;

    /** {@code knownHosts} and {@code hostKeyFingerprint} may be null; a fingerprint, where given, is the only check. */
    HostKeyCheck(String host, int port, String knownHosts, String hostKeyFingerprint) {
        this.host = host;
        this.port = port;
        this.knownHosts = knownHosts;
        this.hostKeyFingerprint = hostKeyFingerprint;
    }

    /** The client's verifier: one client serves every tunnel, so each key goes to the check its connection carries. */
    static boolean byConnection(ClientSession session, SocketAddress address, PublicKey key) {
        ServerKeyVerifier verifier =
                ((AbstractClientSession) session).getConnectionContext().getAttribute(VERIFIER);
        return verifier != null && verifier.verifyServerKey(session, address, key);
    }

    /** Accepts the host key that the fingerprint or the known_hosts file names, and no other; says why in {@code refusal}. */
    ServerKeyVerifier verifier(AtomicReference<String> refusal) {
        return (session, address, serverKey) -> {
            String where = "The SSH jump host " + host + ":" + port + " presented the host key "
                    + KeyUtils.getFingerPrint(serverKey);
            if (hostKeyFingerprint != null) {
                if (hostKeyFingerprint.equals(KeyUtils.getFingerPrint(serverKey))) {
                    return true;
                }
                refusal.set(where + ", not " + hostKeyFingerprint
                        + " as --ssh-host-key-fingerprint says: refused, as it may"
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
                refusal.set(where + ", and the known_hosts file " + file + " cannot be read ("
                        + e.getClass().getSimpleName() + "): refused.");
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
            refusal.set(
                    known
                            ? where + ", which is not the key the known_hosts file " + file
                                    + " holds for it: refused, as it may be"
                                    + " another host posing as it. If the jump host's key was changed, replace its line in "
                                    + file + "."
                            : where + ", and the known_hosts file " + file
                                    + " does not know this host: refused. Check the"
                                    + " fingerprint on the jump host, then add its line ('ssh-keyscan -p " + port + " "
                                    + host + " >> "
                                    + file + "'), or give --ssh-host-key-fingerprint.");
            return false;
        };
    }
}
