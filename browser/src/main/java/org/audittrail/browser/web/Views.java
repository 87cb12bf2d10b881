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
package org.audittrail.browser.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.Map;

/** Renders the templates, compiled at build time; jte escapes every value for where it lands in the HTML. */
final class Views {
    private static final TemplateEngine ENGINE = TemplateEngine.createPrecompiled(ContentType.Html);

    private Views() {}

    /** Renders {@code template} with {@code model} plus the viewer's name and CSRF token into the response. */
    static void render(Context ctx, String template, Map<String, Object> model) {
        Map<String, Object> all = new HashMap<>(model);
        all.put("user", ctx.attribute(Guard.USER));
        all.put("csrf", ctx.attribute(Guard.CSRF));
        StringOutput out = new StringOutput();
        ENGINE.render(template, all, out);
        ctx.html(out.toString());
    }

    /** A page holding only a message, with its status. */
    static void message(Context ctx, int status, String title, String message) {
        ctx.status(status);
        render(ctx, "message.jte", Map.of("title", title, "message", message));
    }
}
