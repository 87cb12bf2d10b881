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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** Who may log in: a file of {@code name:bcrypt-hash} lines, as {@code htpasswd -B} writes them. */
public final class Users {
    private static final int COST = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Checked against when the name is unknown, so that a wrong name costs as long as a wrong password. */
    private static final String DUMMY = OpenBSDBCrypt.generate("2b", "dummy".toCharArray(), salt(), COST);

    private final Map<String, String> hashes;

    private Users(Map<String, String> hashes) {
        this.hashes = hashes;
    }

    /** Reads the file; a malformed line is an {@link IllegalArgumentException} naming the line, not its content. */
    public static Users load(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("--users-file " + file + " cannot be read: check the path and rights");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> hashes = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String hash = colon < 1 ? "" : line.substring(colon + 1);
            if (!hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                throw new IllegalArgumentException("--users-file " + file + " line " + (i + 1)
                        + " is not name:bcrypt-hash: make it with htpasswd -nB name or the hash-password command");
            }
            hashes.put(line.substring(0, colon), hash);
        }
        if (hashes.isEmpty()) {
            throw new IllegalArgumentException("--users-file " + file + " has no users: add a name:bcrypt-hash line");
        }
        return new Users(Map.copyOf(hashes));
    }

    /** Whether {@code password} is {@code name}'s; as slow for an unknown name as for a known one. */
    public boolean check(String name, String password) {
        if (name == null || password == null || password.length() > 72) {
            return false;
        }
        String hash = hashes.get(name);
        boolean matches = OpenBSDBCrypt.checkPassword(hash == null ? DUMMY : hash, password.toCharArray());
        return hash != null && matches;
    }

    /** A users-file line for {@code name} and {@code password}. */
    public static String line(String name, String password) {
        if (name.isEmpty() || name.contains(":") || name.strip().length() != name.length()) {
            throw new IllegalArgumentException("the name must not be empty, hold a colon or begin or end with a space");
        }
        return name + ":" + OpenBSDBCrypt.generate("2b", password.toCharArray(), salt(), COST);
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return salt;
    }
}
