/**
 * The embedded demo: a local PostgreSQL and Flink running the job, for trying it without a cluster.
 * May use the job's public entry points.
 */
package org.audittrail.demo;
