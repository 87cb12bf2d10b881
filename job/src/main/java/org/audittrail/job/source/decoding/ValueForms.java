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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.audittrail.udf.values.ValueForm;

/**
 * Resolves a column type's {@link ValueForm} from the catalog, as PostgreSQL 15's {@code jsonb_categorize_type} does;
 * money (and domains and arrays over it) gets its own form, a plain decimal.
 */
final class ValueForms {

    /** First OID of objects created after initdb (FirstNormalObjectId): only such types' casts to json count. */
    private static final long FIRST_NORMAL_OID = 16384;

    /** A type, its element's delimiter, and the function of its cast to json, if any. */
    private static final String TYPE = "SELECT t.typtype, t.typbasetype, t.typelem, t.typrelid,"
            + " t.typsubscript = 'array_subscript_handler'::regproc AS true_array, e.typdelim,"
            + " (SELECT p.proname FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc"
            + "   WHERE c.castsource = t.oid AND c.casttarget = 'json'::regtype AND c.castmethod = 'f') AS json_cast,"
            + " (SELECT r.rngsubtype = 'timestamptz'::regtype FROM pg_range r WHERE r.rngtypid = t.oid) AS tstz_range,"
            + " (SELECT r.rngsubtype = 'timestamptz'::regtype FROM pg_range r WHERE r.rngmultitypid = t.oid) AS tstz_multirange"
            + " FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem WHERE t.oid = ?";

    /** A composite's attributes as record_out writes them: in order, dropped ones left out. */
    private static final String ATTRIBUTES = "SELECT attname, atttypid FROM pg_attribute"
            + " WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped ORDER BY attnum";

    private ValueForms() {}

    /** The form of type {@code oid}; {@code cache} holds the forms resolved so far for one relation message. */
    static ValueForm resolve(Connection c, long oid, Map<Long, ValueForm> cache) throws SQLException {
        ValueForm known = cache.get(oid);
        if (known != null) {
            return known;
        }
        ValueForm form = builtIn(oid);
        if (form == null) {
            form = fromCatalog(c, oid, cache);
        }
        cache.put(oid, form);
        return form;
    }

    /** The categories to_jsonb gives built-in types by OID. */
    private static ValueForm builtIn(long oid) {
        switch ((int) oid) {
            case 16:
                return ValueForm.BOOL;
            case 20: // int8
            case 21: // int2
            case 23: // int4
            case 700: // float4
            case 701: // float8
            case 1700: // numeric
                return ValueForm.NUMBER;
            case 1114:
                return ValueForm.TIMESTAMP;
            case 1184:
                return ValueForm.TIMESTAMPTZ;
            case 114: // json
                return ValueForm.JSON;
            case 3802: // jsonb
                return ValueForm.JSONB;
            case 790: // money: a plain decimal, not to_jsonb's text (which follows lc_monetary)
                return ValueForm.MONEY;
            default:
                return null;
        }
    }

    private static ValueForm fromCatalog(Connection c, long oid, Map<Long, ValueForm> cache) throws SQLException {
        String typtype;
        long base;
        long element;
        long relation;
        boolean trueArray;
        String delimiter;
        String jsonCast;
        boolean tstzRange;
        boolean tstzMultirange;
        try (PreparedStatement s = c.prepareStatement(TYPE)) {
            s.setLong(1, oid);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return ValueForm.UNKNOWN_CAST; // a type dropped meanwhile: its text, marked as fallback
                }
                typtype = rs.getString(1);
                base = rs.getLong(2);
                element = rs.getLong(3);
                relation = rs.getLong(4);
                trueArray = rs.getBoolean(5);
                delimiter = rs.getString(6);
                jsonCast = rs.getString(7);
                tstzRange = rs.getBoolean(8);
                tstzMultirange = rs.getBoolean(9);
            }
        }
        if ("d".equals(typtype)) {
            return resolve(c, base, cache); // to_jsonb looks through domains (getBaseType)
        }
        if (trueArray && element != 0) {
            ValueForm elementForm = resolve(c, element, cache);
            return ValueForm.array(elementForm, delimiter == null || delimiter.isEmpty() ? ',' : delimiter.charAt(0));
        }
        if ("c".equals(typtype)) {
            List<String> names = new ArrayList<>();
            List<Long> types = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(ATTRIBUTES)) {
                s.setLong(1, relation);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        names.add(rs.getString(1));
                        types.add(rs.getLong(2));
                    }
                }
            }
            List<ValueForm> forms = new ArrayList<>(types.size());
            for (long type : types) {
                forms.add(resolve(c, type, cache));
            }
            return ValueForm.composite(names, forms);
        }
        if (tstzRange || tstzMultirange) {
            // their text holds the walsender's TimeZone, the JVM's: brought to UTC
            return tstzRange ? ValueForm.TSTZ_RANGE : ValueForm.TSTZ_MULTIRANGE;
        }
        if (oid >= FIRST_NORMAL_OID && jsonCast != null) {
            // hstore's cast is known; any other cast to json runs code the job cannot reproduce
            return jsonCast.equals("hstore_to_json") ? ValueForm.HSTORE : ValueForm.UNKNOWN_CAST;
        }
        return ValueForm.TEXT;
    }
}
