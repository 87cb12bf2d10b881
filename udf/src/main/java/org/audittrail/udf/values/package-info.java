/**
 * Values as PostgreSQL prints them: JSON and jsonb text, and the text form of each type. Pure functions, no I/O.
 */
package org.audittrail.udf.values;
