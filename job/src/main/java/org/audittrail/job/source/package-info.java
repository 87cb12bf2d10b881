/**
 * The WAL source: Flink CDC's PostgreSQL reader on pgoutput, and Bemi's context messages read from it.
 * May use source.decoding, source.watch, setup, db and udf.
 */
package org.audittrail.job.source;
