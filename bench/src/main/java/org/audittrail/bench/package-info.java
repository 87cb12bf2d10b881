/**
 * Benchmarks writing bench/RESULTS.md: latency, throughput, memory, source overhead, each beside its limit.
 * May use the job and its test fixtures.
 */
package org.audittrail.bench;
