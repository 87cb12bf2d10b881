/**
 * Flink functions of the pipeline: deserialising, stitching context per transaction, filters, fallback values.
 * Pure, no I/O; may use model, values and selection.
 */
package org.audittrail.udf.functions;
