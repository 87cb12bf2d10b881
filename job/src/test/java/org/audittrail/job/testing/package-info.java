/**
 * Test fixtures shared by every module's tests and the benchmarks: embedded PostgreSQL with logical decoding,
 * a Flink MiniCluster running the real job, the command line, PgBouncer and an SSH jump host. Test classes keep only tests.
 */
package org.audittrail.job.testing;
