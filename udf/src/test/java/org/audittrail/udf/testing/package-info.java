/**
 * Builders of changes and contexts for udf tests, shared with the job's tests.
 */
package org.audittrail.udf.testing;
