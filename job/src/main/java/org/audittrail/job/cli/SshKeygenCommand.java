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
package org.audittrail.job.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.audittrail.job.db.ssh.SshKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ssh-keygen}: a key pair for the SSH tunnel; prints the public line to append to the jump host's authorized_keys. */
@Command(
        name = "ssh-keygen",
        mixinStandardHelpOptions = true,
        description = "Writes a new ed25519 private key for the SSH tunnel (and <file>.pub), and prints the public line"
                + " to append to ~/.ssh/authorized_keys of the jump host's user.")
final class SshKeygenCommand implements Callable<Integer> {
    @Option(
            names = "--out",
            paramLabel = "<file>",
            required = true,
            description =
                    "Where the private key goes (then give it as --ssh-key-file / SSH_KEY_FILE); never overwritten.")
    Path out;

    @Option(
            names = "--comment",
            defaultValue = "audit-trail",
            description = "Comment of the public line (default audit-trail).")
    String comment;

    @Option(
            names = "--passphrase-file",
            paramLabel = "<file>",
            description =
                    "File holding a passphrase to encrypt the key with (then give it as --ssh-key-passphrase-file).")
    Path passphraseFile;

    @Override
    public Integer call() throws Exception {
        // as password files are read: without the trailing line break
        String passphrase =
                passphraseFile == null ? null : Files.readString(passphraseFile).replaceAll("[\r\n]+$", "");
        String publicLine = SshKeys.generate(out, comment, passphrase);
        System.err.println("Wrote the private key " + out + " and " + out
                + ".pub. Append this line to ~/.ssh/authorized_keys" + " of the jump host's user:");
        System.out.println(publicLine);
        return 0;
    }
}
