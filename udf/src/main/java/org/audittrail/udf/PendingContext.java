package org.audittrail.udf;

/** What the stitcher keeps of a transaction while it lasts: its last context message and its last change; a Flink POJO. */
public class PendingContext {
    /** The last context message's JSON, or null. */
    public String context;
    /** Whether that context is stored in a fallback form (not the JSON object sent). */
    public boolean contextInFallbackForm;
    /** Where the last context message was taken by a change: that change's position, or -1 while none has. */
    public long attachedAt = -1;
    /** WAL position of the last change of the transaction, or -1 before its first. */
    public long lastChange = -1;

    public PendingContext() {}
}
