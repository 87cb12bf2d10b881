/**
 * The SSH tunnel to a source behind a jump host: keys, host key checking, forwarding, reconnecting.
 * Uses no other package of the job.
 */
package org.audittrail.job.db.ssh;
