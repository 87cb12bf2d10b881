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
package org.audittrail.job.source;

import java.util.Properties;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.SourcePassword;
import org.audittrail.job.db.Tls;
import org.audittrail.job.source.decoding.JsonTextConverter;
import org.audittrail.udf.functions.ChangeDeserializer;

/** The properties Flink CDC hands Debezium, and through it pgjdbc, for the source. */
final class DebeziumProperties {

    /** Prefix of the Debezium properties that are pgjdbc's connection properties. */
    static final String DATABASE_PREFIX = "database.";

    /** pgjdbc's property for the server options of the startup packet, as {@code PGOPTIONS}. */
    static final String OPTIONS = "options";

    /**
     * Server options of every source connection, the walsender's included: money written as {@code $1,234.56} with
     * two fraction digits, whatever the server, database or role set for lc_monetary (PgOutputDecoder reads that).
     */
    static final String MONETARY_C = "-c lc_monetary=C";

    private DebeziumProperties() {}

    /**
     * Debezium's settings for {@code source}: pgoutput, slot and publication kept, values as JSON text, TLS, tunnel,
     * heartbeat, lc_monetary C.
     */
    static Properties of(Database source, String publication, long heartbeatIntervalMs, String keyPasswordReference) {
        Properties p =
                withTunnel(forPgoutput(publication, heartbeatIntervalMs, source.tls(), keyPasswordReference), source);
        withServerOption(p, MONETARY_C);
        return p;
    }

    /** Routes every connection of Debezium and of the pool through the source's SSH tunnel, where it has one. */
    private static Properties withTunnel(Properties p, Database source) {
        if (source.tunnel() != null) {
            source.tunnel().driverProperties().forEach((name, value) -> p.setProperty(DATABASE_PREFIX + name, value));
        }
        return p;
    }

    private static Properties forPgoutput(
            String publication, long heartbeatIntervalMs, Tls tls, String keyPasswordReference) {
        Properties p = new Properties();
        // Debezium hands every database.* property to pgjdbc, for its JDBC and its replication connections alike
        tls.driverProperties(keyPasswordReference)
                .forEach((name, value) -> p.setProperty(DATABASE_PREFIX + name, value));
        if (keyPasswordReference != null) {
            p.setProperty(
                    DATABASE_PREFIX + SourcePassword.KeyPassword.CALLBACK_PROPERTY,
                    SourcePassword.KeyPassword.class.getName());
        }
        p.setProperty("publication.name", publication);
        p.setProperty("database." + SourcePassword.PLUGIN_PROPERTY, SourcePassword.class.getName());
        // setup owns the publication's table list
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("include.unknown.datatypes", "true");
        // a TRUNCATE is a change too: one record per table truncated (op "t", no key, no before or after)
        p.setProperty("truncate.handling.mode", "include");
        // every value arrives as the JSON to_jsonb writes (PgOutputDecoder); Debezium passes it on untouched
        p.setProperty("converters", "jsontext");
        p.setProperty("jsontext.type", JsonTextConverter.class.getName());
        p.setProperty(
                "message.prefix.include.list",
                ChangeDeserializer.CONTEXT_PREFIX + "," + ChangeDeserializer.ROW_PREFIX + ","
                        + ChangeDeserializer.HEARTBEAT_PREFIX + "," + ChangeDeserializer.SCHEMA_PREFIX);
        // no tombstone after a DELETE: the job has no use for one, and Flink CDC logs each it skips, key values
        // included
        p.setProperty("tombstones.on.delete", "false");
        // a WAL position of the job's own while no tracked table changes: the checkpoint moves on, and the slot with it
        p.setProperty("heartbeat.interval.ms", String.valueOf(heartbeatIntervalMs));
        // its time moves the watermark on, which the hash chain waits for (ChangeChain)
        p.setProperty("heartbeat.action.query", heartbeat(false));
        // Debezium pauses this long when the WAL has nothing new, and holds what it read until it has a full batch or
        // this long has passed: both add up to it to a change's latency at a low rate (its default is 500 ms)
        p.setProperty("poll.interval.ms", "10");
        // a slot still held by the walsender of a connection just closed (each snapshot chunk's backfill takes the same
        // slot again) is tried again within a quarter second, not after 10 s, as long as Debezium would (6 x 10 s)
        p.setProperty("slot.retry.delay.ms", "250");
        p.setProperty("slot.max.retries", "240");
        return p;
    }

    /** Adds {@code option} to the server options pgjdbc sends, after any already given (a later -c wins). */
    static void withServerOption(Properties p, String option) {
        String given = p.getProperty(DATABASE_PREFIX + OPTIONS);
        p.setProperty(
                DATABASE_PREFIX + OPTIONS, given == null || given.isBlank() ? option : given.strip() + " " + option);
    }

    /** The job's heartbeat: a WAL message with the time it was written, in a transaction of its own or none. */
    static String heartbeat(boolean transactional) {
        return "SELECT pg_logical_emit_message(" + transactional + ", '" + ChangeDeserializer.HEARTBEAT_PREFIX
                + "', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text)";
    }
}
