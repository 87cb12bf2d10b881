/**
 * The jar's command line: {@code run} (the job), {@code setup}, {@code disconnect}, {@code ssh-keygen}, and help.
 * The top layer: may use every other package; none uses it.
 */
package org.audittrail.job.cli;
