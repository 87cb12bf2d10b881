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
package org.audittrail.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Puts Bemi's comment on the writes of a SQL string, and on nothing else.
 *
 * <p>A statement is a write when its first word, after any leading comments, is INSERT, UPDATE, DELETE or MERGE, or
 * when it starts with WITH and one of its common table expressions or its main statement is one of those (a word
 * right after a parenthesis: so {@code SELECT ... FOR UPDATE} inside a WITH is not). SELECT, DDL, SET, CALL, DO, COPY,
 * EXPLAIN and the rest are left as they are. The comment goes right after the statement's last token: before a
 * trailing {@code ;} or comment, after RETURNING. In a string of several statements each write gets it (pgjdbc sends
 * them to the server one by one, and each sees only its own text). A string that already carries a Bemi comment is
 * left alone, so the DataSource wrapper and the Hibernate inspector can both be in place. String literals
 * ({@code '...'}, {@code E'...'}, dollar quotes), quoted identifiers and comments (nested, as PostgreSQL nests them)
 * are read as PostgreSQL reads them, so words inside them count for nothing.
 */
public final class BemiSql {

    private BemiSql() {}

    /** {@code sql} with the current thread's comment ({@link BemiContext#comment()}) on its writes. */
    public static String withContext(String sql) {
        return BemiContext.comment().map(comment -> withComment(sql, comment)).orElse(sql);
    }

    /** {@code sql} with {@code comment} (a whole <code>/*Bemi ... Bemi*&#47;</code>) after each of its writes. */
    public static String withComment(String sql, String comment) {
        if (sql == null || sql.isEmpty()) {
            return sql;
        }
        List<Token> tokens = tokenize(sql);
        for (Token t : tokens) {
            if (t.kind == Kind.COMMENT && sql.startsWith("/*Bemi ", t.start)) {
                return sql;
            }
        }
        List<Integer> insertAt = new ArrayList<>();
        for (List<Token> statement : statements(tokens, sql)) {
            if (isWrite(statement, sql)) {
                insertAt.add(statement.get(statement.size() - 1).end);
            }
        }
        if (insertAt.isEmpty()) {
            return sql;
        }
        StringBuilder out = new StringBuilder(sql.length() + insertAt.size() * (comment.length() + 1));
        int from = 0;
        for (int at : insertAt) {
            out.append(sql, from, at).append(' ').append(comment);
            from = at;
        }
        return out.append(sql, from, sql.length()).toString();
    }

    /** Whether the first statement of {@code sql} is a write, as {@link BemiSql} counts them. */
    public static boolean isWrite(String sql) {
        List<Token> tokens = tokenize(sql);
        List<List<Token>> statements = statements(tokens, sql);
        return !statements.isEmpty() && isWrite(statements.get(0), sql);
    }

