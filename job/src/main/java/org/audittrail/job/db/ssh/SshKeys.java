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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.audittrail.job.db.ssh.SshTunnel.Refused;

/**
 * The key files of an SSH tunnel: makes its ed25519 key pair, as Bemi's dashboard does (the private key in OpenSSH's
 * format, the public line for authorized_keys), and reads the private key back when the tunnel opens.
 */
public final class SshKeys {

    private SshKeys() {}

    /**
     * Writes a new ed25519 private key to {@code out} (readable by its owner alone; encrypted where {@code passphrase}
     * is given) and its public line to {@code out.pub}; returns that line. Refuses to overwrite either file.
     */
    public static String generate(Path out, String comment, String passphrase)
            throws IOException, GeneralSecurityException {
        KeyPair keys = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        OpenSSHKeyEncryptionContext encryption = null;
        if (passphrase != null && !passphrase.isEmpty()) {
            // OpenSSH's own choice for new keys: aes256-ctr, the key derived with bcrypt
            encryption = new OpenSSHKeyEncryptionContext();
            encryption.setCipherName("AES");
            encryption.setCipherType("256");
            encryption.setCipherMode("CTR");
            encryption.setPassword(passphrase);
        }
        ByteArrayOutputStream privateKey = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keys, comment, encryption, privateKey);
        String publicLine =
                PublicKeyEntry.toString(keys.getPublic()) + (comment == null || comment.isEmpty() ? "" : " " + comment);
        Path pub = out.resolveSibling(out.getFileName() + ".pub");
        if (Files.exists(pub)) {
            throw new FileAlreadyExistsException(pub.toString(), null, "exists already: not overwritten");
        }
        // created owner-only before the key is written, as OpenSSH's client refuses a key others may read
        try (OutputStream o = Files.newOutputStream(
                Files.createFile(
                        out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                StandardOpenOption.WRITE)) {
            privateKey.writeTo(o);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(out.toString(), null, "exists already: not overwritten");
        }
        Files.writeString(pub, publicLine + "\n");
        return publicLine;
    }

    /** The private key of {@code keyFile}, decrypted with {@code passphrase} (may be null) where it is encrypted. */
    static KeyPair load(String keyFile, String passphrase) throws Refused {
        try (InputStream in = Files.newInputStream(Path.of(keyFile))) {
            FilePasswordProvider passwords =
                    passphrase == null ? FilePasswordProvider.EMPTY : FilePasswordProvider.of(passphrase);
            Iterable<KeyPair> keys =
                    SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(keyFile), in, passwords);
            Iterator<KeyPair> it = keys == null ? null : keys.iterator();
            if (it == null || !it.hasNext()) {
                throw new Refused(
                        "The SSH key file " + keyFile + " holds no private key"
                                + (passphrase == null
                                        ? " that opens without a passphrase: give it with --ssh-key-passphrase-file"
                                        : ""),
                        null);
            }
            return it.next();
        } catch (Refused e) {
            throw e;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // the parser's message names the file and the failure, never the key's bytes
            throw new Refused(
                    "Cannot read the SSH private key " + keyFile + " ("
                            + e.getClass().getSimpleName() + ")"
                            + (passphrase == null
                                    ? ": if it is encrypted, give its passphrase with --ssh-key-passphrase-file"
                                    : ": check its passphrase"),
                    null);
        }
    }
}
