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

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** The one Jackson configuration of the job: numbers keep every digit, in and out. */
public final class Json {

    /** Empty JSON object, the stored form of a missing image or context. */
    public static final String EMPTY_OBJECT = "{}";

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    /** Longest number text a row value may hold: numeric's digits, point, sign and an exponent's margin. */
    static final int MAX_NUMBER_LENGTH = 131_072 + 16_383 + 16;

    /**
     * Reads row values: numbers up to numeric's longest text (131072 digits before the point, 16383 after) and strings
     * of any length, as PostgreSQL holds them; nesting stays within Jackson's 1000 levels.
     */
    private static final ObjectMapper VALUES = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .maxStringLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Parses JSON text; throws {@link JsonProcessingException} where it is not JSON or beyond Jackson's limits
     * (nesting 1000, numbers of 1000 digits). Every number keeps every digit: Jackson's own tree reader turns one
     * beyond double's range (1e400) into Infinity, even with {@code USE_BIG_DECIMAL_FOR_FLOATS}.
     */
    public static JsonNode parse(String text) throws JsonProcessingException {
        return parse(MAPPER, text);
    }

    /** As {@link #parse(String)}, for row values: numbers and strings as long as PostgreSQL's own. */
    public static JsonNode parseValue(String text) throws JsonProcessingException {
        return parse(VALUES, text);
    }

    private static JsonNode parse(ObjectMapper mapper, String text) throws JsonProcessingException {
        try (JsonParser p = mapper.createParser(text)) {
            return p.nextToken() == null ? MissingNode.getInstance() : read(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading a String never fails", e);
        }
    }

    /** The value at the parser's current token; nesting is bounded by the parser's own limit. */
    private static JsonNode read(JsonParser p) throws IOException {
        JsonNodeFactory nodes = MAPPER.getNodeFactory();
        switch (p.currentToken()) {
            case START_OBJECT: {
                ObjectNode object = nodes.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    object.set(name, read(p)); // a repeated key: the last one wins, as in jsonb
                }
                return object;
            }
            case START_ARRAY: {
                ArrayNode array = nodes.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    array.add(read(p));
                }
                return array;
            }
            case VALUE_STRING:
                return nodes.textNode(p.getText());
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return nodes.numberNode(p.getIntValue());
                    case LONG:
                        return nodes.numberNode(p.getLongValue());
                    default:
                        return nodes.numberNode(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return nodes.numberNode(p.getDecimalValue());
            case VALUE_TRUE:
                return nodes.booleanNode(true);
            case VALUE_FALSE:
                return nodes.booleanNode(false);
            case VALUE_NULL:
                return nodes.nullNode();
            default:
                throw new JsonParseException(p, "Unexpected token " + p.currentToken());
        }
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
