package org.audittrail.udf.selection;

import java.util.regex.Pattern;

/** A name pattern where {@code *} stands for any run of characters; everything else matches itself. */
final class Wildcard {

    private Wildcard() {}

    static Pattern compile(String glob) {
        String[] parts = glob.split("\\*", -1);
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString());
    }
}
