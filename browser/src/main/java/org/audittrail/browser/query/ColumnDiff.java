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
package org.audittrail.browser.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * One column a change touched: its old and new value, each either a JSON value (NULL included) or absent (the image
 * did not carry it).
 */
public record ColumnDiff(String column, JsonNode before, JsonNode after) {

    /** The columns whose value differs between the images, in name order; absent and null are different. */
    public static List<ColumnDiff> of(JsonNode before, JsonNode after) {
        TreeSet<String> names = new TreeSet<>();
        collect(before, names);
        collect(after, names);
        List<ColumnDiff> diffs = new ArrayList<>();
        for (String name : names) {
            JsonNode old = before == null ? null : before.get(name);
            JsonNode now = after == null ? null : after.get(name);
            if (old == null ? now != null : !old.equals(now)) {
                diffs.add(new ColumnDiff(name, old, now));
            }
        }
        return diffs;
    }

    private static void collect(JsonNode image, TreeSet<String> names) {
        if (image != null && image.isObject()) {
            for (Iterator<String> it = image.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
        }
    }
}
