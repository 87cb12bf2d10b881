package org.audittrail.udf;

/** The last context message of a transaction, waiting for the change at its position; a Flink POJO. */
public class PendingContext {
    /** WAL position of the message, which is that of the change it belongs to. */
    public long position;
    /** The context, a JSON object. */
    public String context;
    /** Whether a change has taken it already. */
    public boolean attached;

    public PendingContext() {}

    PendingContext(long position, String context) {
        this.position = position;
        this.context = context;
    }
}
