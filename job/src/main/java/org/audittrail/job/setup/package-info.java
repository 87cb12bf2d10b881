/**
 * Setup of the source and destination: slot, publication, replica-identity triggers, the changes table, platforms.
 * May use db and udf.
 */
package org.audittrail.job.setup;
