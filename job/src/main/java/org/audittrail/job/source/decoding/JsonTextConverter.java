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
package org.audittrail.job.source.decoding;

import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.audittrail.udf.functions.RowImage;
import org.audittrail.udf.values.PgText;

/**
 * Passes every column's value on as {@link PgOutputDecoder} made it, the JSON text {@code to_jsonb} writes, in a string
 * schema that tells {@link RowImage} so: Debezium's own conversions never touch a value.
 */
public final class JsonTextConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {

    @Override
    public void configure(Properties properties) {}

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        registration.register(SchemaBuilder.string().parameter(RowImage.JSON_TEXT, "true"), JsonTextConverter::convert);
    }

    static Object convert(Object value) {
        if (value == null || value instanceof String) {
            return value;
        }
        if (value == UnchangedToastedReplicationMessageColumn.UNCHANGED_TOAST_VALUE) {
            return RowImage.ABSENT; // an unchanged TOASTed value the WAL did not carry: left out of the image
        }
        // only the decoder's text reaches here; anything else is kept as text and named as a fallback
        return PgText.fallback(String.valueOf(value));
    }
}
