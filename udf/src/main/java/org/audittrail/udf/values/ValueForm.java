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
package org.audittrail.udf.values;

import java.util.List;

/**
 * How {@code to_jsonb} writes a value of one PostgreSQL type, resolved from the catalog as PostgreSQL's own
 * {@code jsonb_categorize_type} does: domains by their base type, arrays by their element, composites by their
 * attributes. One form departs from to_jsonb: {@link Kind#MONEY}, whose text to_jsonb takes as lc_monetary has it.
 */
public final class ValueForm {

    /** The category of a type, as {@code to_jsonb} sees it. */
    public enum Kind {
        /** bool: {@code true}/{@code false}. */
        BOOL,
        /** int2, int4, int8, float4, float8, numeric: a JSON number, NaN and the infinities as strings. */
        NUMBER,
        /** timestamp: ISO-8601 with a {@code T}, as PostgreSQL's XSD style writes it. */
        TIMESTAMP,
        /** timestamptz: as timestamp, in UTC with offset {@code +00:00}. */
        TIMESTAMPTZ,
        /** json: the document itself, nested; checked, as jsonb holds less than json. */
        JSON,
        /** jsonb: the document itself, nested; its text is what jsonb holds already. */
        JSONB,
        /** A true array: a JSON array (nested for more dimensions) of its elements' forms. */
        ARRAY,
        /** A composite type: a JSON object of its attributes. */
        COMPOSITE,
        /** A range of timestamptz: a JSON string of its text as with TimeZone UTC. */
        TSTZ_RANGE,
        /** A multirange of timestamptz: a JSON string of its text as with TimeZone UTC. */
        TSTZ_MULTIRANGE,
        /** hstore, whose cast to json gives an object of string values. */
        HSTORE,
        /** An extension's type with a cast to json the job cannot reproduce: stored in fallback form. */
        UNKNOWN_CAST,
        /**
         * money: a JSON string of the amount as a plain decimal with two fraction digits ({@code "-1234.56"}), read
         * from its text as PostgreSQL writes it with lc_monetary C ({@code -$1,234.56}); to_jsonb writes the text.
         */
        MONEY,
        /** Everything else (date, time, interval, bytea, uuid, ranges, enums, ...): a JSON string of the text. */
        TEXT
    }

    public static final ValueForm BOOL = new ValueForm(Kind.BOOL, null, ',', List.of(), List.of());
    public static final ValueForm NUMBER = new ValueForm(Kind.NUMBER, null, ',', List.of(), List.of());
    public static final ValueForm TIMESTAMP = new ValueForm(Kind.TIMESTAMP, null, ',', List.of(), List.of());
    public static final ValueForm TIMESTAMPTZ = new ValueForm(Kind.TIMESTAMPTZ, null, ',', List.of(), List.of());
    public static final ValueForm JSON = new ValueForm(Kind.JSON, null, ',', List.of(), List.of());
    public static final ValueForm JSONB = new ValueForm(Kind.JSONB, null, ',', List.of(), List.of());
    public static final ValueForm TSTZ_RANGE = new ValueForm(Kind.TSTZ_RANGE, null, ',', List.of(), List.of());
    public static final ValueForm TSTZ_MULTIRANGE =
            new ValueForm(Kind.TSTZ_MULTIRANGE, null, ',', List.of(), List.of());
    public static final ValueForm HSTORE = new ValueForm(Kind.HSTORE, null, ',', List.of(), List.of());
    public static final ValueForm UNKNOWN_CAST = new ValueForm(Kind.UNKNOWN_CAST, null, ',', List.of(), List.of());
    public static final ValueForm MONEY = new ValueForm(Kind.MONEY, null, ',', List.of(), List.of());
    public static final ValueForm TEXT = new ValueForm(Kind.TEXT, null, ',', List.of(), List.of());

    private final Kind kind;
    private final ValueForm element;
    private final char delimiter;
    private final List<String> names;
    private final List<ValueForm> attributes;

    private ValueForm(Kind kind, ValueForm element, char delimiter, List<String> names, List<ValueForm> attributes) {
        this.kind = kind;
        this.element = element;
        this.delimiter = delimiter;
        this.names = names;
        this.attributes = attributes;
    }

    /** An array whose elements have {@code element}'s form and are separated by {@code delimiter} (typdelim). */
    public static ValueForm array(ValueForm element, char delimiter) {
        return new ValueForm(Kind.ARRAY, element, delimiter, List.of(), List.of());
    }

    /** A composite type with these attributes (dropped ones left out), in order. */
    public static ValueForm composite(List<String> names, List<ValueForm> attributes) {
        if (names.size() != attributes.size()) {
            throw new IllegalArgumentException("one form per attribute name");
        }
        return new ValueForm(Kind.COMPOSITE, null, ',', List.copyOf(names), List.copyOf(attributes));
    }

    public Kind kind() {
        return kind;
    }

    /** An array's element form; null otherwise. */
    public ValueForm element() {
        return element;
    }

    public char delimiter() {
        return delimiter;
    }

    /** A composite's attribute names. */
    public List<String> names() {
        return names;
    }

    /** A composite's attribute forms. */
    public List<ValueForm> attributes() {
        return attributes;
    }

    @Override
    public String toString() {
        switch (kind) {
            case ARRAY:
                return element + "[]";
            case COMPOSITE: {
                StringBuilder sb = new StringBuilder("(");
                for (int i = 0; i < names.size(); i++) {
                    sb.append(i == 0 ? "" : ", ")
                            .append(names.get(i))
                            .append(' ')
                            .append(attributes.get(i));
                }
                return sb.append(')').toString();
            }
            default:
                return kind.name().toLowerCase();
        }
    }
}
