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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An S3 path for signed chain heads ({@code s3://bucket/prefix}): the same files as in the heads directory, as objects
 * {@code <prefix>/<database>/head-<sequence>.json}, on AWS (virtual-hosted) or an S3-compatible server given by its
 * endpoint (path-style). Three requests, each signed with AWS Signature Version 4 over the JDK's HTTP client: PUT,
 * GET and ListObjectsV2. Not the AWS SDK: its S3 client alone would grow the job's jar by 7 MB, past its bound.
 */
public record HeadBucket(String bucket, String prefix, String endpoint, String region, S3Credentials credentials)
        implements Serializable {

    private static final Pattern URL = Pattern.compile("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/(.*))?");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** The bucket of {@code url}; an exception says what is wrong with it. */
    public static HeadBucket of(String url, String endpoint, String region, S3Credentials credentials) {
        Matcher m = URL.matcher(url.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("is not an S3 path: use s3://bucket or s3://bucket/prefix");
        }
        String prefix = m.group(3) == null ? "" : m.group(3).replaceAll("^/+|/+$", "");
        return new HeadBucket(
                m.group(1), prefix, endpoint == null ? null : endpoint.replaceAll("/+$", ""), region, credentials);
    }

    /** Writes {@code text} as {@code <prefix>/<database>/<file>}: one PUT, whole or not at all. */
    public void put(String database, String file, String text) throws IOException {
        send("PUT", key(database, file), "", text.getBytes(StandardCharsets.UTF_8));
    }

    /** The files of {@code database} whose names match {@code name}, each name to its text, in name order. */
    public Map<String, String> read(String database, String name) throws IOException {
        Map<String, String> files = new TreeMap<>();
        String folder = key(database, "");
        String token = null;
        do {
            String query = "list-type=2&prefix=" + encode(folder, true)
                    + (token == null ? "" : "&continuation-token=" + encode(token, true));
            String listing = new String(send("GET", "", query, new byte[0]), StandardCharsets.UTF_8);
            for (String key : Listing.keys(listing)) {
                String file = key.substring(folder.length());
                if (file.matches(name)) {
                    files.put(file, new String(send("GET", key, "", new byte[0]), StandardCharsets.UTF_8));
                }
            }
            token = Listing.next(listing);
        } while (token != null);
        return files;
    }

    private String key(String database, String file) {
        return (prefix.isEmpty() ? "" : prefix + "/") + database + "/" + file;
    }

    /** One signed request; its body, or an IOException naming the request, the status and S3's error code. */
    private byte[] send(String method, String key, String query, byte[] body) throws IOException {
        String path = (endpoint == null ? "/" : "/" + bucket + "/") + encode(key, false);
        String host = endpoint == null
                ? bucket + ".s3." + region + ".amazonaws.com"
                : URI.create(endpoint).getRawAuthority();
        URI uri = URI.create((endpoint == null ? "https://" + host : endpoint.replaceAll("(https?://[^/]+).*", "$1"))
                + path
                + (query.isEmpty() ? "" : "?" + query));
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String stamp = STAMP.format(now);
        String day = stamp.substring(0, 8);
        String payload = hex(Signing.sha256(body));
        S3Credentials.Keys keys = credentials.current();
        String token = keys.sessionToken();
        // temporary credentials sign their session token too, as the last of the headers in name order
        String headers = "host:" + host + "\nx-amz-content-sha256:" + payload + "\nx-amz-date:" + stamp + "\n"
                + (token == null ? "" : "x-amz-security-token:" + token + "\n");
        String signed = "host;x-amz-content-sha256;x-amz-date" + (token == null ? "" : ";x-amz-security-token");
        String request =
                method + "\n" + path + "\n" + canonicalQuery(query) + "\n" + headers + "\n" + signed + "\n" + payload;
        String scope = day + "/" + region + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n"
                + hex(Signing.sha256(request.getBytes(StandardCharsets.UTF_8)));
        byte[] signingKey = Signing.hmac(
                Signing.hmac(
                        Signing.hmac(
                                Signing.hmac(("AWS4" + keys.secretKey()).getBytes(StandardCharsets.UTF_8), day),
                                region),
                        "s3"),
                "aws4_request");
        String authorization = "AWS4-HMAC-SHA256 Credential=" + keys.accessKey() + "/" + scope + ", SignedHeaders="
                + signed + ", Signature=" + hex(Signing.hmac(signingKey, toSign));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("x-amz-content-sha256", payload)
                .header("x-amz-date", stamp)
                .header("Authorization", authorization)
                .method(
                        method,
                        body.length == 0
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            builder.header("x-amz-security-token", token);
        }
        try {
            HttpResponse<byte[]> response =
                    Signing.CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("S3 " + method + " " + this + "/" + key + ": HTTP " + response.statusCode() + " "
                        + Listing.error(new String(response.body(), StandardCharsets.UTF_8)));
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("S3 " + method + " " + this + "/" + key + ": interrupted", e);
        }
    }

    /** Query parameters sorted by name, as Signature Version 4 wants them (already encoded here). */
    private static String canonicalQuery(String query) {
        if (query.isEmpty()) {
            return "";
        }
        return java.util.Arrays.stream(query.split("&"))
                .sorted()
                .reduce((a, b) -> a + "&" + b)
                .orElse("");
    }

    /** RFC 3986 encoding as S3 signs it: unreserved characters as they are, '/' too in a path. */
    static String encode(String text, boolean slash) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || "-_.~".indexOf(c) >= 0
                    || (c == '/' && !slash)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }

    /** Names the path, never the credentials. */
    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    /** The digests and the one HTTP client. */
    private static final class Signing {
        static final HttpClient CLIENT =
                HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

        static byte[] sha256(byte[] bytes) {
            try {
                return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        static byte[] hmac(byte[] key, String text) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("every JDK has HmacSHA256", e);
            }
        }
    }

    /** What S3's XML answers say: a listing's keys and continuation, an error's code. */
    private static final class Listing {
        private static final Pattern KEY = Pattern.compile("<Key>([^<]*)</Key>");
        private static final Pattern NEXT = Pattern.compile("<NextContinuationToken>([^<]*)</NextContinuationToken>");
        private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");

        static java.util.List<String> keys(String xml) {
            java.util.List<String> keys = new java.util.ArrayList<>();
            Matcher m = KEY.matcher(xml);
            while (m.find()) {
                keys.add(unescape(m.group(1)));
            }
            return keys;
        }

        static String next(String xml) {
            Matcher m = NEXT.matcher(xml);
            return xml.contains("<IsTruncated>true</IsTruncated>") && m.find() ? unescape(m.group(1)) : null;
        }

        static String error(String xml) {
            Matcher m = CODE.matcher(xml);
            return m.find() ? m.group(1) : "";
        }

        private static String unescape(String text) {
            return text.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&");
        }
    }
}
