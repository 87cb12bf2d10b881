/**
 * Decoding pgoutput rows into changes: value forms and the JSON text of each column.
 * May use udf only.
 */
package org.audittrail.job.source.decoding;
