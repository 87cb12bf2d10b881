/**
 * Connections to the source and destination databases: settings, TLS, passwords given to pgjdbc.
 * May use db.ssh only.
 */
package org.audittrail.job.db;
