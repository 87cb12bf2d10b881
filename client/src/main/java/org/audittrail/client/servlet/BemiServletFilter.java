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

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.audittrail.client.BemiContext;

/**
 * A servlet filter (a Spring Boot {@code @Bean}, or any servlet container's) that sets the {@link BemiContext} of each
 * request's thread from the request, and puts back the one before when the request is done.
 */
public class BemiServletFilter implements Filter {

    private static final System.Logger LOG = System.getLogger(BemiServletFilter.class.getName());

    private final Function<HttpServletRequest, Map<String, ?>> context;

    /** The {@link #requestContext default context}: method, path and user. */
    public BemiServletFilter() {
        this(BemiServletFilter::requestContext);
    }

    /** A context of the application's making, for instance {@code requestContext(request)} plus its own keys. */
    public BemiServletFilter(Function<HttpServletRequest, Map<String, ?>> context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    /**
     * {@code method} and {@code path} (the request URI, without query string), and {@code user}, the authenticated
     * principal's name, when there is one (with Spring Security: when the filter runs after its chain, as a filter
     * bean does by default).
     */
    public static Map<String, Object> requestContext(HttpServletRequest request) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("method", request.getMethod());
        context.put("path", request.getRequestURI());
        Principal user = request.getUserPrincipal();
        if (user != null) {
            context.put("user", user.getName());
        }
        return context;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http)) {
            chain.doFilter(request, response);
            return;
        }
        BemiContext.Scope scope;
        try {
            scope = BemiContext.with(context.apply(http));
        } catch (IllegalArgumentException e) {
            // a request must not fail for its context: one that would break the comment (a path with "*/") is left off
            LOG.log(System.Logger.Level.WARNING, "Request without Bemi context: {0}", e.getMessage());
            scope = BemiContext.with(Map.of());
        }
        try (BemiContext.Scope ignored = scope) {
            chain.doFilter(request, response);
        }
    }
}
