package org.audittrail.udf.functions;

import org.audittrail.udf.model.Change;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;

/** A filter of changes that counts what it drops in a Flink metric. */
abstract class CountingFilter extends RichFilterFunction<Change> {

    private static final long serialVersionUID = 1L;

    private final String metric;
    private transient Counter dropped;

    CountingFilter(String metric) {
        this.metric = metric;
    }

    /** Whether the change goes on. */
    abstract boolean keep(Change change);

    @Override
    public void open(OpenContext openContext) {
        dropped = getRuntimeContext().getMetricGroup().counter(metric);
    }

    @Override
    public boolean filter(Change change) {
        if (keep(change)) {
            return true;
        }
        dropped.inc();
        return false;
    }
}
