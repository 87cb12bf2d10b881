/**
 * The source's periodic probes: slot lag, publication membership, heartbeat, on one scheduled-probe abstraction.
 * May use setup, db and udf.
 */
package org.audittrail.job.source.watch;
