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

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** CPU seconds used so far by this JVM and by a PostgreSQL server (its postmaster, live backends and reaped ones), from /proc. */
final class Cpu {

    /** Linux's USER_HZ: the unit of the times in /proc/[pid]/stat. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long postmaster;

    /** For the server whose postmaster has process id {@code postmaster}. */
    Cpu(long postmaster) {
        this.postmaster = postmaster;
    }

    /** The postmaster's pid, read from {@code postmaster.pid} of its data directory. */
    static long postmasterOf(String dataDirectory) throws IOException {
        return Long.parseLong(Files.readAllLines(Path.of(dataDirectory, "postmaster.pid"))
                .get(0)
                .trim());
    }

    /** CPU seconds of this JVM, all threads. */
    static double jvm() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }

    /** CPU seconds of the server: the postmaster with its reaped children, plus every live child. */
    double postgres() throws IOException {
        long[] own = stat(postmaster);
        double ticks = own[1] + own[2] + own[3] + own[4];
        for (long[] child : children().values()) {
            ticks += child[1] + child[2];
        }
        return ticks / TICKS_PER_SECOND;
    }

    /**
     * Pins the server to one core: the postmaster and its live children, all threads; backends it starts later inherit
     * it. False where {@code taskset} is missing or refused.
     */
    boolean pinTo(int core) throws IOException, InterruptedException {
        boolean pinned = pin(postmaster, core);
        for (long child : children().keySet()) {
            pinned &= pin(child, core);
        }
        return pinned;
    }

    /** The postmaster's live children, by pid, with their {@link #stat}. */
    private Map<Long, long[]> children() throws IOException {
        Map<Long, long[]> children = new HashMap<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) processes::iterator) {
                String name = p.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    long[] stat = stat(Long.parseLong(name));
                    if (stat != null && stat[0] == postmaster) {
                        children.put(Long.parseLong(name), stat);
                    }
                }
            }
        }
        return children;
    }

    /** Pins a process, all its threads, to one core; threads and processes it starts later inherit it. */
    static boolean pin(long pid, int core) throws InterruptedException {
        try {
            Process taskset = new ProcessBuilder(
                            "taskset", "-a", "-p", "-c", Integer.toString(core), Long.toString(pid))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return taskset.waitFor() == 0;
        } catch (IOException e) {
            return false; // no taskset
        }
    }

    /** ppid, utime, stime, cutime, cstime of a process; null when it is gone. */
    private static long[] stat(long pid) {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return null;
        }
        // fields after the command name, which may hold spaces and ends at the last ')'
        String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return new long[] {
            Long.parseLong(f[1]),
            Long.parseLong(f[11]),
            Long.parseLong(f[12]),
            Long.parseLong(f[13]),
            Long.parseLong(f[14])
        };
    }

    /** Peak resident set size of this JVM in MiB (VmHWM). */
    static long peakRssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
