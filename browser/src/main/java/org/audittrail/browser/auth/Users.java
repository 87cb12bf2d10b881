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
import org.audittrail.browser.query.Scope;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Who may log in: a file of {@code name:bcrypt-hash} lines, as {@code htpasswd -B} writes them, each optionally followed
 * by {@code :tables=orders,public.item*;mask=email} to narrow what that user sees.
 */
public final class Users {
    private static final int COST = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Checked against when the name is unknown, so that a wrong name costs as long as a wrong password. */
    private static final String DUMMY = OpenBSDBCrypt.generate("2b", "dummy".toCharArray(), salt(), COST);

    private final Map<String, String> hashes;
    private final Map<String, Scope> scopes;

    private Users(Map<String, String> hashes, Map<String, Scope> scopes) {
        this.hashes = hashes;
        this.scopes = scopes;
    }

    /** Reads the file; a malformed line is an {@link IllegalArgumentException} naming the line, not its content. */
    public static Users load(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("--users-file " + file + " cannot be read: check the path and rights");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> hashes = new HashMap<>();
        Map<String, Scope> scopes = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            // name:hash, then optionally :tables=...;mask=... (a bcrypt hash holds no colon)
            String[] fields = line.split(":", 3);
            int colon = fields.length < 2 || fields[0].isEmpty() ? -1 : fields[0].length();
            String hash = colon < 1 ? "" : fields[1];
            if (!hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                throw new IllegalArgumentException("--users-file " + file + " line " + (i + 1)
                        + " is not name:bcrypt-hash: make it with htpasswd -nB name or the hash-password command");
            }
            hashes.put(fields[0], hash);
            try {
                scopes.put(fields[0], fields.length == 3 ? Scope.parse(fields[2]) : Scope.ALL);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--users-file " + file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        if (hashes.isEmpty()) {
            throw new IllegalArgumentException("--users-file " + file + " has no users: add a name:bcrypt-hash line");
        }
        return new Users(Map.copyOf(hashes), Map.copyOf(scopes));
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

    /** What {@code name} may see: their tables and masks; everything when the file names none. */
    public Scope scope(String name) {
        return scopes.getOrDefault(name, Scope.ALL);
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
