/**
 * The audit-trail job: {@link org.audittrail.job.AuditTrailJob} wires source, stitching, filters and sink into one
 * Flink pipeline. May use every package below it (config, source, setup, sink, db) and udf; only cli uses it.
 */
package org.audittrail.job;
