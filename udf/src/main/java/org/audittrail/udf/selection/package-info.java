/**
 * Which tables are tracked and which columns' changes are ignored: patterns matched against exact names.
 * Pure functions, no I/O; uses model only.
 */
package org.audittrail.udf.selection;