    private static boolean isWrite(List<Token> statement, String sql) {
        String first = statement.get(0).word(sql);
        if (isWriteWord(first)) {
            return true;
        }
        if (!"WITH".equals(first)) {
            return false;
        }
        for (int i = 1; i < statement.size(); i++) {
            Token before = statement.get(i - 1);
            if (isWriteWord(statement.get(i).word(sql))
                    && before.kind == Kind.SYMBOL
                    && (sql.charAt(before.start) == '(' || sql.charAt(before.start) == ')')) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWriteWord(String word) {
        return word != null
                && switch (word) {
                    case "INSERT", "UPDATE", "DELETE", "MERGE" -> true;
                    default -> false;
                };
    }

    /** The significant tokens of each statement, split at top-level semicolons; empty statements left out. */
    private static List<List<Token>> statements(List<Token> tokens, String sql) {
        List<List<Token>> statements = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        boolean atomicBody = false;
        for (Token t : tokens) {
            if (t.kind == Kind.COMMENT) {
                continue;
            }
            if (t.kind == Kind.SYMBOL && sql.charAt(t.start) == ';' && !atomicBody) {
                if (!current.isEmpty()) {
                    statements.add(current);
                }
                current = new ArrayList<>();
                continue;
            }
            // CREATE FUNCTION ... BEGIN ATOMIC ... END: its body's semicolons are its own, to the end of the string
            if ("ATOMIC".equals(t.word(sql))
                    && !current.isEmpty()
                    && "BEGIN".equals(current.get(current.size() - 1).word(sql))
                    && "CREATE".equals(current.get(0).word(sql))) {
                atomicBody = true;
            }
            current.add(t);
        }
        if (!current.isEmpty()) {
            statements.add(current);
        }
        return statements;
    }

    private enum Kind {
        WORD,
        LITERAL,
        COMMENT,
        SYMBOL
    }

    private record Token(Kind kind, int start, int end) {
        /** The upper-cased word, or null for anything else. */
        String word(String sql) {
            return kind == Kind.WORD ? sql.substring(start, end).toUpperCase(Locale.ROOT) : null;
        }
    }

    /** PostgreSQL's lexical structure, as far as telling words from literals, comments and symbols goes. */
    private static List<Token> tokenize(String sql) {
        List<Token> tokens = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n' && sql.charAt(i) != '\r') {
                    i++;
                }
                tokens.add(new Token(Kind.COMMENT, start, i));
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int depth = 0;
                while (i < n) {
                    if (sql.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (sql.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                        if (depth == 0) {
                            break;
                        }
                    } else {
                        i++;
                    }
                }
                tokens.add(new Token(Kind.COMMENT, start, i));
            } else if (c == '\'') {
                i = quoted(sql, i, '\'', false);
                tokens.add(new Token(Kind.LITERAL, start, i));
            } else if (c == '"') {
                i = quoted(sql, i, '"', false);
                tokens.add(new Token(Kind.LITERAL, start, i));
            } else if ((c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                i = quoted(sql, i + 1, '\'', true);
                tokens.add(new Token(Kind.LITERAL, start, i));
            } else if (c == '$' && dollarTagEnd(sql, i) > 0) {
                int tagEnd = dollarTagEnd(sql, i);
                String tag = sql.substring(i, tagEnd);
                int close = sql.indexOf(tag, tagEnd);
                i = close < 0 ? n : close + tag.length();
                tokens.add(new Token(Kind.LITERAL, start, i));
            } else if (isWordStart(c)) {
                while (i < n && isWordPart(sql.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.WORD, start, i));
            } else if (Character.isDigit(c)) {
                while (i < n && (isWordPart(sql.charAt(i)) || sql.charAt(i) == '.')) {
                    i++;
                }
                tokens.add(new Token(Kind.LITERAL, start, i));
            } else {
                i++;
                tokens.add(new Token(Kind.SYMBOL, start, i));
            }
        }
        return tokens;
    }

    /** The end of a quoted run starting at {@code open}: a doubled quote stays inside, and so does {@code \x} in E''. */
    private static int quoted(String sql, int open, char quote, boolean backslashEscapes) {
        int i = open + 1;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    /** The end of a dollar-quote tag ({@code $$} or {@code $tag$}) starting at {@code i}, or -1 ({@code $1} is none). */
    private static int dollarTagEnd(String sql, int i) {
        int j = i + 1;
        if (j < sql.length() && sql.charAt(j) == '$') {
            return j + 1;
        }
        if (j >= sql.length() || !isWordStart(sql.charAt(j))) {
            return -1;
        }
        while (j < sql.length() && isWordPart(sql.charAt(j)) && sql.charAt(j) != '$') {
            j++;
        }
        return j < sql.length() && sql.charAt(j) == '$' ? j + 1 : -1;
    }

    private static boolean isWordStart(char c) {
        return Character.isLetter(c) || c == '_' || c >= 0x80;
    }

    private static boolean isWordPart(char c) {
        return isWordStart(c) || Character.isDigit(c) || c == '$';
    }
}
