/**
 * The typed, immutable configuration: every option defined once, resolved once from arguments, environment and
 * {@code *_FILE} files, validated once. May use db, db.ssh and udf.selection; never reads the environment itself elsewhere.
 */
package org.audittrail.job.config;
