/**
 * The sink: batches of changes written by COPY into the time-partitioned changes table, idempotently; partition upkeep.
 * May use db and udf.
 */
package org.audittrail.job.sink;
