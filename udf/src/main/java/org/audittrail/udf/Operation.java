package org.audittrail.udf;

/** What happened to a row, as stored in {@code changes.operation}; MESSAGE is a context message that never reaches the table. */
public enum Operation {
    CREATE,
    UPDATE,
    DELETE,
    TRUNCATE,
    MESSAGE
}
