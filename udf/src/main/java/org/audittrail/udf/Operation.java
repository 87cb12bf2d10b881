package org.audittrail.udf;

/** What happened to a row, as stored in {@code changes.operation}; MESSAGE is a context message that never reaches the table. */
public enum Operation {
    CREATE,
    UPDATE,
    DELETE,
    TRUNCATE,
    MESSAGE;

    /** Whether this is a row change that is stored, as opposed to a context message. */
    public boolean isRowChange() {
        return this != MESSAGE;
    }
}
