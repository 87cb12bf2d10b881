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
package org.audittrail.browser.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.audittrail.browser.auth.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints a users-file line for a name, the password read from standard input (never from the command line). */
@Command(
        name = "hash-password",
        mixinStandardHelpOptions = true,
        description = "Reads a password from standard input and prints name:bcrypt-hash for the users file.")
final class HashPasswordCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "The user's login name.")
    String name;

    @Override
    public Integer call() throws Exception {
        String password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("no password on standard input: pipe one in, such as: echo -n secret |");
        }
        System.out.println(Users.line(name, password));
        return 0;
    }
}
