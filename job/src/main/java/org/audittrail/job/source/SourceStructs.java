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

import io.debezium.config.CommonConnectorConfig;
import io.debezium.connector.AbstractSourceInfo;
import io.debezium.connector.SnapshotRecord;
import io.debezium.connector.SourceInfoStructMaker;
import io.debezium.connector.postgresql.Module;
import io.debezium.connector.postgresql.SourceInfo;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Instant;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Debezium's source struct of each record without its {@code sequence}, a JSON text Debezium writes with Jackson for
 * every record and that neither Flink CDC nor the job reads; every other field as Debezium fills it, in Debezium's own
 * schema. Put in place of Debezium's maker in the connector's configuration ({@link #install}).
 */
final class SourceStructs implements SourceInfoStructMaker<SourceInfo> {

    private static final MethodHandle TIMESTAMP;
    private static final MethodHandle DATABASE;
    private static final MethodHandle SCHEMA;
    private static final MethodHandle TABLE;
    private static final MethodHandle TX_ID;

    static {
        try {
            // SourceInfo's getters are protected or package-private: its own maker lives in its package
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(SourceInfo.class, MethodHandles.lookup());
            TIMESTAMP = lookup.findVirtual(SourceInfo.class, "timestamp", MethodType.methodType(Instant.class));
            DATABASE = lookup.findVirtual(SourceInfo.class, "database", MethodType.methodType(String.class));
            SCHEMA = lookup.findVirtual(SourceInfo.class, "schemaName", MethodType.methodType(String.class));
            TABLE = lookup.findVirtual(SourceInfo.class, "tableName", MethodType.methodType(String.class));
            TX_ID = lookup.findVirtual(SourceInfo.class, "txId", MethodType.methodType(Long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Schema schema;
    private final String serverName;
    private final String version = Module.version();
    private final String connector = Module.name();
    private final Field versionField;
    private final Field connectorField;
    private final Field nameField;
    private final Field timestampField;
    private final Field databaseField;
    private final Field schemaField;
    private final Field tableField;
    private final Field txIdField;
    private final Field lsnField;
    private final Field xminField;

    private SourceStructs(Schema schema, String serverName) {
        this.schema = schema;
        this.serverName = serverName;
        versionField = schema.field(AbstractSourceInfo.DEBEZIUM_VERSION_KEY);
        connectorField = schema.field(AbstractSourceInfo.DEBEZIUM_CONNECTOR_KEY);
        nameField = schema.field(AbstractSourceInfo.SERVER_NAME_KEY);
        timestampField = schema.field(AbstractSourceInfo.TIMESTAMP_KEY);
        databaseField = schema.field(AbstractSourceInfo.DATABASE_NAME_KEY);
        schemaField = schema.field(SourceInfo.SCHEMA_NAME_KEY);
        tableField = schema.field(SourceInfo.TABLE_NAME_KEY);
        txIdField = schema.field(SourceInfo.TXID_KEY);
        lsnField = schema.field(SourceInfo.LSN_KEY);
        xminField = schema.field(SourceInfo.XMIN_KEY);
    }

    /** Puts this maker in place of Debezium's in {@code config}, keeping Debezium's schema. */
    static void install(CommonConnectorConfig config) {
        try {
            java.lang.reflect.Field maker = CommonConnectorConfig.class.getDeclaredField("sourceInfoStructMaker");
            maker.setAccessible(true);
            SourceInfoStructMaker<?> debezium = (SourceInfoStructMaker<?>) maker.get(config);
            if (!(debezium instanceof SourceStructs)) {
                maker.set(config, new SourceStructs(debezium.schema(), config.getLogicalName()));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "Debezium's connector configuration changed: its source struct maker cannot be replaced", e);
        }
    }

    @Override
    public Schema schema() {
        return schema;
    }

    @Override
    public Struct struct(SourceInfo info) {
        try {
            Instant timestamp = (Instant) TIMESTAMP.invokeExact(info);
            String database = (String) DATABASE.invokeExact(info);
            Struct result = new Struct(schema)
                    .put(versionField, version)
                    .put(connectorField, connector)
                    .put(nameField, serverName)
                    .put(timestampField, (timestamp == null ? Instant.now() : timestamp).toEpochMilli())
                    .put(databaseField, database == null ? "" : database)
                    .put(schemaField, (String) SCHEMA.invokeExact(info))
                    .put(tableField, (String) TABLE.invokeExact(info));
            SnapshotRecord snapshot = info.snapshot();
            if (snapshot != null) {
                snapshot.toSource(result);
            }
            if (snapshot != SnapshotRecord.INCREMENTAL) {
                Long txId = (Long) TX_ID.invokeExact(info);
                if (txId != null) {
                    result.put(txIdField, txId);
                }
                if (info.lsn() != null) {
                    result.put(lsnField, info.lsn().asLong());
                }
                if (info.xmin() != null) {
                    result.put(xminField, info.xmin());
                }
            }
            return result;
        } catch (Throwable e) {
            throw new IllegalStateException("Cannot build the source struct of a record", e);
        }
    }
}
