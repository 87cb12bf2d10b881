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
package org.audittrail.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.testing.TestDatabase;

/**
 * What a 20-rule privacy policy costs the job: LimitsBenchmark's backlog drained by the job without a policy and with
 * one, interleaved, several rounds. Writes its section of bench/RESULTS.md.
 */
public final class PrivacyPolicyBenchmark {

    /** Twenty rules as a team would write them: most name other tables, a few this one's columns and the context. */
    static final String POLICY =
            """
            {"mode": "default", "rules": [
              {"column": "public.users.password*", "action": "drop"},
              {"column": "users.email", "action": "hash"},
              {"column": "users.phone", "action": "mask"},
              {"column": "customers.tax_id", "action": "mask"},
              {"column": "customers.email", "action": "hash"},
              {"column": "payments.card_number", "action": "mask"},
              {"column": "payments.iban", "action": "mask"},
              {"column": "*.ssn", "action": "drop"},
              {"column": "*.date_of_birth", "action": "mask"},
              {"column": "*.api_token", "action": "drop"},
              {"column": "addresses.street", "action": "truncate", "length": 3},
              {"column": "messages.body", "action": "truncate", "length": 20},
              {"column": "item.note", "action": "truncate", "length": 12},
              {"column": "item.name", "action": "hash"},
              {"column": "item.attributes", "action": "mask"},
              {"column": "item.*", "action": "keep"},
              {"context": "ip*", "action": "mask"},
              {"context": "user_id", "action": "hash"},
              {"context": "email", "action": "hash"},
              {"context": "*", "action": "keep"}
            ]}""";

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md");
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        try (TestDatabase db = LimitsBenchmark.server()) {
            Cpu cpu = new Cpu(Cpu.postmasterOf((String) db.value("SHOW data_directory")));
            Path dir = Files.createTempDirectory("privacy-bench");
            Path policy = Files.writeString(dir.resolve("policy.json"), POLICY);
            Path key = Files.write(
                    dir.resolve("key"), "k".repeat(32).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // a heartbeat every 200 ms in every run: the chained job's last changes wait for the next one
            String[] plainArgs =
                    db.args("--destination-db-name=" + LimitsBenchmark.DESTINATION, "--heartbeat-interval-ms", "200");
            List<String> withPolicy = new ArrayList<>(List.of(plainArgs));
            withPolicy.addAll(
                    List.of("--privacy-policy-file", policy.toString(), "--privacy-hash-key-file", key.toString()));
            List<String> withChain = new ArrayList<>(withPolicy);
            withChain.add("--hash-chain");
            JobConfig plain = Main.config(plainArgs);
            JobConfig policed = Main.config(withPolicy.toArray(String[]::new));
            JobConfig chained = Main.config(withChain.toArray(String[]::new));
            LimitsBenchmark.setup(db.args("--destination-db-name=" + LimitsBenchmark.DESTINATION));
            db.execute("SELECT pg_create_logical_replication_slot('" + LimitsBenchmark.SPARE_SLOT + "', 'pgoutput')");
            LimitsBenchmark.backlog(db, changes);
            long expected = changes + 1L;
            List<double[]> pairs = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                LimitsBenchmark.Run without = LimitsBenchmark.job(db, cpu, plain, expected);
                LimitsBenchmark.Run with = LimitsBenchmark.job(db, cpu, policed, expected);
                LimitsBenchmark.Run both = LimitsBenchmark.job(db, cpu, chained, expected);
                pairs.add(new double[] {
                    without.rate(),
                    with.rate(),
                    with.jvmCpu() / without.jvmCpu(),
                    both.rate(),
                    both.jvmCpu() / without.jvmCpu()
                });
                System.out.printf(
                        "round %d: %.0f/s without, %.0f/s with the policy, %.0f/s with the policy and the chain%n",
                        round + 1, without.rate(), with.rate(), both.rate());
            }
            Results.write(results, "privacy", report(pairs, changes));
        }
    }

    static String report(List<double[]> runs, int changes) {
        StringBuilder out = new StringBuilder("Privacy policy and hash chain (PrivacyPolicyBenchmark), ")
                .append(LocalDate.now())
                .append(": LimitsBenchmark's backlog of ")
                .append(String.format("%,d", changes))
                .append(" changes (every statement with a context) drained by the job without a policy, with a 20-rule"
                        + " one (a hash, a mask and a truncation on each row, a hash and a mask in each context), and"
                        + " with the policy and --hash-chain, one run after the other in each round (a heartbeat every"
                        + " 200 ms in each). The goal: each within 5 % of the job without. The first round also pays"
                        + " for the JVM's warm-up.\n\n")
                .append("| round | without (changes/s) | policy (changes/s) | policy / without | JVM CPU, policy /"
                        + " without | policy and chain (changes/s) | policy and chain / without | JVM CPU, policy"
                        + " and chain / without |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < runs.size(); i++) {
            double[] r = runs.get(i);
            out.append(String.format(
                    "| %d | %,.0f | %,.0f | %.2f%s | %.2f | %,.0f | %.2f%s | %.2f |%n",
                    i + 1,
                    r[0],
                    r[1],
                    r[1] / r[0],
                    r[1] / r[0] >= 0.95 ? "" : " (**under 0.95**)",
                    r[2],
                    r[3],
                    r[3] / r[0],
                    r[3] / r[0] >= 0.95 ? "" : " (**under 0.95**)",
                    r[4]));
        }
        return out.toString();
    }
}
