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
package org.audittrail.client.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.audittrail.client.BemiContext;
import org.audittrail.client.BemiSql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The filter on Spring's own servlet request objects: the context inside the request, and none after it. */
class BemiServletFilterTest {

    /** What the application's code would see and send while handling the request. */
    final List<Map<String, Object>> seen = new ArrayList<>();

    final List<String> sent = new ArrayList<>();

    final HttpServlet handler = new HttpServlet() {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) {
            seen.add(BemiContext.get());
            sent.add(BemiSql.withContext("UPDATE todo SET is_completed = true WHERE id = ?"));
        }
    };

    @AfterEach
    void clear() {
        BemiContext.clear();
    }

    @Test
    void setsMethodPathAndUserForTheRequestOnly() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("PUT", "/todo/complete");
        request.setQueryString("id=26");
        request.setUserPrincipal(() -> "alice");
        new MockFilterChain(handler, new BemiServletFilter()).doFilter(request, new MockHttpServletResponse());

        assertThat(seen).containsExactly(Map.of("method", "PUT", "path", "/todo/complete", "user", "alice"));
        assertThat(sent)
                .containsExactly("UPDATE todo SET is_completed = true WHERE id = ?"
                        + " /*Bemi {\"method\":\"PUT\",\"path\":\"/todo/complete\",\"user\":\"alice\"} Bemi*/");
        assertThat(BemiContext.get()).isEmpty();
    }

    @Test
    void anonymousRequestsHaveNoUser() throws Exception {
        new MockFilterChain(handler, new BemiServletFilter())
                .doFilter(new MockHttpServletRequest("POST", "/todo"), new MockHttpServletResponse());
        assertThat(seen).containsExactly(Map.of("method", "POST", "path", "/todo"));
    }

    @Test
    void takesTheApplicationsOwnContext() throws Exception {
        BemiServletFilter filter = new BemiServletFilter(request -> {
            Map<String, Object> context = new LinkedHashMap<>(BemiServletFilter.requestContext(request));
            context.put("request_id", request.getHeader("X-Request-Id"));
            return context;
        });
        MockHttpServletRequest request = new MockHttpServletRequest("DELETE", "/todo/27");
        request.addHeader("X-Request-Id", "r-1");
        new MockFilterChain(handler, filter).doFilter(request, new MockHttpServletResponse());
        assertThat(seen).containsExactly(Map.of("method", "DELETE", "path", "/todo/27", "request_id", "r-1"));
    }

    @Test
    void putsBackTheContextBeforeEvenWhenTheRequestFails() {
        BemiContext.set(Map.of("worker", "outer"));
        HttpServlet failing = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                seen.add(BemiContext.get());
                throw new IllegalStateException("handler failed");
            }
        };
        assertThatThrownBy(() -> new MockFilterChain(failing, new BemiServletFilter())
                        .doFilter(new MockHttpServletRequest("GET", "/todo"), new MockHttpServletResponse()))
                .hasMessage("handler failed");
        assertThat(seen).containsExactly(Map.of("method", "GET", "path", "/todo"));
        assertThat(BemiContext.get()).isEqualTo(Map.of("worker", "outer"));
    }

    @Test
    void aRequestWhoseContextWouldBreakTheCommentRunsWithoutOne() throws Exception {
        new MockFilterChain(handler, new BemiServletFilter())
                .doFilter(new MockHttpServletRequest("GET", "/files/*/x"), new MockHttpServletResponse());
        assertThat(seen).containsExactly(Map.of());
        assertThat(sent).containsExactly("UPDATE todo SET is_completed = true WHERE id = ?");
    }
}
