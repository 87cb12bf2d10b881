package org.audittrail.udf;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;

/**
 * Drops changes of tables read only for their context messages: untracked tables that carry Bemi's row
 * trigger are read too, so that their messages never reach a tracked row; counted in {@code untrackedChanges}.
 */
public class TrackedTablesFilter extends RichFilterFunction<Change> {

    private static final long serialVersionUID = 1L;

    private final TableSelection tracked;
    private transient Counter dropped;

    public TrackedTablesFilter(TableSelection tracked) {
        this.tracked = tracked;
    }

    @Override
    public void open(OpenContext openContext) {
        dropped = getRuntimeContext().getMetricGroup().counter("untrackedChanges");
    }

    @Override
    public boolean filter(Change change) {
        if (tracked.isTracked(change.schema, change.table)) {
            return true;
        }
        dropped.inc();
        return false;
    }
}
