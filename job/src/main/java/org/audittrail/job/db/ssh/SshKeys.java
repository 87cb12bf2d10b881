package org.audittrail.job.db.ssh;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;

/** Makes the ed25519 key pair of an SSH tunnel, as Bemi's dashboard does: the private key in OpenSSH's format, the public line for authorized_keys. */
public final class SshKeys {

    private SshKeys() {}

    /**
     * Writes a new ed25519 private key to {@code out} (readable by its owner alone; encrypted where {@code passphrase}
     * is given) and its public line to {@code out.pub}; returns that line. Refuses to overwrite either file.
     */
    public static String generate(Path out, String comment, String passphrase) throws IOException, GeneralSecurityException {
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
        String publicLine = PublicKeyEntry.toString(keys.getPublic()) + (comment == null || comment.isEmpty() ? "" : " " + comment);
        Path pub = out.resolveSibling(out.getFileName() + ".pub");
        if (Files.exists(pub)) {
            throw new FileAlreadyExistsException(pub.toString(), null, "exists already: not overwritten");
        }
        // created owner-only before the key is written, as OpenSSH's client refuses a key others may read
        try (OutputStream o = Files.newOutputStream(Files.createFile(out, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))), StandardOpenOption.WRITE)) {
            privateKey.writeTo(o);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(out.toString(), null, "exists already: not overwritten");
        }
        Files.writeString(pub, publicLine + "\n");
        return publicLine;
    }
}
