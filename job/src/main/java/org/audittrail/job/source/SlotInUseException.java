package org.audittrail.job.source;

/** Another process reads the replication slot; retried, as it may be this job's own previous connection closing. */
public class SlotInUseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SlotInUseException(String message) {
        super(message);
    }
}
