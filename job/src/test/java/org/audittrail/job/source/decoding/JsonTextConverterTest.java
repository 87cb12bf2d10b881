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

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.relational.Column;
import io.debezium.relational.CustomConverterRegistry;
import io.debezium.relational.TableId;
import io.debezium.spi.converter.ConvertedField;
import io.debezium.spi.converter.CustomConverter;
import java.sql.Types;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.audittrail.udf.functions.RowImage;
import org.junit.jupiter.api.Test;

/** The converter in Debezium's own registry: every column a marked string, values passed through untouched. */
class JsonTextConverterTest {

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void everyColumnIsPassedThroughAsJsonTextAndAnUnchangedToastedValueAsAbsent() {
        CustomConverterRegistry registry = new CustomConverterRegistry(
                List.of((CustomConverter<SchemaBuilder, ConvertedField>) (CustomConverter) new JsonTextConverter()));
        TableId table = new TableId(null, "public", "t");
        Column column = Column.editor()
                .name("v")
                .type("interval")
                .jdbcType(Types.OTHER)
                .optional(true)
                .create();
        Schema schema = registry.registerConverterFor(table, column, null)
                .orElseThrow()
                .optional()
                .build();
        assertThat(schema.type()).isEqualTo(Schema.Type.STRING);
        assertThat(schema.parameters()).containsKey(RowImage.JSON_TEXT);

        var convert = registry.getValueConverter(table, column).orElseThrow();
        assertThat(convert.convert("\"1 year 2 mons\"")).isEqualTo("\"1 year 2 mons\"");
        assertThat(convert.convert(null)).isNull();
        Schema row = SchemaBuilder.struct().field("v", schema).build();
        // Debezium's unchanged TOASTed value: one the WAL did not carry, filled from the old row where it has it
        Object unchanged = convert.convert(UnchangedToastedReplicationMessageColumn.UNCHANGED_TOAST_VALUE);
        assertThat(unchanged).isEqualTo(RowImage.ABSENT);
        assertThat(RowImage.json(new Struct(row).put("v", unchanged), new Struct(row).put("v", "\"old\""), null))
                .isEqualTo("{\"v\":\"old\"}");
        // anything but the decoder's text: kept as text, in fallback form
        assertThat(RowImage.json(new Struct(row).put("v", convert.convert(42)))).isEqualTo("{\"v\":\"42\"}");
    }
}
