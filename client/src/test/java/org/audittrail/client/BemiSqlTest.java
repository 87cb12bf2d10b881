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

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which statements get Bemi's comment, and where it goes. */
class BemiSqlTest {

    static final String C = "/*Bemi {\"user_id\":1} Bemi*/";

    @Test
    void appendsToInsertUpdateDeleteAndMerge() {
        assertThat(BemiSql.withComment("INSERT INTO todo (task) VALUES (?)", C))
                .isEqualTo("INSERT INTO todo (task) VALUES (?) " + C);
        assertThat(BemiSql.withComment("update todo set is_completed = ? where id = ?", C))
                .isEqualTo("update todo set is_completed = ? where id = ? " + C);
        assertThat(BemiSql.withComment("  Delete From todo where id = 1", C))
                .isEqualTo("  Delete From todo where id = 1 " + C);
        assertThat(BemiSql.withComment("MERGE INTO todo t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE", C))
                .endsWith("THEN DELETE " + C);
    }

    @Test
    void goesAfterReturningAndBeforeATrailingSemicolonOrComment() {
        assertThat(BemiSql.withComment("insert into todo (task) values (?) returning id", C))
                .isEqualTo("insert into todo (task) values (?) returning id " + C);
        assertThat(BemiSql.withComment("DELETE FROM todo;  ", C)).isEqualTo("DELETE FROM todo " + C + ";  ");
        // after a trailing line comment it would be commented out
        assertThat(BemiSql.withComment("DELETE FROM todo -- all of them", C))
                .isEqualTo("DELETE FROM todo " + C + " -- all of them");
        assertThat(BemiSql.withComment("DELETE FROM todo /* all */", C))
                .isEqualTo("DELETE FROM todo " + C + " /* all */");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT * FROM todo",
                "select * from todo where task = 'INSERT INTO x' for update",
                "CREATE TABLE t (id int)",
                "ALTER TABLE todo ADD COLUMN due date",
                "CREATE TRIGGER t BEFORE UPDATE ON todo FOR EACH ROW EXECUTE FUNCTION f()",
                "DROP TABLE todo",
                "TRUNCATE todo",
                "SET search_path = public",
                "CALL refresh_todos()",
                "DO $$ BEGIN DELETE FROM todo; END $$",
                "COPY todo FROM STDIN",
                "EXPLAIN DELETE FROM todo",
                "BEGIN",
                "COMMIT",
                "WITH t AS (SELECT id FROM todo FOR UPDATE) SELECT * FROM t",
                "\"insert\"",
                "",
                "-- DELETE FROM todo",
                "/* UPDATE todo */ SELECT 1",
            })
    void leavesEverythingElseAlone(String sql) {
        assertThat(BemiSql.withComment(sql, C)).isEqualTo(sql);
        assertThat(BemiSql.isWrite(sql)).isFalse();
    }

    @Test
    void readsPastLeadingComments() {
        // Hibernate's hibernate.use_sql_comments
        String hibernate =
                "/* insert for org.example.Todo */insert into todo (is_completed,task) values (?,?) returning id";
        assertThat(BemiSql.withComment(hibernate, C)).isEqualTo(hibernate + " " + C);
        String nested = "/* outer /* inner */ still a comment */ -- a line\nUPDATE todo SET task = ?";
        assertThat(BemiSql.withComment(nested, C)).isEqualTo(nested + " " + C);
    }

    @Test
    void withCountsWhenItWrites() {
        String main =
                "WITH done AS (SELECT id FROM todo WHERE is_completed) DELETE FROM todo WHERE id IN (SELECT id FROM done)";
        assertThat(BemiSql.withComment(main, C)).isEqualTo(main + " " + C);
        String inCte = "WITH gone AS (DELETE FROM todo WHERE is_completed RETURNING *) SELECT count(*) FROM gone";
        assertThat(BemiSql.withComment(inCte, C)).isEqualTo(inCte + " " + C);
        String materialized =
                "with recursive x as materialized (update todo set task = task returning id) select * from x";
        assertThat(BemiSql.isWrite(materialized)).isTrue();
        assertThat(BemiSql.isWrite("WITH x AS (SELECT 1) SELECT * FROM x")).isFalse();
    }

    @Test
    void wordsInLiteralsAndIdentifiersCountForNothing() {
        assertThat(BemiSql.isWrite("SELECT 'DELETE FROM todo'")).isFalse();
        assertThat(BemiSql.isWrite("SELECT E'it\\'s; DELETE FROM todo'")).isFalse();
        assertThat(BemiSql.isWrite("SELECT $tag$; DELETE FROM todo$tag$")).isFalse();
        // a semicolon in a literal does not end the statement, so the comment goes after the real end
        String insert = "INSERT INTO todo (task) VALUES ('a; b'), ($$c; d$$), (E'e\\'; f'), (\"g;\")";
        assertThat(BemiSql.withComment(insert, C)).isEqualTo(insert + " " + C);
        // $1 is a parameter, not a dollar quote
        assertThat(BemiSql.withComment("UPDATE todo SET task = $1 WHERE id = $2", C))
                .isEqualTo("UPDATE todo SET task = $1 WHERE id = $2 " + C);
    }

    @Test
    void eachWriteOfSeveralStatementsGetsTheComment() {
        assertThat(BemiSql.withComment("INSERT INTO a VALUES (1); SELECT 1; DELETE FROM b;", C))
                .isEqualTo("INSERT INTO a VALUES (1) " + C + "; SELECT 1; DELETE FROM b " + C + ";");
        assertThat(BemiSql.withComment("SET x = 1; UPDATE a SET y = 2", C))
                .isEqualTo("SET x = 1; UPDATE a SET y = 2 " + C);
        // a function body's statements are the function's, not writes of this string
        String atomic = "CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC INSERT INTO a VALUES (1); END";
        assertThat(BemiSql.withComment(atomic, C)).isEqualTo(atomic);
    }

    @Test
    void aStatementWithABemiCommentIsLeftAlone() {
        String once = BemiSql.withComment("INSERT INTO a VALUES (1)", C);
        assertThat(BemiSql.withComment(once, "/*Bemi {\"other\":2} Bemi*/")).isEqualTo(once);
        // but a literal that only looks like one is a literal
        assertThat(BemiSql.withComment("INSERT INTO a VALUES ('/*Bemi ')", C)).endsWith(") " + C);
    }

    @Test
    void withContextUsesTheThreadsContext() {
        assertThat(BemiSql.withContext("DELETE FROM todo")).isEqualTo("DELETE FROM todo");
        try (BemiContext.Scope ignored = BemiContext.with(java.util.Map.of("user_id", 1))) {
            assertThat(BemiSql.withContext("DELETE FROM todo")).isEqualTo("DELETE FROM todo " + C);
            assertThat(BemiSql.withContext("SELECT 1")).isEqualTo("SELECT 1");
        }
        assertThat(BemiSql.withContext("DELETE FROM todo")).isEqualTo("DELETE FROM todo");
    }
}
