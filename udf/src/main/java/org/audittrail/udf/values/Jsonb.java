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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What PostgreSQL's {@code jsonb} can hold, which is less than JSON (and {@code json}) can: no U+0000 and no unpaired
 * surrogate in a string or key, numbers within {@code numeric}'s range. Also writes the numbers Jackson cannot write
 * plainly (a scale beyond ±9999) in exponent form, which jsonb reads as the same numeric.
 */
public final class Jsonb {

    /** Largest scale, either sign, that Jackson writes with {@code WRITE_BIGDECIMAL_AS_PLAIN}; it throws beyond. */
    static final int MAX_PLAIN_SCALE = 9999;
    /** Most digits after the decimal point of a numeric (NUMERIC_DSCALE_MAX). */
    static final int MAX_NUMERIC_SCALE = 16383;
    /** Most digits before the decimal point of a numeric (measured on PostgreSQL 15: 1e131071 fits, 1e131072 not). */
    static final int MAX_NUMERIC_INTEGER_DIGITS = 131072;

    private Jsonb() {}

    /** A JSON number for a numeric value PostgreSQL produced, exact at any scale. */
    public static JsonNode number(BigDecimal value) {
        if (Math.abs(value.scale()) <= MAX_PLAIN_SCALE) {
            return Json.MAPPER.getNodeFactory().numberNode(value);
        }
        return Json.MAPPER.getNodeFactory().rawValueNode(new RawValue(value.toString()));
    }

    /**
     * The tree, ready to write, where jsonb can hold it exactly; null where it cannot. Numbers beyond Jackson's plain
     * scale are replaced in place by their exponent form.
     */
    public static JsonNode storable(JsonNode node) {
        if (node.isTextual()) {
            return storable(node.textValue()) ? node : null;
        }
        if (node.isBigDecimal()) {
            BigDecimal value = node.decimalValue();
            if (Math.abs(value.scale()) <= MAX_PLAIN_SCALE) {
                return node;
            }
            return inNumericRange(value) ? number(value) : null;
        }
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> replaced = new ArrayList<>(0);
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode value = storable(field.getValue());
                if (value == null || !storable(field.getKey())) {
                    return null;
                }
                if (value != field.getValue()) {
                    replaced.add(Map.entry(field.getKey(), value));
                }
            }
            replaced.forEach(e -> ((ObjectNode) node).set(e.getKey(), e.getValue()));
            return node;
        }
        if (node.isArray()) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = storable(array.get(i));
                if (value == null) {
                    return null;
                }
                if (value != array.get(i)) {
                    array.set(i, value);
                }
            }
            return node;
        }
        // integers within Jackson's number length, booleans, null: always within jsonb's reach
        return node;
    }

    /** Whether jsonb can hold the string: no U+0000, every surrogate paired. */
    public static boolean storable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean inNumericRange(BigDecimal value) {
        return value.scale() <= MAX_NUMERIC_SCALE && value.precision() - value.scale() <= MAX_NUMERIC_INTEGER_DIGITS;
    }
}
