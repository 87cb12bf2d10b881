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

import java.time.LocalDateTime;

/**
 * The text of scalar values as {@code to_jsonb} writes it: which numbers are JSON numbers, timestamps in XSD style,
 * timestamptz brought to UTC.
 */
final class ScalarText {

    private ScalarText() {}

    /** PostgreSQL's IsValidJsonNumber: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    static boolean isJsonNumber(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && s.charAt(i) == '-') {
            i++;
        }
        if (i < n && s.charAt(i) == '0') {
            i++;
        } else if (i < n && s.charAt(i) >= '1' && s.charAt(i) <= '9') {
            i = digits(s, i);
        } else {
            return false;
        }
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            i = digits(s, i);
            if (i == start) {
                return false;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            i = digits(s, i);
            if (i == start) {
                return false;
            }
        }
        return i == n;
    }

    private static int digits(String s, int i) {
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * A money amount as a plain decimal, from its text as cash_out writes it with lc_monetary C: {@code $1,234.56}
     * becomes {@code 1234.56}, {@code -$92,233,720,368,547,758.08} becomes {@code -92233720368547758.08}, {@code $0.00}
     * becomes {@code 0.00}: what {@code money::numeric::text} gives in any lc_monetary of two fraction digits. Any other
     * shape (the text of another lc_monetary) throws, so the value is kept in fallback form rather than misread.
     */
    static String money(String text) {
        int n = text.length();
        int i = 0;
        StringBuilder out = new StringBuilder(n);
        if (i < n && text.charAt(i) == '-') {
            out.append('-');
            i++;
        }
        if (i >= n || text.charAt(i) != '$') {
            throw notMoney();
        }
        i++;
        // the integer part: one to three digits (no leading zero), then groups of three, each after a comma
        int end = digits(text, i);
        boolean zero = end == i + 1 && text.charAt(i) == '0';
        if (end == i || end > i + 3 || (text.charAt(i) == '0' && !zero)) {
            throw notMoney();
        }
        out.append(text, i, end);
        i = end;
        while (i < n && text.charAt(i) == ',') {
            end = digits(text, i + 1);
            if (zero || end != i + 4) {
                throw notMoney();
            }
            out.append(text, i + 1, end);
            i = end;
        }
        // always two fraction digits in lc_monetary C
        if (i + 3 != n || text.charAt(i) != '.' || digits(text, i + 1) != n) {
            throw notMoney();
        }
        return out.append(text, i, n).toString();
    }

    private static IllegalArgumentException notMoney() {
        return new IllegalArgumentException("not a money's text in lc_monetary C");
    }

    /** timestamp in XSD style: {@code 2024-01-02 03:04:05} becomes {@code 2024-01-02T03:04:05}, {@code BC} kept. */
    static String timestamp(String text) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        int space = text.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException("not a timestamp's text");
        }
        return text.substring(0, space) + 'T' + text.substring(space + 1);
    }

    /**
     * timestamptz as to_jsonb writes it with TimeZone UTC: {@code 2024-01-02 08:49:05.5+05:45} becomes
     * {@code 2024-01-02T03:04:05.5+00:00}, years beyond 9999 and BC ones included.
     */
    static String timestamptzUtc(String text) {
        return utc(text, true);
    }

    /** A timestamptz's text as its output function writes it with TimeZone UTC, DateStyle ISO ({@code ...+00}). */
    static String timestamptzTextUtc(String text) {
        return utc(text, false);
    }

    private static String utc(String text, boolean xsd) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        int separator = text.indexOf(' ');
        if (text.endsWith("+00") && separator > 0 && text.indexOf(' ', separator + 1) < 0) {
            // already UTC, and AD (no " BC"): the common case where the server's or the JVM's zone is UTC
            return xsd
                    ? text.substring(0, separator) + 'T' + text.substring(separator + 1, text.length() - 3) + "+00:00"
                    : text;
        }
        boolean bc = text.endsWith(" BC");
        String s = bc ? text.substring(0, text.length() - 3) : text;
        int dash1 = s.indexOf('-');
        int dash2 = s.indexOf('-', dash1 + 1);
        int space = s.indexOf(' ', dash2 + 1);
        int year = Integer.parseInt(s.substring(0, dash1));
        int month = Integer.parseInt(s.substring(dash1 + 1, dash2));
        int day = Integer.parseInt(s.substring(dash2 + 1, space));
        int hour = Integer.parseInt(s.substring(space + 1, space + 3));
        int minute = Integer.parseInt(s.substring(space + 4, space + 6));
        int second = Integer.parseInt(s.substring(space + 7, space + 9));
        int i = space + 9;
        int fractionStart = i;
        if (i < s.length() && s.charAt(i) == '.') {
            i = digits(s, i + 1);
        }
        String fraction = s.substring(fractionStart, i);
        char sign = s.charAt(i);
        if (sign != '+' && sign != '-') {
            throw new IllegalArgumentException("not a timestamptz's text");
        }
        String[] offset = s.substring(i + 1).split(":");
        int offsetSeconds = Integer.parseInt(offset[0]) * 3600
                + (offset.length > 1 ? Integer.parseInt(offset[1]) * 60 : 0)
                + (offset.length > 2 ? Integer.parseInt(offset[2]) : 0);
        // year 1 BC is ISO year 0, as in PostgreSQL's own proleptic Gregorian calendar
        LocalDateTime local = LocalDateTime.of(bc ? 1 - year : year, month, day, hour, minute, second);
        LocalDateTime utc = local.minusSeconds(sign == '+' ? offsetSeconds : -offsetSeconds);
        int utcYear = utc.getYear();
        StringBuilder out = new StringBuilder(40);
        pad(out, utcYear > 0 ? utcYear : 1 - utcYear, 4).append('-');
        pad(out, utc.getMonthValue(), 2).append('-');
        pad(out, utc.getDayOfMonth(), 2).append(xsd ? 'T' : ' ');
        pad(out, utc.getHour(), 2).append(':');
        pad(out, utc.getMinute(), 2).append(':');
        pad(out, utc.getSecond(), 2).append(fraction).append(xsd ? "+00:00" : "+00");
        return utcYear > 0 ? out.toString() : out.append(" BC").toString();
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }
}
