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
package org.audittrail.job.chain;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Where the keys that sign each S3 request of {@link HeadBucket} come from. */
public interface S3Credentials extends Serializable {

    /** The keys to sign the next request with; an IOException says what is wrong with their source. */
    Keys current() throws IOException;

    /** An access key pair, and the session token of temporary credentials (null for a long-term pair). */
    public record Keys(String accessKey, String secretKey, String sessionToken) implements S3Credentials {
        @Override
        public Keys current() {
            return this;
        }

        /** Never the secrets. */
        @Override
        public String toString() {
            return "access key " + accessKey;
        }
    }

    /**
     * A profile of an AWS credentials file, read again before each request: a helper that renews temporary
     * credentials in it (they expire within hours) keeps a long-running job signing.
     */
    public record File(String file, String profile) implements S3Credentials {
        @Override
        public Keys current() throws IOException {
            Map<String, String> found = new TreeMap<>();
            String section = null;
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(file));
            } catch (IOException e) {
                throw new IOException(file + " cannot be read (" + e.getClass().getSimpleName() + ")");
            }
            for (String line : lines) {
                String text = line.strip();
                if (text.startsWith("[") && text.endsWith("]")) {
                    section = text.substring(1, text.length() - 1).strip();
                } else if (profile.equals(section) && text.contains("=") && !text.startsWith("#")) {
                    int eq = text.indexOf('=');
                    found.put(
                            text.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT),
                            text.substring(eq + 1).strip());
                }
            }
            String access = found.get("aws_access_key_id");
            String secret = found.get("aws_secret_access_key");
            if (access == null || secret == null || access.isEmpty() || secret.isEmpty()) {
                throw new IOException(
                        file + " has no aws_access_key_id and aws_secret_access_key under [" + profile + "]");
            }
            String token = found.get("aws_session_token");
            return new Keys(access, secret, token == null || token.isEmpty() ? null : token);
        }
    }
}
