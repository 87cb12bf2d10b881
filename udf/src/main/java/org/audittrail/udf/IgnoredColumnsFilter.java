package org.audittrail.udf;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;

/** Drops the UPDATEs that changed only ignore-change columns, counting them in {@code updatesIgnored}. */
public class IgnoredColumnsFilter extends RichFilterFunction<Change> {

    private static final long serialVersionUID = 1L;

    private final IgnoredColumns ignored;
    private transient Counter dropped;

    public IgnoredColumnsFilter(IgnoredColumns ignored) {
        this.ignored = ignored;
    }

    @Override
    public void open(OpenContext openContext) {
        dropped = getRuntimeContext().getMetricGroup().counter("updatesIgnored");
    }

    @Override
    public boolean filter(Change change) {
        if (ignored.changesOnlyIgnoredColumns(change)) {
            dropped.inc();
            return false;
        }
        return true;
    }
}
