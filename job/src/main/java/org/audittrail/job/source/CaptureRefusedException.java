package org.audittrail.job.source;

import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;

/** The job will not start because changes may have been lost; restarting would not help, so Flink fails the job for good. */
@ThrowableAnnotation(ThrowableType.NonRecoverableError)
public class CaptureRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CaptureRefusedException(String message) {
        super(message);
    }
}
