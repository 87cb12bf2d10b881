package org.audittrail.udf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Turns the text of a {@code _bemi} message into the JSON object stored in {@code changes.context}. */
public final class Context {

    /** Key under which a context that is not a JSON object is kept, as text. */
    public static final String UNPARSED_KEY = "_unparsed";

    private Context() {}

    /** The context as a JSON object; text that is not one is kept under {@value #UNPARSED_KEY}, never dropped. */
    public static String parse(String text) {
        if (text == null || text.isBlank()) {
            return Json.EMPTY_OBJECT;
        }
        try {
            JsonNode node = Json.parse(text);
            if (node != null && node.isObject()) {
                return Json.write(node);
            }
        } catch (JsonProcessingException e) {
            // not JSON: kept as text below
        }
        ObjectNode kept = Json.object();
        kept.put(UNPARSED_KEY, text);
        return Json.write(kept);
    }
}
